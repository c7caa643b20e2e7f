import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { AppEnv } from '../http/env';
import { bearerToken } from '../http/auth';
import { lastChangeSeq, readChanges, type ChangeFeed } from './change-feed';
import { sendChanges } from './change-stream';
import { errorResponses, jsonResponse, register } from '../http/openapi';
import { decodeCursor, encodeCursor, MAX_PAGE } from '../http/paging';
import { Id } from '../http/schemas';
import { ApiError } from '../http/errors';
import { AuditSchema, ChangesPageSchema } from './sync.schema';

const SEQ = /^\d{1,15}$/;

export function syncRoutes(app: OpenAPIHono<AppEnv>, feed: ChangeFeed): void {
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
      responses: {
        200: jsonResponse(ChangesPageSchema),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { since, limit } = c.req.valid('query');
      const changes = await readChanges(c.var.deps.handle.read, since, limit);
      return c.json({ changes, nextSince: changes.length ? changes[changes.length - 1]!.seq : since });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/changes/stream',
      tags: ['Sync'],
      summary: 'Every committed change as it happens (Server-Sent Events)',
      description: [
        'A `text/event-stream` of the change log: first every entry after `since` (or after the `Last-Event-ID` header, which a reconnecting',
        'EventSource sends and which wins over `since`), in order and without gaps, then each new entry as it commits on any server',
        'process sharing the database. Without either, the stream starts at the current end of the log. Each event is',
        '`id: <seq>`, `event: change`, `data: {"seq","entity","id","op","version"}` (the same objects as GET /api/v1/changes); a comment',
        'line `: heartbeat` comes every 15 s. The bearer token is the same as for every call; the stream ends within a second of its',
        'token being revoked.',
      ].join(' '),
      request: { query: z.object({ since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }) },
      responses: {
        200: {
          description: 'The stream',
          content: {
            'text/event-stream': {
              schema: z.string().openapi({
                example:
                  'id: 42\nevent: change\ndata: {"seq":42,"entity":"hold","id":"H-17","op":"update","version":3}\n\n',
              }),
            },
          },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const handle = c.var.deps.handle;
      const token = bearerToken(c);
      const lastEventId = c.req.header('last-event-id');
      if (lastEventId !== undefined && !SEQ.test(lastEventId.trim())) {
        throw new ApiError('invalid_request', 'Last-Event-ID must be the sequence of an event this stream sent', [
          { path: 'Last-Event-ID', message: 'not a sequence' },
        ]);
      }
      const from =
        lastEventId !== undefined
          ? Number(lastEventId.trim())
          : (c.req.valid('query').since ?? (await lastChangeSeq(handle.read)));
      c.header('Content-Type', 'text/event-stream; charset=utf-8');
      c.header('Cache-Control', 'no-cache, no-transform');
      // Proxies that buffer responses (nginx) would hold events back.
      c.header('X-Accel-Buffering', 'no');
      const heartbeatMs = c.var.deps.config.streamHeartbeatMs ?? 15_000;
      return stream(
        c,
        (s) => sendChanges(s, { handle, feed, token, from, heartbeatMs }),
        async (e) => c.var.log.error({ requestId: c.var.requestId, err: e.message }, 'change stream ended by an error'),
      );
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
      responses: {
        200: jsonResponse(z.object({ items: z.array(AuditSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      let query = c.var.deps.handle.read
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('id')
        .limit(q.limit + 1);
      if (q.entity) query = query.where('entity', '=', q.entity);
      if (q.id) query = query.where('entity_id', '=', q.id);
      const after = decodeCursor(q.cursor);
      if (after !== undefined) {
        // Audit cursors carry a row id: a decodable but forged one must be a 400, not a driver error.
        if (!/^\d{1,15}$/.test(after))
          throw new ApiError('invalid_request', 'cursor is not one this server issued', [
            { path: 'cursor', message: 'invalid cursor' },
          ]);
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
