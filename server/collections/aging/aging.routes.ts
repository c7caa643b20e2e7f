import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { IdParam } from '../../http/schemas';
import { requestReader } from '../../http/reader';
import { agingListBody } from './aging.json-writer';
import {
  AgingListSchema,
  AgingQuery,
  AgingRefreshBody,
  AgingReportQuery,
  AgingReportSchema,
  AgingRowSchema,
  PeriodsQuery,
  PeriodsSchema,
  PoolCustomersQuery,
  PoolCustomersSchema,
  SnapshotBody,
  SnapshotResult,
  TAG,
} from './aging.schema';
import {
  agingListText,
  agingReportFor,
  definitionPeriods,
  poolCustomers,
  refreshCustomerSnapshot,
  takeSnapshot,
} from './aging.service';

export function agingRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/aging-definitions/{id}/periods',
      tags: [TAG],
      summary: 'The date range of every period line for an as-of date (the setup preview)',
      request: { params: IdParam, query: PeriodsQuery },
      responses: { 200: jsonResponse(PeriodsSchema), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await definitionPeriods(
          requestReader(c),
          c.req.valid('param').id,
          c.req.valid('query').asOf ?? requestReader(c).today,
        ),
      ),
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/pools/{id}/customers',
      tags: [TAG],
      summary:
        "Preview a pool: the customers it holds now (collections pools: against the current snapshot of the pool's definition)",
      request: { params: IdParam, query: PoolCustomersQuery },
      responses: { 200: jsonResponse(PoolCustomersSchema), ...errorResponses },
    }),
    async (c) =>
      c.json(await poolCustomers(requestReader(c), c.req.valid('param').id, c.req.valid('query').definitionId)),
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.collections, 'run aging snapshots')],
      method: 'post',
      path: '/api/v1/aging-snapshots',
      tags: [TAG],
      summary: 'Age customer balances: compute and store the snapshot of a definition (answers when done)',
      request: { body: jsonBody(SnapshotBody) },
      responses: { 200: jsonResponse(SnapshotResult), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const started = performance.now();
      return command(c, async (tx) => ({
        body: { ...(await takeSnapshot(tx, body)), durationMs: Math.round(performance.now() - started) },
      }));
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.collections, 'refresh aging snapshots')],
      method: 'post',
      path: '/api/v1/customers/{id}/aging-snapshot:refresh',
      tags: [TAG],
      summary: "Update one customer's snapshot with today's date (collections.md §2.4 step 8)",
      description:
        "Keeps the criteria and credit placement of the customer's current row (else the defaults) and keeps a zero balance on screen.",
      request: {
        params: IdParam,
        body: jsonBody(AgingRefreshBody, 'optional; an empty object refreshes the default definition'),
      },
      responses: { 200: jsonResponse(AgingRowSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      return command(c, async (tx) => {
        const { row, version } = await refreshCustomerSnapshot(tx, id, body.definitionId);
        return { body: row, version };
      });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/aging',
      tags: [TAG],
      summary:
        "The aged balances list: one row per customer with a snapshot, filtered by the caller's pools (collections.md §5)",
      description:
        "Definition: definitionId, else the pool's, else the parameter default, else the first. Non-agents see every customer with a snapshot and cannot filter by pool; agents get their default pool unless they pick another offered one; agents without pools see every customer. With `since`, only rows written or made stale after that sequence, plus `removed` customer ids; keep `lastSeq` for the next pull. Amounts are in the accounting currency (`currency=accounting`, the default) or in each customer's own currency (`currency=customer`, as the snapshot run converted them at the rate on its as-of date); every row names its `currency`, and pools compare the accounting-currency amounts.",
      request: { query: AgingQuery },
      responses: { 200: jsonResponse(AgingListSchema), ...errorResponses },
    }),
    async (c) => {
      const body = agingListBody(await agingListText(requestReader(c), c.var.actor, c.req.valid('query')));
      return c.body(body, 200, { 'content-type': 'application/json; charset=UTF-8' }) as never;
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/aging-report',
      tags: [TAG],
      summary:
        'Historical aged balances: open amounts as they stood on balanceAsOf, aged as of asOf (not the snapshot)',
      description:
        "Open amounts are rebuilt from the settlements dated on or before balanceAsOf, in the accounting currency and in each transaction's own. `currency=accounting` (default): rows and `totals` in the accounting currency. `currency=customer`: each row in its customer's currency (items in another currency converted from the accounting currency at the rate on asOf), `totals` null and one `totalsByCurrency` entry per currency; amounts in two currencies are never added together.",
      request: { query: AgingReportQuery },
      responses: { 200: jsonResponse(AgingReportSchema), ...errorResponses },
    }),
    async (c) => c.json(await agingReportFor(requestReader(c), c.req.valid('query'))),
  );
}
