// The add-in rows of `npm run bench`: the built task pane's test page (the pane beside the
// simulated workbook) in headless Chromium, measuring the pane's own code paths
// (addin/testing/measure.ts) against floors measured in the same page and run:
// - writing 10,000 aging rows through the Excel adapter (chunked syncs under 5 MB);
// - the local preview of 10,000 proposal rows;
// - loading the preview's credit context of 10,000 customers from a real server (credit-context:batch).
// Tested against a simulated workbook, not a real Excel. Never throws: a failure (no Chromium, no
// build) becomes one row that is not met, so the rest of the bench still reports.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { buildServer } from '../server/build.mjs';
import { SERVER_BUNDLE } from '../test/support/process';
import type { Browser } from 'playwright-core';
import { row, type BenchRow } from './report';
import { launchBrowser, startServer, type RunningServer } from '../test/addin/support';
import { todayUtc } from '../shared/dates';

const ROWS = 10_000;
const MB = 1024 * 1024;

export async function benchAddin(): Promise<BenchRow[]> {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    // The bench measures the code as it is now: build the pane first (a few seconds).
    execFileSync(process.execPath, ['addin/build.mjs'], { stdio: 'ignore' });
    // The server runs as `npm start` runs it (the suite's global setup does the same for the tests).
    await buildServer({ outfile: SERVER_BUNDLE });
    // Both are kept as soon as they start, so the finally below closes whichever did when the other failed.
    const [started, launched] = await Promise.allSettled([startServer({ seed: true }), launchBrowser()]);
    if (started.status === 'fulfilled') server = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    server = started.value;
    browser = launched.value;
    // 10,000 customers for the credit-context read (the demo company's holds and groups stay as they are).
    const ids = Array.from({ length: ROWS }, (_, i) => `AB${String(i).padStart(5, '0')}`);
    const fed = await server.api(
      'POST',
      '/api/v1/customers:batch',
      {
        items: ids.map((id, i) => ({
          id,
          name: `Bench customer ${i}`,
          currency: 'USD',
          creditLimit: `${10000 + (i % 500) * 100}.00`,
        })),
      },
      'integration',
    );
    if (fed.status !== 200) throw new Error(`customers:batch answered ${fed.status}`);
    const page = await browser.newPage();
    await page.goto(`${server.base}/addin/testing/workbook.html`);
    await page.waitForFunction(() => Boolean((window as any).creditdesk));
    const f = await page.evaluate(
      async ([base, token, customerIds, asOf]) => {
        const { workbook, creditdesk: cd } = window as any;
        const write = await cd.measureAgingWrite(workbook, customerIds.length);
        const preview = cd.measurePreview(customerIds.length);
        const load = await cd.measureContextLoad(base, token, customerIds, asOf);
        return { write, preview, load };
      },
      [server.base, server.tokens.credit_clerk!, ids, todayUtc()] as const,
    );
    if (f.write.rows !== ROWS || f.preview.previewed !== ROWS || f.preview.errors || f.load.customers !== ROWS)
      throw new Error(`unexpected figures ${JSON.stringify(f)}`);
    const chromium = '(Chromium, simulated workbook)';
    return [
      row({
        name: `add-in: write 10,000 aging rows ${chromium}`,
        unit: 'ms',
        value: f.write.writeMs,
        floorName: `same rows as one plain 2-D array set into a simulated sheet + one JSON.stringify; ${f.write.syncs} syncs`,
        floorValue: f.write.floorMs,
        target: '< 3000 ms, every sync < 5 MB',
        met: f.write.writeMs < 3000 && f.write.maxRequestBytes < 5 * MB,
      }),
      row({
        name: '  largest sync request of that write',
        unit: 'MB',
        value: f.write.maxRequestBytes / MB,
        floorName: 'values of all rows as JSON, no number formats (one unchunked request carries more)',
        floorValue: f.write.rowBytes / MB,
        target: '< 5 MB',
        met: f.write.maxRequestBytes < 5 * MB,
      }),
      row({
        name: `add-in: local preview of 10,000 proposal rows ${chromium}`,
        unit: 'ms',
        value: f.preview.previewMs,
        floorName: 'parsing the same rows only (parseProposal)',
        floorValue: f.preview.parseMs,
        target: '< 500 ms',
        met: f.preview.previewMs < 500,
      }),
      row({
        name: `add-in: preview context of 10,000 customers, ${f.load.requests} credit-context:batch request(s), fetch + decode`,
        unit: 'ms',
        value: f.load.loadMs,
        floorName: `same request fetched and JSON-parsed only (${(f.load.responseBytes / MB).toFixed(1)} MB)`,
        floorValue: f.load.fetchMs,
        target: 'none (informational)',
        met: true,
      }),
    ];
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return [
      row({
        name: 'add-in bench (Chromium, simulated workbook)',
        unit: '-',
        value: 0,
        floorName: `failed: ${message.slice(0, 160)}`,
        target: 'runs',
        met: false,
      }),
    ];
  } finally {
    await browser?.close();
    await server?.stop();
    server?.remove();
    for (const f of [SERVER_BUNDLE, `${SERVER_BUNDLE}.map`]) rmSync(f, { force: true });
  }
}
