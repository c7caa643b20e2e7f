// PostgreSQL benchmarks (issue 17, item 8): the credit check (p50, round trips, the cost of
// cross-process coherence, two processes against one), the aging snapshot at 10k / 200k and
// 50k / 1M, the 10,000-line journal; plus the PostgreSQL rows of fairness.ts and stream.ts, all on
// one database made for this run. The PostgreSQL server is BENCH_DATABASE_URL's or
// TEST_DATABASE_URL's when set, else an embedded one (test/support/postgres.ts). This machine's two
// cores are shared by PostgreSQL, the server processes and the load generator.
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type DbHandle } from '../server/db/connection';
import { startTestPostgres } from '../test/support/postgres';
import { median, row, type BenchRow } from './report';
import { ROUND_SECONDS, sequential, sequentialP50, startServer, type BenchServer } from './http';
import {
  checkBody,
  checkLoad,
  createJournal,
  CUSTOMERS,
  journalBody,
  postJournal,
  ensureStandardAging,
  runSnapshot,
} from './requests';
import { addUploadCustomers, addWriteOffCustomer, seedBench, type BenchTokens } from './data';
import { fastest, RAW_AGING_SQL } from './collections';
import { benchFairness } from './fairness';
import { benchStream } from './stream';
import { fillPostgresLedger, mixedRows, RUN_MIXED } from './ledger';

/** Load rounds of the coherence and two-process rows (each pair back to back, order alternating). */
const ROUNDS = 9;

export interface PostgresSections {
  /** The bench server bundle (bench/server.ts). */
  serverJs: string;
  pg: boolean;
  stream: boolean;
  fairness: boolean;
}

export async function benchPostgres(o: PostgresSections): Promise<BenchRow[]> {
  const cluster = await startTestPostgres(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL);
  const name = `creditdesk_bench_${process.pid}`;
  const url = withDatabase(cluster.url, name);
  // The mixed-currency ledger's database (bench/ledger.ts), for the pg section's second run.
  const mixedName = `${name}_mixed`;
  const servers: BenchServer[] = [];
  const handles: DbHandle[] = [];
  const rows: BenchRow[] = [];
  try {
    // The bench's own connection makes the database (openDatabase creates it and migrates) and
    // writes the data; it does not listen (no server needs to hear of these writes: they are no setup).
    const handle = await openDatabase({ url, coherence: false });
    handles.push(handle);
    const tokens = await seedBench(handle);
    await fillPostgresLedger(handle, 'C', CUSTOMERS, 'plain');
    await settle(handle);
    const start = async (env: Record<string, string> = {}, db = url) => {
      const s = await startServer(o.serverJs, { BENCH_DB: db, ...env });
      servers.push(s);
      return s;
    };
    let a = await start();
    const b = o.pg || o.stream ? await start() : undefined;
    let mixedAt = 0;
    if (o.pg) {
      rows.push(...(await p50Rows(a.base, tokens)));
      rows.push(...(await loadRows(a.base, b!.base, (await start({ BENCH_COHERENCE: '0' })).base, tokens)));
      rows.push(...(await agingRows(handle, a.base, tokens, '10k')));
      rows.push(...(await journalRows(a.base, tokens)));
      mixedAt = rows.length;
    }
    if (o.stream) rows.push(...(await benchStream(a.base, b!.base, tokens.token)));
    if (o.fairness) {
      // What the upload and the write-off need, as on SQLite: 50,000 customers, one with 20,000 open invoices.
      await addUploadCustomers(handle);
      await addWriteOffCustomer(handle);
      await settle(handle);
      const target = a;
      rows.push(
        ...(await benchFairness({ dialect: 'PostgreSQL', base: target.base, ...tokens, abandon: () => target.stop() })),
      );
      // A write-off given up stopped A: a fresh process for what follows.
      if (target.child.exitCode !== null || target.child.signalCode !== null) a = await start();
    }
    if (o.pg) {
      // 50,000 customers / 1,000,000 open items: the 40,000 upload customers get a ledger too.
      if (!o.fairness) await addUploadCustomers(handle);
      await fillPostgresLedger(handle, 'D', 40_000, 'plain');
      await settle(handle);
      rows.push(...(await agingRows(handle, a.base, tokens, '50k')));
    }
    if (o.pg && RUN_MIXED) {
      // The target rows again on the mixed-currency ledger (the same customers, users and rules),
      // one server process; the plain database's servers are done. Its rows go below the plain ones.
      for (const s of servers.splice(0)) await s.stop();
      const mixedUrl = withDatabase(cluster.url, mixedName);
      const mixed = await openDatabase({ url: mixedUrl, coherence: false });
      handles.push(mixed);
      const mixedTokens = await seedBench(mixed);
      await fillPostgresLedger(mixed, 'C', CUSTOMERS, 'mixed');
      await settle(mixed);
      const m = await start({}, mixedUrl);
      const variant = [
        ...(await p50Rows(m.base, mixedTokens)),
        ...(await agingRows(mixed, m.base, mixedTokens, '10k')),
        ...(await journalRows(m.base, mixedTokens)),
      ];
      rows.splice(mixedAt, 0, ...mixedRows(variant));
    }
  } finally {
    for (const s of servers) await s.stop();
    for (const h of handles) await h.close();
    for (const db of [name, mixedName])
      await dropDatabase(cluster.url, db).catch((e: unknown) =>
        console.error(`could not drop the bench database ${db}: ${String(e)}`),
      );
    await cluster.stop();
  }
  return rows;
}

/** The same server and credentials, another database. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${client.escapeIdentifier(database)} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * After bulk writes: VACUUM ANALYZE and a checkpoint, as a database that grew over time stands
 * (statistics, visibility map), and so that autovacuum and the checkpointer do not start on
 * these writes during the measurements.
 */
async function settle(handle: DbHandle): Promise<void> {
  await sql`vacuum analyze`.execute(handle.db);
  await sql`checkpoint`.execute(handle.db);
}

/** Database queries the server process has sent so far (bench/server.ts counts them). */
async function queriesSent(base: string): Promise<number> {
  return ((await (await fetch(`${base}/bench/queries`)).json()) as { queries: number }).queries;
}

/** `POST /credit-check` on PostgreSQL, one request at a time: the p50 and the database round trips per check. */
async function p50Rows(a: string, { token }: BenchTokens): Promise<BenchRow[]> {
  const check = (i: number): RequestInit => ({
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: checkBody(i),
  });
  const p50 = await sequentialP50(`${a}/api/v1/credit-check`, check);
  const bareP50 = await sequentialP50(`${a}/bench/bare`, () => ({}));
  // Warm by now (the p50's 2,200 checks filled the setup and token caches): the queries of 500 more.
  const checks = 500;
  const before = await queriesSent(a);
  await sequential(`${a}/api/v1/credit-check`, check, checks);
  const roundTrips = ((await queriesSent(a)) - before) / checks;
  return [
    row({
      name: 'PostgreSQL: POST /api/v1/credit-check p50, one request at a time (10k customers, 200k open items)',
      unit: 'ms',
      value: p50,
      floorName: 'bare Hono route p50, same client',
      floorValue: bareP50,
      target: 'p50 < 3 ms',
      met: p50 < 3,
    }),
    row({
      name: 'PostgreSQL: database round trips per credit check (queries the server sent during 500 warm checks / 500)',
      unit: 'queries',
      value: roundTrips,
      floorName: null,
      target: '<= 2',
      met: roundTrips <= 2,
    }),
  ];
}

/**
 * `POST /credit-check` on PostgreSQL under load: A's req/s against the same server without
 * cross-process coherence (C); A and B together against A alone.
 */
async function loadRows(a: string, b: string, noCoherence: string, { token }: BenchTokens): Promise<BenchRow[]> {
  const rps = (r: { requests: { average: number } }) => r.requests.average;
  const round = (base: string, connections = 10) => checkLoad(base, token, { duration: ROUND_SECONDS, connections });
  // Warm-up: every server a round's length of checks, so the rounds measure the steady state.
  for (const base of [a, b, noCoherence]) await round(base);
  // Coherence: A and C in alternating rounds (this VM's capacity swings within seconds), ratio =
  // median of the rounds' ratios. Two processes: A and B at once (5 connections each) against A
  // alone with all 10, alternating the same way.
  const coherence: { on: number; off: number }[] = [];
  const split: { two: number; one: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const pair = async <T>(first: () => Promise<T>, second: () => Promise<T>) =>
      (i % 2 === 0 ? [await first(), await second()] : [await second(), await first()].reverse()) as [T, T];
    const [on, off] = await pair(
      () => round(a).then(rps),
      () => round(noCoherence).then(rps),
    );
    coherence.push({ on, off });
    const [two, one] = await pair(
      async () => (await Promise.all([round(a, 5), round(b, 5)])).reduce((s, r) => s + rps(r), 0),
      () => round(a).then(rps),
    );
    split.push({ two, one });
  }
  const coherenceRatio = median(coherence.map((r) => r.on / r.off));
  const splitRatios = split.map((r) => r.two / r.one);
  const splitRatio = median(splitRatios);
  const cores = '2 cores shared by PostgreSQL, the servers and the load generator';
  return [
    row({
      name: `PostgreSQL: POST /api/v1/credit-check req/s, 10 connections, cross-process coherence on (${cores})`,
      unit: 'req/s',
      value: median(coherence.map((r) => r.on)),
      floorName: `the same server with coherence: false (no LISTEN, no setup version reads); median of ${ROUNDS} alternating rounds, round ratios ${coherence.map((r) => (r.on / r.off).toFixed(2)).join(', ')}`,
      floorValue: median(coherence.map((r) => r.off)),
      ratio: coherenceRatio,
      target: 'ratio >= 0.9',
      met: coherenceRatio >= 0.9,
    }),
    row({
      name: `PostgreSQL: POST /api/v1/credit-check req/s, two server processes on one database (5 + 5 connections; ${cores}: scaling cannot show)`,
      unit: 'req/s',
      value: median(split.map((r) => r.two)),
      floorName: `one process, 10 connections; median of ${ROUNDS} alternating rounds, round ratios ${splitRatios.map((r) => r.toFixed(2)).join(', ')} (spread ${Math.min(...splitRatios).toFixed(2)}-${Math.max(...splitRatios).toFixed(2)})`,
      floorValue: median(split.map((r) => r.one)),
      ratio: splitRatio,
      target: 'ratio >= 1.0 (never slower than one)',
      met: splitRatio >= 1,
    }),
  ];
}

/**
 * The aging snapshot run at 10k / 200k (target: < 2 s and <= 3x the raw GROUP BY of the same
 * bucket sums, both the fastest of three, as on SQLite) or 50k / 1M (target: < 10 s; one re-run
 * and one floor, for the run's 8 minutes). The first run (inserting every row) is shown beside it.
 */
async function agingRows(
  handle: DbHandle,
  base: string,
  { managerToken }: BenchTokens,
  size: '10k' | '50k',
): Promise<BenchRow[]> {
  const big = size === '50k';
  const n = big ? 1 : 3;
  const items = big ? '50,000 customers, 1,000,000 open items' : '10,000 customers, 200,000 open items';
  await ensureStandardAging(base, managerToken);
  const first = await runSnapshot(base, managerToken);
  const rerun = await fastest(() => runSnapshot(base, managerToken), n);
  // The floors run on a connection of the bench's own, as the server's queries run on one of its pool's.
  const floor = {
    bucketed: await fastest(() => sql.raw(RAW_AGING_SQL.bucketed).execute(handle.db), n),
    plain: await fastest(() => sql.raw(RAW_AGING_SQL.plain).execute(handle.db), n),
  };
  const floorName = `raw GROUP BY of the same bucket sums, same table${big ? '' : ' (fastest of 3)'}`;
  const ok = big ? rerun < 10_000 : rerun < 2000 && rerun / floor.bucketed <= 3;
  return [
    row({
      name: `PostgreSQL: aging snapshot, ${items} (re-run, replaces rows${big ? '' : '; fastest of 3'})`,
      unit: 'ms',
      value: rerun,
      floorName,
      floorValue: floor.bucketed,
      target: big ? '< 10000 ms' : '< 2000 ms and ratio <= 3',
      met: ok,
    }),
    row({
      name: `PostgreSQL: aging snapshot, ${items} (first run: inserts)`,
      unit: 'ms',
      value: first,
      floorName,
      floorValue: floor.bucketed,
      target: 'informational',
      met: true,
    }),
    row({
      name: '  the same re-run vs a plain GROUP BY sum(open_amount_accounting)',
      unit: 'ms',
      value: rerun,
      floorName: 'raw GROUP BY customer_id, sum(open_amount_accounting) only',
      floorValue: floor.plain,
      target: 'context',
      met: true,
    }),
  ];
}

/** The 10,000-line journal (validate + create + post): a warm-up, then the median of three, as on SQLite. */
async function journalRows(base: string, { managerToken }: BenchTokens): Promise<BenchRow[]> {
  const runs: { validateMs: number; createMs: number; postMs: number; total: number }[] = [];
  for (let run = 0; run < 4; run++) {
    const journal = await createJournal(base, managerToken, journalBody(run));
    const postMs = await postJournal(base, managerToken, journal);
    if (run > 0)
      runs.push({
        validateMs: journal.validateMs,
        createMs: journal.createMs,
        postMs,
        total: journal.validateMs + journal.createMs + postMs,
      });
  }
  const mid = [...runs].sort((x, y) => x.total - y.total)[1]!;
  return [
    row({
      name: 'PostgreSQL: journal 10,000 lines: validate + create + post over HTTP (median of 3)',
      unit: 'ms',
      value: mid.total,
      floorName: null,
      target: '< 4000 ms',
      met: mid.total < 4000,
    }),
    row({
      name: '  of which validate / create / post',
      unit: 'ms',
      value: mid.validateMs,
      floorName: `create ${mid.createMs.toFixed(0)} ms, post ${mid.postMs.toFixed(0)} ms; all runs ${runs.map((r) => r.total.toFixed(0)).join(' / ')} ms`,
      floorValue: null,
      target: 'breakdown',
      met: true,
    }),
  ];
}
