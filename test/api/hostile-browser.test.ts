// Issue 18, items 11 and 12, in a real browser against the server as `npm start` runs it (Debian
// Chromium, LOG_LEVEL=info, the default level at which preflights once answered 500): a page on an
// origin in ALLOWED_ORIGINS reads the API across origins (the preflight passes), a page on another
// origin cannot; Swagger UI and the task pane run under their Content-Security-Policy with no
// violation; Office on the web may frame the task pane, another site may not.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../addin/support';
import { freePort, startServer, stopServer, type ServerProcess } from '../support/process';

const TOKEN = `admin-${'b'.repeat(40)}`;
const BLANK = '<!doctype html><html><head><title>page</title></head><body>page</body></html>';

/** A tiny web server answering every path with a blank page: an origin of its own. */
async function blankSite(): Promise<{ origin: string; close: () => Promise<void> }> {
  const port = await freePort();
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(BLANK));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Every Content-Security-Policy violation the page reports, as "directive blocked-uri". */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('reportViolation', (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

describe('hostile input in a browser: CORS, CSP, framing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-hostile-'));
  let server: ServerProcess;
  let allowed: Awaited<ReturnType<typeof blankSite>>;
  let refused: Awaited<ReturnType<typeof blankSite>>;
  let browser: Browser;

  beforeAll(async () => {
    [allowed, refused] = await Promise.all([blankSite(), blankSite()]);
    server = await startServer({
      DATABASE_URL: join(dir, 'db.sqlite'),
      SEED_DEMO: '0',
      ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'info',
      ALLOWED_ORIGINS: allowed.origin,
    });
    // The Office test page below is a public https origin framing this loopback server; Chromium's
    // private-network checks (not the page's CSP) would refuse that, so they are off here.
    const privateNetworkChecks =
      'BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessForNavigations,PrivateNetworkAccessRespectPreflightResults,PrivateNetworkAccessSendPreflights,LocalNetworkAccessChecks';
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        `--disable-features=${privateNetworkChecks}`,
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServer(server);
    await allowed?.close();
    await refused?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a cross-origin API read from a page of `origin`: what the page's script sees. */
  async function readFrom(origin: string): Promise<{ ok: boolean; status?: number; body?: any; error?: string }> {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ([api, token]) => {
          try {
            const res = await fetch(`${api}/api/v1/me`, {
              headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            });
            return { ok: true, status: res.status, body: await res.json() };
          } catch (e) {
            return { ok: false, error: String(e) };
          }
        },
        [server.url, TOKEN] as const,
      );
    } finally {
      await page.close();
    }
  }

  it('a page of an allowed origin reads the API across origins: the preflight passes at log level info', async () => {
    const answer = await readFrom(allowed.origin);
    expect(answer).toMatchObject({ ok: true, status: 200, body: { id: 'admin', role: 'admin' } });
    // The preflight and the read were both answered and logged, neither as an error.
    await new Promise((r) => setTimeout(r, 100));
    const log = server
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"request"') && l.includes('/api/v1/me'))
      .map((l) => JSON.parse(l) as { method: string; status: number });
    expect(log.map((l) => [l.method, l.status])).toEqual(
      expect.arrayContaining([
        ['OPTIONS', 204],
        ['GET', 200],
      ]),
    );
    expect(server.output()).not.toMatch(/unhandled error|Context is not finalized/);
  });

  it('a page of another origin cannot read the API', async () => {
    const answer = await readFrom(refused.origin);
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/Failed to fetch/);
  });

  it('Swagger UI renders /docs under its CSP with no violation', async () => {
    const page = await browser.newPage();
    try {
      const violations = await watchViolations(page);
      await page.goto(`${server.url}/docs`);
      await page.locator('.swagger-ui .info .title').getByText('CreditDesk API').waitFor({ timeout: 20_000 });
      await page.locator('.opblock').first().waitFor();
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the task pane loads office.js and its own scripts under its CSP with no violation', async () => {
    const page = await browser.newPage();
    try {
      const violations = await watchViolations(page);
      await page.goto(`${server.url}/addin/taskpane.html`);
      await page.getByText('CreditDesk runs inside Excel').waitFor({ timeout: 20_000 });
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });

  /**
   * Opens a page at `parentUrl` (answered by the test) that frames `child`; answers whether the
   * framed document ran and which violations the parent saw. office.js, framed by a page that is
   * not Office, logs "not hosted in plain browser top window" and blanks itself (its own guard
   * against clickjacking): that line proves the pane was let into the frame and ran.
   */
  async function framed(
    parentUrl: string,
    child: string,
    ran: RegExp,
  ): Promise<{ ran: boolean; violations: string[] }> {
    const page = await browser.newPage();
    try {
      const violations = await watchViolations(page);
      let seen = false;
      page.on('console', (m) => (seen ||= ran.test(m.text())));
      page.on('frameattached', (f) =>
        f
          .waitForLoadState()
          .then(() => f.content())
          .then(
            (html) => (seen ||= ran.test(html)),
            () => undefined,
          ),
      );
      await page.route(parentUrl, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html><body><iframe id="f" src="${child}" width="800" height="600"></iframe></body></html>`,
        }),
      );
      await page.goto(parentUrl);
      for (let waited = 0; !seen && waited < 3_000; waited += 100) await page.waitForTimeout(100);
      return { ran: seen, violations };
    } finally {
      await page.close();
    }
  }

  it('Office on the web may frame the task pane; another site may frame neither the pane nor /docs', async () => {
    const pane = `${server.url}/addin/taskpane.html`;
    const office = await framed(
      'https://excel.officeapps.live.com/x/_layouts/xlviewerinternal.aspx',
      pane,
      /not hosted in plain browser top window/,
    );
    expect(office).toEqual({ ran: true, violations: [] });
    const evil = await framed(`${refused.origin}/frame.html`, pane, /not hosted in plain browser top window/);
    expect(evil.ran).toBe(false);
    expect(evil.violations.join('\n')).toMatch(/frame-ancestors/);
    const docs = await framed(`${refused.origin}/docs-frame.html`, `${server.url}/docs`, /swagger-ui/);
    expect(docs.ran).toBe(false);
    expect(docs.violations.join('\n')).toMatch(/frame-ancestors/);
  }, 60_000);
});
