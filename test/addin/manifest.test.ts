import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

// The online manifest validator cannot run here: this checks the elements Excel needs and that
// every URL the manifest names is served by the server (the pane is built by the global setup).
const xml = readFileSync('manifest.xml', 'utf8');
const text = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
const attr = (tag: string, name: string) => new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml)?.[1];

describe('manifest.xml', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.close());

  it('is an Excel task-pane add-in with every required element', () => {
    expect(xml).toMatch(/<OfficeApp\b[^>]*xsi:type="TaskPaneApp"/);
    expect(text('Id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    expect(text('Version')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(text('ProviderName')).toBeTruthy();
    expect(text('DefaultLocale')).toBe('en-US');
    expect(attr('DisplayName', 'DefaultValue')).toBe('CreditDesk');
    expect(attr('Description', 'DefaultValue')).toBeTruthy();
    expect(attr('IconUrl', 'DefaultValue')).toMatch(/^https:\/\/localhost:3000\//);
    expect(attr('HighResolutionIconUrl', 'DefaultValue')).toMatch(/^https:\/\/localhost:3000\//);
    expect(xml).toMatch(/<Hosts>\s*<Host Name="Workbook"\s*\/>\s*<\/Hosts>/);
    expect(xml).toMatch(/<Set Name="ExcelApi" MinVersion="1\.9"\s*\/>/);
    expect(attr('SourceLocation', 'DefaultValue')).toBe('https://localhost:3000/addin/taskpane.html');
    expect(text('Permissions')).toBe('ReadWriteDocument');
    expect(xml).toMatch(/<VersionOverrides\b/);
    expect(xml).toMatch(/<Action xsi:type="ShowTaskpane">/);
    expect(/<bt:String id="Button\.Label" DefaultValue="([^"]*)"/.exec(xml)?.[1]).toBe('CreditDesk');
  });

  it('names only URLs the server serves (icons, the task pane, docs) and office.js is local', async () => {
    const urls = [...new Set([...xml.matchAll(/"(https:\/\/localhost:3000[^"]*)"/g)].map((m) => m[1]!))];
    expect(urls.length).toBeGreaterThan(3);
    for (const u of urls) {
      const path = new URL(u).pathname;
      const res = await t.request('GET', path, { token: null });
      expect(res.status, path).toBe(200);
    }
    const pane = await t.request('GET', '/addin/taskpane.html', { token: null });
    const html = typeof pane.body === 'string' ? pane.body : '';
    expect(html).toContain('/addin/office-js/office.js');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\//i);
    const office = await t.request('GET', '/addin/office-js/office.js', { token: null });
    expect(office.status).toBe(200);
  });
});
