// `npm run bench`: each benchmark against a floor measured in the same run; prints a table and
// writes bench-results.json. Runs everything on 127.0.0.1 only.
import { fork } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type autocannon from 'autocannon';
import { openDatabase } from '../server/db/connection';
import { buildServer } from '../server/build.mjs';
import { customerInputToColumns } from '../server/customers/customers.repository';
import { CustomerInput } from '../server/customers/customers.schema';
import { median, printTable, row, writeResults, type BenchRow } from './report';
import { benchPureCheck } from './credit';
import { fillLedger, mixedRows, RUN_MIXED } from './ledger';
import { benchAddin } from './addin';
import { benchReaders, timeUpload, uploadWorkbook } from './sheets';
import { allOk, load, ROUND_SECONDS, sequentialP50, serverCpu, SERVER_FLAGS, startServer } from './http';
import {
  checkBody,
  checkLoad,
  createJournal,
  customer,
  customerId,
  CUSTOMERS,
  journalBody,
  nextCheckBody,
  postJournal,
} from './requests';
import { addUploadCustomers, addWriteOffCustomer, seedBench } from './data';
import { benchFairness } from './fairness';
import { benchPostgres } from './postgres';
import { benchFuzz } from './fuzz';

/** POST /credit-check and its floor alternate this many times (see the check section). */
const CHECK_ROUNDS = 9;
/**
 * `BENCH_ONLY=journal,upload` runs only those sections (pure, fuzz, http, check, journal, batch,
 * upload, fairness, collections, addin, pg, stream); the default runs all. `fuzz` (bench/fuzz.ts)
 * runs in process on databases of its own, before the bench data is made. `fairness` runs on SQLite and on
 * PostgreSQL; `pg`, `stream` and PostgreSQL's `fairness` share one PostgreSQL database
 * (bench/postgres.ts). `BENCH_KEEP=1` keeps the database for a closer look.
 */
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const want = (section: string) => !ONLY || ONLY.includes(section);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-bench-'));
  const dbPath = join(dir, 'bench.sqlite');
  const rows: BenchRow[] = [];
  /** The journal runs, measured while the server runs; their rows go at `at` once the floors are measured. */
  let journalRows: { at: number; runs: JournalRun[] } | undefined;
  // The server's bundle, inside the project (.tmp/ is ignored) so its imports resolve from node_modules.
  const serverJs = join(import.meta.dirname, '..', '.tmp', `bench-server-${process.pid}.mjs`);
  const pure = want('pure') ? benchPureCheck() : null;
  if (pure)
    rows.push(
      row({
        name: 'shared credit check, 1 order, 50 rules, warm p50',
        unit: 'µs',
        value: pure.withRules,
        floorName: 'same check with no rules',
        floorValue: pure.noRules,
        target: 'p50 < 20 µs',
        met: pure.withRules < 20,
      }),
    );
  if (want('pure')) {
    const readers = await benchReaders();
    rows.push(
      row({
        name: 'lean .xlsx reader, 50,000 rows × 3 cells',
        unit: 'ms',
        value: readers.leanMs,
        floorName: "exceljs's streaming reader, same file",
        floorValue: readers.exceljsMs,
        target: 'ratio < 1',
        met: readers.leanMs < readers.exceljsMs,
      }),
    );
  }
  if (want('fuzz')) rows.push(...(await benchFuzz()));
  // Neither section needs the bench data or a server.
  if (ONLY?.every((s) => s === 'pure' || s === 'fuzz')) {
    rmSync(dir, { recursive: true, force: true });
    printTable(rows);
    writeResults(rows);
    return;
  }
  try {
    // Setup (bench/data.ts): tokens, 50,000 customers and 50 rules through the service layer, then the ledger raw.
    const handle = await openDatabase({ url: dbPath });
    const { token, managerToken } = await seedBench(handle);
    await addUploadCustomers(handle);
    // The fairness section's write-off: one customer with 20,000 open invoices.
    if (want('fairness')) await addWriteOffCustomer(handle);
    await handle.close();
    // The check and journal sections run again on the mixed-currency ledger (bench/ledger.ts): a
    // copy of the same customers, users and rules, on a server process of its own.
    const mixedPath = RUN_MIXED && (want('check') || want('journal')) ? join(dir, 'bench-mixed.sqlite') : undefined;
    if (mixedPath) copyFileSync(dbPath, mixedPath);
    fillLedger(dbPath, CUSTOMERS, 'plain');
    if (mixedPath) fillLedger(mixedPath, CUSTOMERS, 'mixed');
    // The journal's floor writes the journal's rows into the database as it stands now (the server
    // holds the file exclusively once it runs, and the journals change it).
    if (want('journal')) {
      copyFileSync(dbPath, beforeJournals(dbPath));
      if (mixedPath) copyFileSync(mixedPath, beforeJournals(mixedPath));
    }

    // The server under test runs as `npm start` runs it: one esbuild bundle, plain Node, no TypeScript loader.
    await buildServer({ entry: join(import.meta.dirname, 'server.ts'), outfile: serverJs });
    const server = await startServer(serverJs, { BENCH_DB: dbPath });
    const base = server.base;
    const auth = { authorization: `Bearer ${token}` };

    await load(`${base}/bench/bare`, { duration: 1 }); // warm-up
    const bare = await load(`${base}/bench/bare`);
    if (want('http')) {
      let n = 0;
      const get = await load(`${base}/api/v1/customers/C000001`, {
        headers: auth,
        requests: [{ setupRequest: (req) => ({ ...req, path: `/api/v1/customers/${customerId(n++ % CUSTOMERS)}` }) }],
      });
      let m = 0;
      const put = await load(`${base}/api/v1/customers/X`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/customers/P${m++}`,
              body: JSON.stringify({ name: 'Bench', currency: 'USD', creditLimit: '5000.00' }),
            }),
          },
        ],
      });
      for (const [name, r] of [
        ['GET /api/v1/customers/{id}', get],
        ['PUT /api/v1/customers/{id} (create)', put],
      ] as const) {
        allOk(name, r);
        // The issue sets no target for these rows: they are reported against the floor only.
        rows.push(
          row({
            name: `${name} req/s`,
            unit: 'req/s',
            value: r.requests.average,
            floorName: 'bare Hono route req/s',
            floorValue: bare.requests.average,
            target: 'none (informational)',
            met: true,
          }),
        );
        rows.push(
          row({
            name: `${name} p50`,
            unit: 'ms',
            value: r.latency.p50,
            floorName: 'bare Hono route p50',
            floorValue: bare.latency.p50,
            target: 'none (informational)',
            met: true,
          }),
        );
      }
    }

    // POST /credit-check: 10,000 customers, 200,000 open transactions, 50 rules.
    if (want('check')) rows.push(...(await checkSection(base, token, bare)));

    // A journal of 10,000 lines: create + validate + post over HTTP vs raw inserts of the same line rows.
    // The floors read what each journal wrote from the database file, which the server holds
    // exclusively while it runs (server/db/connection.ts): they are measured once it has stopped.
    if (want('journal')) journalRows = { at: rows.length, runs: await journalRuns(base, managerToken) };
    // The mixed-currency variant's check and journal rows go here, below the plain ones.
    const mixedAt = rows.length;

    // customers:batch of 10,000 new customers over HTTP vs raw better-sqlite3 inserts of the same rows.
    if (want('batch')) {
      const batch = Array.from({ length: CUSTOMERS }, (_, i) => customer(i, 'B'));
      const body = JSON.stringify({ items: batch });
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/customers:batch`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      const batchMs = performance.now() - t0;
      if (res.status !== 200)
        throw new Error(`customers:batch answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const rawMs = rawInsertFloor(join(dir, 'raw.sqlite'), batch);
      rows.push(
        row({
          name: 'customers:batch 10,000 over HTTP',
          unit: 'ms',
          value: batchMs,
          floorName: 'raw better-sqlite3 inserts, one transaction',
          floorValue: rawMs,
          target: 'none (informational)',
          met: true,
        }),
      );
    }

    // A 50,000-row .xlsx of limit changes, dry run, as an analyst without the add-in uploads it.
    if (want('upload')) {
      const sheet = await uploadWorkbook();
      const uploadMs = await timeUpload(base, managerToken, sheet);
      const uploadRss = ((await (await fetch(`${base}/bench/rss`)).json()) as { rss: number }).rss / 1024 / 1024;
      const floorSheet = await readFloor(sheet);
      rows.push(
        row({
          name: `upload 50,000-row .xlsx (${(sheet.length / 1024 / 1024).toFixed(1)} MB), dry run`,
          unit: 'ms',
          value: uploadMs,
          floorName: 'reading the same file alone (readUpload)',
          floorValue: floorSheet,
          target: '< 5000 ms',
          met: uploadMs < 5000,
        }),
      );
      rows.push(
        row({
          name: 'server RSS right after the upload',
          unit: 'MB',
          value: uploadRss,
          floorName: null,
          target: '< 300 MB',
          met: uploadRss < 300,
        }),
      );
    }

    const mem = (await (await fetch(`${base}/bench/rss`)).json()) as { rss: number; peakRss: number | null };
    const rss = mem.rss / 1024 / 1024;
    rows.push(
      row({
        name: 'server RSS after the runs above',
        unit: 'MB',
        value: rss,
        floorName: null,
        target: '< 300 MB',
        met: rss < 300,
      }),
    );
    // SPEC §7 says "during the above": the kernel's high-water mark of the server's resident set.
    if (mem.peakRss !== null)
      rows.push(
        row({
          name: 'server peak RSS during the runs above (VmHWM)',
          unit: 'MB',
          value: mem.peakRss / 1024 / 1024,
          floorName: null,
          target: '< 300 MB',
          met: mem.peakRss / 1024 / 1024 < 300,
        }),
      );
    // Fairness last, so the memory rows above stay those of the sections before it.
    if (want('fairness'))
      rows.push(
        ...(await benchFairness({ dialect: 'SQLite', base, token, managerToken, abandon: () => server.stop() })),
      );
    await server.stop();
    if (mixedPath) {
      const mixed = await startServer(serverJs, { BENCH_DB: mixedPath });
      const variant: BenchRow[] = [];
      if (want('check')) {
        await load(`${mixed.base}/bench/bare`, { duration: 1 }); // warm-up
        variant.push(...(await checkSection(mixed.base, token, await load(`${mixed.base}/bench/bare`))));
      }
      const runs = want('journal') ? await journalRuns(mixed.base, managerToken) : undefined;
      await mixed.stop();
      if (runs) variant.push(...(await journalFloorRows(mixedPath, dir, runs)));
      rows.splice(mixedAt, 0, ...mixedRows(variant));
    }
    if (journalRows) rows.splice(journalRows.at, 0, ...(await journalFloorRows(dbPath, dir, journalRows.runs)));

    // Collections: the aging snapshot run and GET /aging at 1k / 10k / 50k customers, in a fresh
    // process of their own (in-process app.request there).
    if (want('collections')) {
      const collections = fork(join(import.meta.dirname, 'collections-child.ts'), [dir], {
        execArgv: [...SERVER_FLAGS, '--import', 'tsx'],
        stdio: 'inherit',
      });
      rows.push(
        ...(await new Promise<BenchRow[]>((resolve, reject) => {
          collections.once('message', (m: { rows: BenchRow[] }) => resolve(m.rows));
          collections.once('exit', (code) =>
            code === 0 ? undefined : reject(new Error(`collections bench exited with ${code}`)),
          );
        })),
      );
    }
    // The add-in in headless Chromium (aging write, proposals preview); a failure is one unmet row.
    if (want('addin')) rows.push(...(await benchAddin()));
    // PostgreSQL: its credit check, aging, journal, fairness and change-stream rows, on one
    // database of their own (bench/postgres.ts).
    if (want('pg') || want('stream') || want('fairness'))
      rows.push(
        ...(await benchPostgres({ serverJs, pg: want('pg'), stream: want('stream'), fairness: want('fairness') })),
      );
  } finally {
    if (process.env.BENCH_KEEP) console.log(`bench database kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    for (const f of [serverJs, `${serverJs}.map`]) rmSync(f, { force: true });
  }
  printTable(rows);
  writeResults(rows);
}

/**
 * POST /credit-check: 10,000 customers, 200,000 open transactions, 50 rules; `bare` is the bare GET
 * route's load run on the same server (context).
 */
async function checkSection(base: string, token: string, bare: autocannon.Result): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const auth = { authorization: `Bearer ${token}` };
  // The check and its floor alternate in short rounds, and each figure is the median over the
  // rounds: on this shared VM the capacity swings by a third within seconds, and two long runs
  // one after the other measure the swing as much as the server. Ratio = median of the rounds'
  // ratios (each round's pair ran back to back).
  const rounds: { check: number; bare: number; checkCpu: number; bareCpu: number; p50: number }[] = [];
  // The floor gets the same requests, built the same way: a fixed body would let the load
  // generator (which shares this 2-core machine) send the floor's requests from one prepared
  // buffer while it builds each check request anew, and the ratio would measure that too.
  const bareJson = (duration = ROUND_SECONDS) =>
    load(`${base}/bench/bare-json`, {
      duration,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: nextCheckBody() }) }],
    });
  const checkRound = async () => {
    const cpu0 = await serverCpu(base);
    const r = await checkLoad(base, token, { duration: ROUND_SECONDS });
    return {
      rps: r.requests.average,
      cpu: ((await serverCpu(base)) - cpu0) / r.requests.total,
      p50: r.latency.p50,
    };
  };
  // SPEC §7 compares with "a bare Hono route": for a POST with a JSON body we read that as a
  // bare POST route receiving the same requests (method, socket and body read included, nothing else).
  const floorRound = async () => {
    const cpu0 = await serverCpu(base);
    const r = await bareJson();
    return { rps: r.requests.average, cpu: ((await serverCpu(base)) - cpu0) / r.requests.total };
  };
  // Warm-up: one round's length of checks (about every customer once at these rates) and a
  // second of the floor, so the rounds measure the steady state.
  await checkRound();
  await bareJson(1);
  for (let i = 0; i < CHECK_ROUNDS; i++) {
    // Which of the pair runs first alternates, so a drift in the machine's speed favours neither.
    const check = i % 2 === 0 ? await checkRound() : undefined;
    const floor = await floorRound();
    const c = check ?? (await checkRound());
    rounds.push({ check: c.rps, bare: floor.rps, checkCpu: c.cpu, bareCpu: floor.cpu, p50: c.p50 });
  }
  const ratio = median(rounds.map((r) => r.check / r.bare));
  const checkRps = median(rounds.map((r) => r.check));
  const floorName = `bare Hono POST route, same requests, same body reader (median of ${CHECK_ROUNDS} alternating rounds; round ratios ${rounds.map((r) => (r.check / r.bare).toFixed(2)).join(', ')})`;
  // Context, not a target (issue 17, item 9): this ratio measures the VM as much as the code
  // (0.28–0.56 from run to run, its floor alone ±15 %); the CPU per request and the p50 are the
  // check's rows.
  rows.push(
    row({
      name: 'POST /api/v1/credit-check req/s (10k customers, 200k open items)',
      unit: 'req/s',
      value: checkRps,
      floorName,
      floorValue: median(rounds.map((r) => r.bare)),
      ratio,
      target: 'context (swings 0.28-0.56 with the VM)',
      met: true,
    }),
  );
  // The server's own CPU per request (the load generator shares this 2-core machine): the part
  // of the throughput ratio that the server controls, and stable from run to run.
  const checkCpu = median(rounds.map((r) => r.checkCpu));
  const bareCpu = median(rounds.map((r) => r.bareCpu));
  rows.push(
    row({
      name: 'POST /api/v1/credit-check server CPU per request',
      unit: 'µs',
      value: checkCpu,
      floorName: 'bare Hono POST route, same requests, server CPU per request',
      floorValue: bareCpu,
      target: "<= 4x the bare POST route's CPU",
      met: checkCpu <= 4 * bareCpu,
    }),
  );
  rows.push(
    row({
      name: 'POST /api/v1/credit-check req/s vs a bare GET route',
      unit: 'req/s',
      value: checkRps,
      floorName: 'bare Hono GET route req/s',
      floorValue: bare.requests.average,
      target: 'context (not the target)',
      met: true,
    }),
  );
  const checkP50 = await sequentialP50(`${base}/api/v1/credit-check`, (i) => ({
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: checkBody(i),
  }));
  const bareP50 = await sequentialP50(`${base}/bench/bare`, () => ({}));
  rows.push(
    row({
      name: 'POST /api/v1/credit-check p50, one request at a time',
      unit: 'ms',
      value: checkP50,
      floorName: 'bare Hono route p50, same client',
      floorValue: bareP50,
      target: 'p50 < 2 ms',
      met: checkP50 < 2,
    }),
  );
  rows.push(
    row({
      name: 'POST /api/v1/credit-check p50 under 10 connections',
      unit: 'ms',
      value: median(rounds.map((r) => r.p50)),
      floorName: 'bare Hono route p50',
      floorValue: bare.latency.p50,
      target: 'none (queueing included)',
      met: true,
    }),
  );
  return rows;
}

/**
 * A journal of 10,000 lines: create + validate + post over HTTP (against raw writes of the same
 * rows, measured by journalFloorRows once the server has stopped).
 */
async function journalRuns(base: string, managerToken: string): Promise<JournalRun[]> {
  // A warm-up journal, then three measured ones in a row (each moves every limit again); this VM
  // swings ±40 % from one run to the next, so the row reports the median run and the median of
  // three floors. The warm-up is the journal path's first run on a fresh server (its code not
  // yet optimized), as the check section warms up before its rounds; with BENCH_ONLY=journal
  // it was 30–60 % slower than the runs after it.
  const runs: JournalRun[] = [];
  for (let run = 0; run < 4; run++) {
    const before = await writeMarks(base);
    const journal = await createJournal(base, managerToken, journalBody(run));
    const postMs = await postJournal(base, managerToken, journal);
    if (run === 0) continue; // the warm-up
    const { validateMs, createMs } = journal;
    runs.push({
      run,
      validateMs,
      createMs,
      postMs,
      total: validateMs + createMs + postMs,
      journalId: journal.id,
      before,
      after: await writeMarks(base),
    });
  }
  return runs;
}

/** The floor of the upload row: reading the same workbook (readUpload: the lean reader), nothing else. */
async function readFloor(file: Buffer): Promise<number> {
  const { readUpload } = await import('../server/sheets/files');
  const started = performance.now();
  await readUpload(file);
  return performance.now() - started;
}

/** The same customer rows inserted with one prepared statement in one transaction: the floor. */
function rawInsertFloor(path: string, items: ReturnType<typeof customer>[]): number {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Rows are mapped before the clock starts: the floor is the database work alone.
  const rows = items.map(({ id, ...input }) => ({ id, ...customerInputToColumns(CustomerInput.parse(input)) }));
  const columns = Object.keys(rows[0]!);
  db.exec(`create table customers (${columns.map((c) => (c === 'id' ? 'id text primary key' : c)).join(', ')})`);
  const insert = db.prepare(
    `insert into customers (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const started = performance.now();
  db.transaction(() => {
    for (const r of rows) insert.run(r);
  })();
  const ms = performance.now() - started;
  db.close();
  return ms;
}

/** A small read of the bench server's database, through the server (it holds the file exclusively). */
async function serverRead<T>(base: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const res = await fetch(`${base}/bench/read`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, params }),
  });
  if (res.status !== 200) throw new Error(`bench read answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T[];
}

interface Marks {
  seq: number;
  auditId: number;
}

/** One measured journal, and where the change log and the audit log stood before and after it. */
interface JournalRun {
  run: number;
  validateMs: number;
  createMs: number;
  postMs: number;
  total: number;
  journalId: string;
  before: Marks;
  after: Marks;
}

/** Where the change log and the audit log end, so the floor can read back what a journal wrote. */
async function writeMarks(base: string): Promise<Marks> {
  const [seq] = await serverRead<{ n: number }>(base, 'select coalesce(max(seq), 0) as n from changes');
  const [auditId] = await serverRead<{ n: number }>(base, 'select coalesce(max(id), 0) as n from audit_log');
  return { seq: Number(seq!.n), auditId: Number(auditId!.n) };
}

/** The journal's rows: the median run against the median of its floors (the server has stopped). */
async function journalFloorRows(dbPath: string, dir: string, runs: JournalRun[]): Promise<BenchRow[]> {
  const floors: { linesMs: number; beforeMs: number; freshMs: number }[] = [];
  for (const r of runs) {
    const file = join(dir, `raw-writes-${r.run}.sqlite`);
    const written = journalWrites(dbPath, r);
    floors.push({
      linesMs: rawJournalFloor(join(dir, `raw-lines-${r.run}.sqlite`), CUSTOMERS),
      beforeMs: await rawJournalWritesFloor(dbPath, file, written, 'before'),
      freshMs: await rawJournalWritesFloor(dbPath, file, written, 'fresh'),
    });
  }
  const mid = [...runs].sort((a, b) => a.total - b.total)[1]!;
  const journalMs = mid.total;
  const beforeMs = median(floors.map((f) => f.beforeMs));
  return [
    row({
      name: 'journal 10,000 lines: validate + create + post over HTTP (median of 3)',
      unit: 'ms',
      value: journalMs,
      floorName:
        'raw better-sqlite3 writes of the same rows (header, lines, limits, change log, audit) into the same database as it stood before the journals, one transaction (median of 3)',
      floorValue: beforeMs,
      target: '< 2000 ms and ratio <= 5',
      met: journalMs < 2000 && journalMs / beforeMs <= 5,
    }),
    row({
      name: '  the same, against those writes into an empty schema',
      unit: 'ms',
      value: journalMs,
      floorName:
        'the same raw writes into a fresh database with the schema and the customers only (empty change log and audit trail)',
      floorValue: median(floors.map((f) => f.freshMs)),
      target: 'context (not the target)',
      met: true,
    }),
    row({
      name: '  the same, against the journal lines alone',
      unit: 'ms',
      value: journalMs,
      floorName: 'raw better-sqlite3 inserts of the 10,000 line rows only',
      floorValue: median(floors.map((f) => f.linesMs)),
      target: 'context (not the target)',
      met: true,
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

/**
 * Every row one journal's validate + create + post wrote (the journal header, its lines, the
 * customers' new limits, the change-log and audit rows), read back from the bench database once
 * the server has stopped. The limits are the customers' latest, which a later journal may have
 * moved again: the same rows and columns, so the same work.
 */
function journalWrites(dbPath: string, r: JournalRun) {
  const src = new SQLite(dbPath, { readonly: true });
  const written = {
    header: src.prepare('select * from adjustment_journals where id = ?').get(r.journalId) as Record<string, unknown>,
    lines: src
      .prepare('select * from adjustment_journal_lines where journal_id = ?')
      .raw(true)
      .all(r.journalId) as unknown[][],
    limits: src
      .prepare(
        'select c.credit_limit, c.credit_limit_expiration_date, c.credit_limit_date, c.updated_at, c.version, c.id from customers c join adjustment_journal_lines l on l.customer_id = c.id where l.journal_id = ?',
      )
      .raw(true)
      .all(r.journalId) as unknown[][],
    changes: src
      .prepare('select * from changes where seq > ? and seq <= ?')
      .raw(true)
      .all(r.before.seq, r.after.seq) as unknown[][],
    audits: src
      .prepare('select * from audit_log where id > ? and id <= ?')
      .raw(true)
      .all(r.before.auditId, r.after.auditId) as unknown[][],
  };
  src.close();
  return written;
}

/**
 * The floor of the journal row: those rows written raw with prepared statements in one
 * transaction, into a copy of the bench database as it stood before the journals (`before`, the
 * target's floor) or into a fresh database with the app's schema and the customers only
 * (`fresh`, context); the customers are copied there before the clock starts.
 */
async function rawJournalWritesFloor(
  dbPath: string,
  floorPath: string,
  { header, lines, limits, changes, audits }: ReturnType<typeof journalWrites>,
  into: 'before' | 'fresh',
): Promise<number> {
  let customers: Record<string, unknown>[] = [];
  if (into === 'before') {
    // The database as it stood before the journals ran (copied before the server started).
    copyFileSync(beforeJournals(dbPath), floorPath);
  } else {
    const src = new SQLite(dbPath, { readonly: true });
    customers = src.prepare('select * from customers').all() as Record<string, unknown>[];
    src.close();
    const empty = await openDatabase({ url: floorPath }); // migrations: the same tables and indexes
    await empty.close();
  }
  const db = new SQLite(floorPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (customers.length) {
    const cols = Object.keys(customers[0]!);
    const copy = db.prepare(
      `insert into customers (${cols.join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`,
    );
    db.transaction(() => customers.forEach((c) => copy.run(c)))();
  }
  // Before the clock, the pages the writes touch are read into SQLite's cache, as the server's are
  // by the journal's own reads: the customers (table and key index) and the ends of the logs.
  db.prepare('select sum(length(name)) from customers').get();
  db.prepare("select count(*) from customers where id > ''").get();
  db.prepare('select max(seq) from changes').get();
  db.prepare('select max(id) from audit_log').get();
  const values = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const insertHeader = db.prepare(
    `insert into adjustment_journals (${Object.keys(header).join(', ')}) values (${Object.keys(header)
      .map((c) => `@${c}`)
      .join(', ')})`,
  );
  const insertLine = db.prepare(`insert into adjustment_journal_lines values (${values(lines[0]!.length)})`);
  const updateLimit = db.prepare(
    'update customers set credit_limit = ?, credit_limit_expiration_date = ?, credit_limit_date = ?, updated_at = ?, version = ? where id = ?',
  );
  const insertChange = db.prepare(`insert into changes values (${values(changes[0]!.length)})`);
  const insertAudit = db.prepare(`insert into audit_log values (${values(audits[0]!.length)})`);
  const started = performance.now();
  db.transaction(() => {
    insertHeader.run(header);
    for (const l of lines) insertLine.run(l);
    for (const l of limits) updateLimit.run(l);
    for (const c of changes) insertChange.run(c);
    for (const a of audits) insertAudit.run(a);
  })();
  const ms = performance.now() - started;
  db.close();
  rmSync(floorPath, { force: true });
  return ms;
}

/** Where the bench keeps the copy of its database made before the server starts (see main). */
const beforeJournals = (dbPath: string) => `${dbPath}.before-journals`;

/** The journal lines alone: the same 10,000 line rows inserted raw in one transaction (context for the row above). */
function rawJournalFloor(path: string, n: number): number {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table lines (journal_id text, line_no integer, customer_id text, credit_group_id text, current_credit_limit integer, new_credit_limit integer, new_expiration_date text, new_from_date text, new_to_date text, approval_status text, primary key (journal_id, line_no))',
  );
  const insert = db.prepare('insert into lines values (?, ?, ?, null, ?, ?, ?, null, null, ?)');
  const started = performance.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++)
      insert.run(
        'J1',
        i + 1,
        `C${String(i).padStart(6, '0')}`,
        1_000_000,
        2_000_000 + (i % 300) * 10_000,
        '2030-12-31',
        'none',
      );
  })();
  const ms = performance.now() - started;
  db.close();
  rmSync(path, { force: true });
  return ms;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
