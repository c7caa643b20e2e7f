// Fairness under bulk work (issue 17, item 5): while one long request runs at its largest tested
// size, a person's `GET /api/v1/customers/{id}` (one request at a time, random customers) must not
// wait behind it. Each row is the p99 of that loop during the operation, against the p99 of the
// same loop with nothing else running. An operation still running after OP_CAP_MS is given up:
// the run must end within its 8 minutes (a PostgreSQL write-off of 20,000 invoices took 275 s).
import { row, type BenchRow } from './report';
import { call, percentile } from './http';
import { timeUpload, uploadWorkbook } from './sheets';
import {
  createJournal,
  customerId,
  CUSTOMERS,
  journalBody,
  postJournal,
  ensureStandardAging,
  runSnapshot,
  writeOffAll,
  writeOffSetup,
} from './requests';
import { WRITE_OFF_INVOICES } from './data';

export interface FairnessTarget {
  dialect: 'SQLite' | 'PostgreSQL';
  base: string;
  /** Reads customers. */
  token: string;
  /** Runs the bulk operations (setup, journals, uploads, collections). */
  managerToken: string;
  /**
   * Stops the server process (its open transaction rolls back): for an operation still running
   * after OP_CAP_MS. The write-off runs last, so nothing else needs that server afterwards.
   */
  abandon: () => Promise<void>;
}

/** How long the floor's loop runs alone. */
const FLOOR_MS = 2000;
/** The longest the bench waits for one operation. */
const OP_CAP_MS = 60_000;

/** GET /customers/{id} of random customers, one at a time, until `stop()` says so; each latency in ms. */
async function customerLoop(t: FairnessTarget, stop: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  const headers = { authorization: `Bearer ${t.token}` };
  while (!stop()) {
    const started = performance.now();
    const res = await fetch(`${t.base}/api/v1/customers/${customerId(Math.floor(Math.random() * CUSTOMERS))}`, {
      headers,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /customers/{id} answered ${res.status} during the fairness loop`);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** The loop's latencies while `op` runs, how long `op` took, and whether it finished within OP_CAP_MS. */
async function whileRunning(
  t: FairnessTarget,
  op: () => Promise<unknown>,
): Promise<{ samples: number[]; opMs: number; finished: boolean }> {
  let done = false;
  const loop = customerLoop(t, () => done);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const running = op();
  try {
    const cap = new Promise<'cap'>((resolve) => (timer = setTimeout(() => resolve('cap'), OP_CAP_MS)));
    const finished = (await Promise.race([running.then(() => 'done' as const), cap])) === 'done';
    const opMs = performance.now() - started;
    done = true;
    const samples = await loop;
    if (!finished) {
      running.catch(() => {}); // its connection breaks when the server stops
      await t.abandon();
    }
    return { samples, opMs, finished };
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

interface BulkOperation {
  name: string;
  /** The operation in a word, for its duration row. */
  short: string;
  /** Work before the clock (creating the journal that is then posted, say). */
  prepare?: () => Promise<void>;
  run: () => Promise<unknown>;
}

/** The five bulk operations at their largest tested sizes, against one server (SQLite or PostgreSQL). */
function operations(t: FairnessTarget): BulkOperation[] {
  const { base, managerToken: m } = t;
  let journal: { id: string; version: number } | undefined;
  let empty: string | undefined;
  return [
    {
      name: `journal post of ${CUSTOMERS.toLocaleString('en-US')} lines`,
      short: 'journal post',
      prepare: async () => void (journal = await createJournal(base, m, journalBody(9))),
      run: () => postJournal(base, m, journal!),
    },
    {
      name: 'upload dry run of a 50,000-row .xlsx',
      short: 'upload',
      run: async () => timeUpload(base, m, await uploadWorkbook()),
    },
    {
      name: `aging snapshot, ${CUSTOMERS.toLocaleString('en-US')} customers / ${(CUSTOMERS * 20).toLocaleString('en-US')} open items`,
      short: 'snapshot',
      run: () => runSnapshot(base, m),
    },
    {
      name: `journal generate over ${CUSTOMERS.toLocaleString('en-US')} customers`,
      short: 'generate',
      prepare: async () =>
        void (empty = (
          JSON.parse(
            await call(base, m, 'POST', '/api/v1/adjustment-journals', {
              type: 'creditLimit',
              description: 'bench generate',
            }),
          ) as { id: string }
        ).id),
      run: () =>
        call(base, m, 'POST', `/api/v1/adjustment-journals/${empty}/generate`, {
          mode: 'customers',
          filter: { customerIds: Array.from({ length: CUSTOMERS }, (_, i) => customerId(i)) },
          valueType: 'percentage',
          value: '5',
          roundOff: '10.00',
        }),
    },
    // Last: it may be given up (see FairnessTarget.abandon).
    {
      name: `write-off of ${WRITE_OFF_INVOICES.toLocaleString('en-US')} open invoices of one customer (create + post)`,
      short: 'write-off',
      run: () => writeOffAll(base, m),
    },
  ];
}

export async function benchFairness(t: FairnessTarget): Promise<BenchRow[]> {
  await writeOffSetup(t.base, t.managerToken);
  await ensureStandardAging(t.base, t.managerToken);
  await uploadWorkbook(); // made before any clock runs
  const until = (ms: number) =>
    (
      (end) => () =>
        performance.now() > end
    )(performance.now() + ms);
  await customerLoop(t, until(500)); // warm-up: the loops during the operations run on a warm route
  const floor = await customerLoop(t, until(FLOOR_MS));
  const floorP99 = percentile(floor, 99);
  const floorName = `the same GET loop with nothing else running (p99 of ${floor.length} GETs)`;
  const rows: BenchRow[] = [];
  for (const op of operations(t)) {
    await op.prepare?.();
    const { samples, opMs, finished } = await whileRunning(t, op.run);
    const p99 = percentile(samples, 99);
    // An operation given up is not met whatever its GETs did: the loop saw only part of it.
    const during = finished
      ? op.name
      : `the first ${OP_CAP_MS / 1000} s of ${op.name} (NOT FINISHED then: given up, the server stopped)`;
    rows.push(
      row({
        name: `fairness (${t.dialect}): GET /customers/{id} p99 during ${during}`,
        unit: 'ms',
        value: p99,
        floorName,
        floorValue: floorP99,
        target: 'p99 < 100 ms',
        met: finished && p99 < 100,
      }),
    );
    rows.push(
      row({
        name: `  the ${op.short} itself (${t.dialect}), with the loop running${finished ? '' : ' (did not finish)'}`,
        unit: 'ms',
        value: opMs,
        floorName: `${samples.length} GETs during it, the slowest ${Math.max(...samples).toFixed(0)} ms`,
        floorValue: null,
        target: 'informational',
        met: true,
      }),
    );
  }
  return rows;
}
