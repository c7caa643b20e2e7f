// `BENCH_ONLY=fuzz npm run bench`: the OpenAPI fuzz of test/api/openapi-fuzz.test.ts with many more
// requests per operation (BENCH_FUZZ_RUNS, default 300), on SQLite and on PostgreSQL, in process.
// Its rows count the answers that must never happen: 500s, error bodies that are not the JSON
// error shape, and refused requests that changed data; each distinct one is printed with a
// reproduction. PostgreSQL is BENCH_DATABASE_URL's or TEST_DATABASE_URL's, else an embedded one.
import { startTestPostgres } from '../test/support/postgres';
import { formatFailures, Fuzzer, fuzzOrder, itemHints, type Failure } from '../test/support/openapi-fuzz';
import { operationsOf, type OpenApiDocument } from '../test/support/role-matrix';
import { row, type BenchRow } from './report';

const RUNS = Number(process.env.BENCH_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_000);

export async function benchFuzz(): Promise<BenchRow[]> {
  const cluster = await startTestPostgres(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL);
  // test/support/app.ts reads the PostgreSQL URL when it is loaded.
  process.env.TEST_DATABASE_URL = cluster.url;
  const { startTestApp } = await import('../test/support/app');
  const rows: BenchRow[] = [];
  try {
    for (const [dialect, name] of [
      ['sqlite', 'SQLite'],
      ['postgres', 'PostgreSQL'],
    ] as const) {
      const t = await startTestApp(dialect);
      try {
        const doc = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body as OpenApiDocument;
        const fuzzer = new Fuzzer(t, doc, itemHints());
        await fuzzer.seed();
        const ops = fuzzOrder(operationsOf(doc));
        const started = performance.now();
        for (const [i, o] of ops.entries()) await fuzzer.fuzz(o, RUNS, SEED + i);
        const seconds = (performance.now() - started) / 1000;
        const failures = [...fuzzer.failures.values()];
        const answers = (problem: string) =>
          failures.filter((f) => f.problem === problem).reduce((n, f) => n + f.count, 0);
        const distinct = (problem: string) => failures.filter((f) => f.problem === problem).length;
        const context = `${fuzzer.requests} requests, ${ops.length} operations × ${RUNS}, FUZZ_SEED=${SEED}, ${seconds.toFixed(0)} s`;
        for (const [label, problem] of [
          ['500 answers', '500'],
          ['error answers without a JSON error body', 'non-JSON error body'],
          ['refused requests (4xx) that changed data', 'refused request changed data'],
          ['requests without an answer (20 s) or that threw', 'no answer or a thrown error'],
        ] as const) {
          const n = answers(problem);
          rows.push(
            row({
              name: `fuzz, ${name}: ${label} (${distinct(problem)} distinct)`,
              unit: 'answers',
              value: n,
              floorName: context,
              floorValue: null,
              target: '0',
              met: n === 0,
            }),
          );
        }
        if (failures.length)
          console.log(
            `\nfuzz on ${name}: ${failures.length} distinct failure(s)\n${formatFailures(failures as Failure[])}\n`,
          );
      } finally {
        await t.close();
      }
    }
  } finally {
    await cluster.stop();
  }
  return rows;
}
