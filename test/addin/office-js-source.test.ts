// Where the task pane loads office.js from (issue 21): the packaged copy this server serves by
// default (offline, the tests), or Microsoft's CDN when OFFICE_JS_URL says so, as store add-ins
// must. The page is the built one (test/addin/global-setup.ts builds it before the suite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { readEnv } from '../../server/config';

const CDN = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';

async function page(t: TestApp): Promise<{ html: string; csp: string }> {
  const res = await t.app.request('/addin/taskpane.html');
  expect(res.status).toBe(200);
  return { html: await res.text(), csp: res.headers.get('content-security-policy') ?? '' };
}

describe('office.js source', () => {
  let packaged: TestApp;
  let cdn: TestApp;
  beforeAll(async () => {
    packaged = await startTestApp('sqlite');
    cdn = await startTestApp('sqlite', { officeJsUrl: CDN });
  });
  afterAll(async () => {
    await packaged.close();
    await cdn.close();
  });

  it('by default the page loads the packaged copy from this server, and scripts come from this server only', async () => {
    const { html, csp } = await page(packaged);
    expect(html).toContain('src="/addin/office-js/office.js"');
    expect(html).not.toContain('appsforoffice');
    expect(csp).toMatch(/script-src 'self';/);
    expect((await packaged.app.request('/addin/office-js/office.js')).status).toBe(200);
  });

  it('with OFFICE_JS_URL the page loads office.js from there, and the policy admits that origin for scripts only', async () => {
    const { html, csp } = await page(cdn);
    expect(html).toContain(`src="${CDN}"`);
    expect(html).not.toContain('/addin/office-js/office.js');
    expect(csp).toMatch(/script-src 'self' https:\/\/appsforoffice\.microsoft\.com;/);
    expect(csp).toMatch(/default-src 'self';/);
  });

  it('OFFICE_JS_URL must be an https URL', () => {
    expect(readEnv({ OFFICE_JS_URL: CDN }).OFFICE_JS_URL).toBe(CDN);
    expect(() => readEnv({ OFFICE_JS_URL: 'http://appsforoffice.microsoft.com/lib/1/hosted/office.js' })).toThrow(
      /OFFICE_JS_URL must be an https URL/,
    );
    expect(() => readEnv({ OFFICE_JS_URL: 'office.js' })).toThrow(/OFFICE_JS_URL/);
    expect(readEnv({}).OFFICE_JS_URL).toBeUndefined();
  });
});
