// The add-in's calls to the API (grep addin/ for `/api/v1/`), typed against the client types
// generated from the OpenAPI document: each path, method, query, header and body the add-in sends
// must be one the document describes. test/api/openapi-client.test.ts generates
// test-artifacts/openapi-client.d.ts and runs `tsc -p test/support/openapi-client.tsconfig.json`.
// Under the project's own tsconfig the generated file may be missing: the import is then `any`.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment -- @ts-expect-error would fail once the file is generated
// @ts-ignore -- generated (npm run gen:openapi-client); git-ignored
import type { paths } from '../../test-artifacts/openapi-client';
import type { lineJson } from '../../addin/panes/proposals.logic';
import type { Decision } from '../../addin/panes/held-orders.logic';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Params<O, In extends 'query' | 'header' | 'path'> = O extends { parameters: { [K in In]?: infer Q } } ? Q : never;
type JsonBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Ok<O> = O extends { responses: { 200: { content: { 'application/json': infer R } } } }
  ? R
  : O extends { responses: { 201: { content: { 'application/json': infer R } } } }
    ? R
    : never;

/** One request as a typed client would send it; only the types matter (nothing here runs). */
declare function send<P extends keyof paths, M extends Method>(
  method: M,
  path: P,
  request: {
    query?: Params<Op<P, M>, 'query'>;
    header?: Params<Op<P, M>, 'header'>;
    path?: Params<Op<P, M>, 'path'>;
    body?: JsonBody<Op<P, M>>;
  },
): Ok<Op<P, M>>;

declare const line: ReturnType<typeof lineJson>;
declare const decision: Decision;
declare const key: string;

export function addinCalls() {
  // addin/sync/api.ts: who am I, the change log's head, `all` paging (limit, cursor).
  send('get', '/api/v1/me', {});
  send('get', '/api/v1/changes', { query: { since: 0, limit: 1000 } });
  // addin/panes/held-orders.logic.ts
  send('get', '/api/v1/holds', { query: { status: 'onHold', limit: 1000, cursor: 'x' } });
  send('get', '/api/v1/holds', { query: { since: 42, limit: 1000 } });
  const release = {
    holdId: decision.holdId,
    version: decision.version,
    reasonCode: decision.reasonCode,
    reviewDate: decision.reviewDate!,
    mode: 'withoutPosting' as const,
  };
  send('post', '/api/v1/holds:release-batch', { header: { 'Idempotency-Key': key }, body: { items: [release] } });
  const reject = {
    holdId: decision.holdId,
    version: decision.version,
    reasonCode: decision.reasonCode,
    ...(decision.comment ? { comment: decision.comment } : {}),
  };
  send('post', '/api/v1/holds:reject-batch', { header: { 'Idempotency-Key': key }, body: { items: [reject] } });
  // addin/panes/aging.logic.ts and Aging.tsx
  send('get', '/api/v1/aging', {
    query: { definitionId: 'AGE30', poolId: 'EAST', limit: 5000, cursor: 'x', since: 7 },
  });
  send('get', '/api/v1/aging-definitions', { query: { limit: 1000, cursor: 'x' } });
  send('get', '/api/v1/pools', { query: { limit: 1000, cursor: 'x' } });
  // addin/panes/proposals.logic.ts: validate, then create with the stored Idempotency-Key.
  for (const type of ['creditLimit', 'temporary'] as const) {
    send('post', '/api/v1/adjustment-journals:validate', { body: { type, lines: [line] } });
    send('post', '/api/v1/adjustment-journals', {
      header: { 'Idempotency-Key': key },
      body: { type, description: 'Proposals 2026-03', lines: [line] },
    });
  }
  // addin/sync/credit-context.ts
  send('post', '/api/v1/credit-context:batch', {
    body: { customerIds: ['C1001'], creditGroupIds: ['NORDICS'], asOf: '2026-03-02' },
  });
}
