import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, startServer as startProcess, stopServer } from '../support/process';

/** The Debian Chromium and the flags SPEC §2 prescribes; never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const ARTIFACTS = 'test-artifacts';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface RunningServer {
  base: string;
  port: number;
  tokens: Record<string, string>;
  dir: string;
  db: string;
  output: () => string;
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    role?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  remove(): void;
}

/** One server process on `db` and `port` (test/support/process.ts, as `npm start` runs it). */
const spawnServer = (port: number, db: string, seed: boolean) =>
  startProcess(
    { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: db, SEED_DEMO: seed ? '1' : '0' },
    { readyTimeoutMs: 30_000 },
  );

/** The server as `npm start` runs it, on a free port over a temp SQLite database with the demo company. */
export async function startServer(opts: { seed?: boolean } = {}): Promise<RunningServer> {
  const seed = opts.seed ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-addin-'));
  const db = join(dir, 'creditdesk.sqlite');
  const port = await freePort();
  let proc = await spawnServer(port, db, seed);
  const tokens = seed
    ? (JSON.parse(readFileSync(join(dir, 'demo-tokens.json'), 'utf8')) as Record<string, string>)
    : {};
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    tokens,
    dir,
    db,
    output: () => proc.output(),
    async api(method, path, body, role = 'credit_manager', headers = {}) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${tokens[role]}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    stop: () => stopServer(proc),
    async restart() {
      proc = await spawnServer(port, db, seed);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens the test page (the built pane beside a simulated workbook) and signs in with a role's token. */
export async function openPane(browser: Browser, server: RunningServer, role = 'credit_manager'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1750, height: 850 } });
  await page.goto(`${server.base}/addin/testing/workbook.html`);
  await page.getByLabel('Server URL').fill(server.base);
  await page.getByLabel('API token').fill(server.tokens[role]!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Held orders' }).waitFor();
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `addin-${name}.png`);
  // Let the grid redraw and the pane's transitions settle.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(250);
  await page.screenshot({ path });
  return path;
}

/** Waits for a pane's status message matching `pattern` and returns the status text. */
export async function statusText(page: Page, testId: string, pattern: RegExp, timeout = 20_000): Promise<string> {
  const loc = page.getByTestId(testId);
  await loc.getByText(pattern).waitFor({ timeout });
  return (await loc.innerText()).trim();
}

/** The simulated workbook's table as records (header → cell). */
export function records(page: Page, table: string): Promise<Record<string, string | number | boolean>[]> {
  return page.evaluate((t) => (window as any).workbook.records(t), table);
}

/** What a person typing into a table cell does. */
export function typeCell(
  page: Page,
  table: string,
  row: number,
  header: string,
  value: string | number,
): Promise<void> {
  return page.evaluate(([t, r, h, v]) => (window as any).workbook.type(t, r, h, v), [
    table,
    row,
    header,
    value,
  ] as const);
}
