import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard } from '../../http/auth';
import { command, idempotentBatch } from '../../http/command';
import { ApiError, zodDetails } from '../../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { DateIn, idOf, IdParam, LongText, SinceQuery } from '../../http/schemas';
import { etag, requireIfMatch } from '../../http/versioning';
import { runInTransaction, type Role } from '../../db/transaction';
import { findHold, holdRowToHold, HOLD_STATUSES, listHolds } from './holds.repository';
import {
  BatchResult,
  DecisionResult,
  HoldSchema,
  RejectBody,
  RejectItem,
  ReleaseBody,
  ReleaseItem,
} from './holds.schema';
import {
  approveHold,
  declineHold,
  evaluateHold,
  forceHold,
  notInFuture,
  rejectHold,
  releaseHold,
} from './holds.service';
import { requestReader } from '../../http/reader';

const tags = ['Credit holds'];
/** Release, reject and force: credit clerks and managers (credit.md §6). */
const DECIDE: Role[] = ['credit_clerk', 'credit_manager'];
const APPROVE: Role[] = ['credit_manager'];

export function holdRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/holds',
      tags,
      summary: 'The hold list',
      description:
        'status defaults to onHold, or to all when `since` is given: a workbook pulling changes must also learn about holds that left the list.',
      request: {
        query: z.object({
          ...pageQuery,
          status: z.enum([...HOLD_STATUSES, 'all']).optional(),
          customerId: idOf('customer').optional(),
          since: SinceQuery,
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(HoldSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const status = q.status ?? (q.since === undefined ? 'onHold' : 'all');
      const rows = await listHolds(c.var.deps.handle.read, {
        status: status === 'all' ? undefined : status,
        customerId: q.customerId,
        since: q.since,
        limit: q.limit,
        after: decodeCursor(q.cursor),
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(holdRowToHold), nextCursor });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/holds/{id}',
      tags,
      summary: 'One hold',
      request: { params: IdParam },
      responses: { 200: jsonResponse(HoldSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await findHold(c.var.deps.handle.read, id);
      if (!row) throw new ApiError('not_found', `hold ${id} does not exist`);
      c.header('ETag', etag(row.version));
      return c.json(holdRowToHold(row));
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(DECIDE, 'release holds')],
      method: 'post',
      path: '/api/v1/holds/{id}/release',
      ifMatch: 'required',
      tags,
      summary: 'Release a hold (If-Match); with posting, runs the blocked posting',
      request: { params: IdParam, body: jsonBody(ReleaseBody) },
      responses: { 200: jsonResponse(DecisionResult), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const r = await releaseHold(tx, id, body, ifMatch);
        return { body: r, version: r.hold.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(DECIDE, 'reject holds')],
      method: 'post',
      path: '/api/v1/holds/{id}/reject',
      ifMatch: 'required',
      tags,
      summary: 'Reject a hold (If-Match): the order cannot be posted',
      request: { params: IdParam, body: jsonBody(RejectBody) },
      responses: { 200: jsonResponse(DecisionResult), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const r = await rejectHold(tx, id, body, ifMatch);
        return { body: r, version: r.hold.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(APPROVE, 'approve hold decisions')],
      method: 'post',
      path: '/api/v1/holds/{id}/approve',
      ifMatch: 'required',
      tags,
      summary: 'Approve a pending release or reject (credit manager, not the requester; If-Match)',
      request: { params: IdParam },
      responses: { 200: jsonResponse(DecisionResult), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const r = await approveHold(tx, id, ifMatch);
        return { body: r, version: r.hold.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(APPROVE, 'decline hold decisions')],
      method: 'post',
      path: '/api/v1/holds/{id}/decline',
      ifMatch: 'required',
      tags,
      summary: 'Send a pending decision back: the hold is on hold again (credit manager; If-Match)',
      request: { params: IdParam, body: jsonBody(z.strictObject({ comment: LongText.nullish() })) },
      responses: { 200: jsonResponse(DecisionResult), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { comment } = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const r = await declineHold(tx, id, comment ?? null, ifMatch);
        return { body: r, version: r.hold.version };
      });
    },
  );

  /** Each item in its own transaction, each answered: a conflict on one row never blocks the others. */
  const batch = <T extends { holdId: string; version: number }>(
    action: 'release' | 'reject',
    itemSchema: z.ZodType<T>,
    apply: typeof releaseHold | typeof rejectHold,
  ) =>
    register(
      app,
      createRoute({
        middleware: [guard(DECIDE, `${action} holds`)],
        method: 'post',
        path: `/api/v1/holds:${action}-batch`,
        tags,
        summary: `${action === 'release' ? 'Release' : 'Reject'} many holds; each item applies in its own transaction and is answered`,
        request: { body: jsonBody(z.strictObject({ items: z.array(z.unknown()).min(1).max(10_000) })) },
        responses: { 200: jsonResponse(BatchResult), ...errorResponses },
      }),
      async (c) => {
        const { items } = c.req.valid('json');
        return idempotentBatch(c, async () => {
          const results = [];
          for (const [index, raw] of items.entries()) {
            const parsed = itemSchema.safeParse(raw);
            const holdId =
              typeof (raw as { holdId?: unknown })?.holdId === 'string'
                ? (raw as { holdId: string }).holdId
                : undefined;
            if (!parsed.success) {
              results.push({
                index,
                ...(holdId ? { holdId } : {}),
                status: 'error' as const,
                code: 'invalid_request',
                errors: zodDetails(parsed.error),
              });
              continue;
            }
            const { holdId: id, version, ...body } = parsed.data;
            try {
              const r = await runInTransaction(c.var.deps.handle, c.var.actor, (tx) =>
                (apply as (tx: never, id: string, b: unknown, v: number) => Promise<{ hold: { version: number } }>)(
                  tx as never,
                  id,
                  body,
                  version,
                ),
              );
              results.push({
                index,
                holdId: id,
                status: 'ok' as const,
                version: r.hold.version,
                hold: r.hold,
                errors: [],
              });
            } catch (e) {
              if (!(e instanceof ApiError)) throw e;
              results.push({
                index,
                holdId: id,
                status: 'error' as const,
                code: e.code,
                errors: e.details.length ? e.details : [{ path: '', message: e.message }],
                ...(e.extra.current ? { current: e.extra.current } : {}),
              });
            }
          }
          return { body: { items: results } };
        });
      },
    );
  batch('release', ReleaseItem as never, releaseHold);
  batch('reject', RejectItem as never, rejectHold);

  register(
    app,
    createRoute({
      middleware: [guard(DECIDE, 'evaluate holds')],
      method: 'post',
      path: '/api/v1/holds:evaluate',
      tags,
      summary: 'Evaluate holds for release: re-run the rules, mark reasons inactive, auto-release per parameter',
      request: {
        body: jsonBody(
          z.strictObject({
            holdIds: z.array(idOf('hold')).max(10_000).optional(),
            customerId: idOf('customer').optional(),
            asOf: DateIn.optional(),
          }),
        ),
      },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(z.object({ hold: HoldSchema, readyToRelease: z.boolean(), autoReleased: z.boolean() })),
          }),
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return idempotentBatch(c, async () => {
        const rows = await listHolds(c.var.deps.handle.read, {
          status: 'onHold',
          customerId: body.customerId,
          ids: body.holdIds,
          limit: 100_000,
        });
        const items = [];
        notInFuture(requestReader(c), body.asOf); // refused before any hold is evaluated
        for (const row of rows)
          items.push(
            await runInTransaction(c.var.deps.handle, c.var.actor, (tx) => evaluateHold(tx, row.id, body.asOf)),
          );
        return { body: { items } };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(DECIDE, 'force holds')],
      method: 'post',
      path: '/api/v1/sales-orders/{id}/force-hold',
      tags,
      summary: 'Put an open order on credit hold by hand (never auto-released)',
      request: {
        params: IdParam,
        body: jsonBody(z.strictObject({ reasonCode: idOf('reasonCode'), asOf: DateIn.optional() })),
      },
      responses: { 201: jsonResponse(HoldSchema, 'held'), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { reasonCode, asOf } = c.req.valid('json');
      return command(c, async (tx) => {
        const hold = await forceHold(tx, id, reasonCode, asOf);
        return { status: 201, body: hold, version: hold.version };
      });
    },
  );
}
