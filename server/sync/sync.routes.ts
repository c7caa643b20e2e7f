import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { errorResponses, jsonResponse, register } from '../http/openapi';
import { decodeCursor, encodeCursor, MAX_PAGE } from '../http/paging';
import { toNumber } from '../db/values';
import { Id } from '../http/schemas';
import { ApiError } from '../http/errors';

const ChangeSchema = z.object({ seq: z.number(), entity: z.string(), id: z.string(), op: z.enum(['create', 'update', 'delete']), version: z.number() }).openapi('Change');
const AuditSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    userId: z.string().nullable(),
    requestId: z.string().nullable(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('AuditRow');

export function syncRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/changes',
      tags: ['Sync'],
      summary: 'The global change log after a sequence; gap-free and in commit order',
      request: {
        query: z.object({
          since: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
        }),
      },
      responses: { 200: jsonResponse(z.object({ changes: z.array(ChangeSchema), nextSince: z.number() })), ...errorResponses },
    }),
    async (c) => {
      const { since, limit } = c.req.valid('query');
      const rows = await c.var.deps.handle.db.selectFrom('changes').selectAll().where('seq', '>', since).orderBy('seq').limit(limit).execute();
      const changes = rows.map((r) => ({ seq: toNumber(r.seq), entity: r.entity, id: r.entity_id, op: r.op as 'create', version: r.version }));
      return c.json({ changes, nextSince: changes.length ? changes[changes.length - 1]!.seq : since });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      tags: ['Sync'],
      summary: 'Audit rows, oldest first, optionally for one entity or row',
      request: {
        query: z.object({
          entity: z.string().max(64).optional(),
          id: Id.optional(),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: { 200: jsonResponse(z.object({ items: z.array(AuditSchema), nextCursor: z.string().nullable() })), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      let query = c.var.deps.handle.db.selectFrom('audit_log').selectAll().orderBy('id').limit(q.limit + 1);
      if (q.entity) query = query.where('entity', '=', q.entity);
      if (q.id) query = query.where('entity_id', '=', q.id);
      const after = decodeCursor(q.cursor);
      if (after !== undefined) {
        // Audit cursors carry a row id: a decodable but forged one must be a 400, not a driver error.
        if (!/^\d{1,15}$/.test(after)) throw new ApiError('invalid_request', 'cursor is not one this server issued', [{ path: 'cursor', message: 'invalid cursor' }]);
        query = query.where('id', '>', Number(after));
      }
      const rows = await query.execute();
      const items = rows.slice(0, q.limit).map((r) => ({
        id: String(r.id),
        at: r.at,
        userId: r.user_id,
        requestId: r.request_id,
        action: r.action,
        entity: r.entity,
        entityId: r.entity_id,
        before: r.before === null ? null : JSON.parse(r.before),
        after: r.after === null ? null : JSON.parse(r.after),
        reason: r.reason,
      }));
      const last = items[items.length - 1];
      return c.json({ items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.id) : null });
    },
  );
}
