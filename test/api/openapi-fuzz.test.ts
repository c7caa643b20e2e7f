// SPEC §4 "never a 500 for bad input", issue 18 "Tests that keep it so": for every operation of
// the OpenAPI document, requests generated from its schemas (valid bodies, boundary dates and
// amounts, oversized strings, mutated and garbage bodies, odd ids in the path, hostile queries),
// sent as a role the matrix allows. Never a 500, every error a JSON error body, and a request
// answered 4xx changes nothing (the change log's last sequence stays). A bounded number per
// operation here (FUZZ_RUNS, default 20); `BENCH_ONLY=fuzz npm run bench` runs many more.
import { writeFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { Fuzzer, formatFailures, fuzzOrder, itemHints, type Failure, type FuzzRequest } from '../support/openapi-fuzz';
import { openApiDocument, operationsOf, type OpenApiDocument } from '../support/role-matrix';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
/** Fixed unless FUZZ_SEED says otherwise, so a red run is the same run again. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_229);

// The operations are known when the tests are collected: the document of an app on a throwaway database.
const ops = operationsOf(await openApiDocument());
const order = fuzzOrder(ops);

describe('the fuzz oracle', () => {
  let t: TestApp;
  let fuzzer: Fuzzer;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    fuzzer = new Fuzzer(
      t,
      (await t.request('GET', '/api/v1/openapi.json', { token: null })).body as OpenApiDocument,
      itemHints(),
    );
    await fuzzer.seed();
  });
  afterAll(async () => t.close());
  const req = (path: string): FuzzRequest => ({
    method: 'POST',
    path,
    role: 'admin',
    headers: {},
    body: { json: { a: 1 } },
    ifMatch: 'none',
    kind: 'valid',
  });

  it('reports a 500, an error that is not a JSON error body, and a refused request that changed data; not a 4xx that changed nothing', async () => {
    const real = fuzzer.app;
    fuzzer.app = {
      request: async (path) => {
        if (path === '/x/500')
          return new Response(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }), {
            status: 500,
            headers: { 'content-type': 'application/json' },
          });
        if (path === '/x/text')
          return new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } });
        // A refusal that wrote a change first (what the oracle is there to catch).
        if (path === '/x/wrote')
          await t.request('PUT', '/api/v1/customers/ORACLE1', {
            as: 'integration',
            body: { name: 'Oracle', currency: 'USD', creditLimit: '1.00' },
          });
        return new Response(JSON.stringify({ error: { code: 'rule_violation', message: 'no', details: [] } }), {
          status: 422,
          headers: { 'content-type': 'application/json' },
        });
      },
    };
    try {
      for (const path of ['/x/500', '/x/text', '/x/wrote', '/x/refused']) await fuzzer.send(req(path), path);
    } finally {
      fuzzer.app = real;
    }
    expect([...fuzzer.failures.values()].map((f) => [f.problem, f.path, f.status])).toEqual([
      ['500', '/x/500', 500],
      ['non-JSON error body', '/x/text', 404],
      ['refused request changed data', '/x/wrote', 422],
    ]);
    expect(formatFailures([...fuzzer.failures.values()])).toContain('1. 500: POST /x/500 → 500 (1×, valid)');
  });
});

describe.each(DIALECTS)('OpenAPI fuzz on %s', (dialect) => {
  let t: TestApp;
  let fuzzer: Fuzzer;
  const all: Failure[] = [];
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const doc = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body as OpenApiDocument;
    fuzzer = new Fuzzer(t, doc, itemHints());
    await fuzzer.seed();
  });
  afterAll(async () => {
    // Every distinct failure of the run, for a closer look (test-artifacts/ is not committed).
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(
      `test-artifacts/openapi-fuzz-${dialect}.json`,
      JSON.stringify(
        { requests: fuzzer?.requests, statuses: Object.fromEntries(fuzzer?.statuses ?? []), failures: all },
        null,
        2,
      ),
    );
    await t?.close();
  });

  it.each(order.map((o, i) => ({ ...o, i, name: `${o.method} ${o.path}` })))('$name', async (o) => {
    const failures = await fuzzer.fuzz(o, RUNS, SEED + o.i);
    all.push(...failures);
    if (failures.length)
      throw new Error(
        `${failures.length} distinct failure(s) of ${o.name} (FUZZ_SEED=${SEED}):\n${formatFailures(failures)}`,
      );
  });

  it('reached past validation: some generated requests succeeded, and some were refused by the business rules', () => {
    const statuses = fuzzer.statuses;
    const count = (pred: (s: number) => boolean) =>
      [...statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
    expect(fuzzer.requests).toBeGreaterThanOrEqual(order.length * RUNS);
    expect(count((s) => s >= 200 && s < 300)).toBeGreaterThan(order.length);
    expect(count((s) => s === 422 || s === 409 || s === 404)).toBeGreaterThan(order.length / 4);
  });
});
