import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import type { AppEnv } from '../../http/env';
import { CAN, guard } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { IdParam, SinceQuery } from '../../http/schemas';
import { etag, requireIfMatch } from '../../http/versioning';

/**
 * The routes collections work entities share (activities and cases, collections.md §1.8, §1.9).
 * Collections agents and credit managers write (CAN.collections, checked before the body is
 * validated); every role reads.
 */

/** Writes of collections work: collections agents and credit managers. */
export const writer = (action: string) => [guard(CAN.collections, action)];

/** What the generic CRUD routes of a collections work entity need (activities and cases share them). */
export interface WorkResource<
  Input extends z.ZodType,
  Patch extends z.ZodType,
  Json extends { id: string; version: number },
> {
  /** URL segment under /api/v1, e.g. `activities`. */
  path: string;
  /** The noun in summaries and role messages, e.g. `activity` / `activities`. */
  noun: string;
  nouns: string;
  input: Input;
  patch: Patch;
  schema: z.ZodType<Json>;
  /** The schema of a PATCH answer (the row, possibly with more). */
  patchResult: z.ZodType;
  listQuery: Record<string, z.ZodType>;
  list(db: Kysely<Database>, q: Record<string, unknown> & { limit: number; after?: string }): Promise<Json[]>;
  get(db: Kysely<Database>, id: string): Promise<Json>;
  create(tx: Tx, input: z.output<Input>): Promise<Json>;
  change(tx: Tx, id: string, patch: z.output<Patch>, ifMatch: number): Promise<Json>;
  remove(tx: Tx, id: string, ifMatch: number): Promise<Json>;
  summaries: { list: string; create: string; patch: string; remove: string };
}

/**
 * GET list (filters, since, paging), GET one (ETag), POST (201, no If-Match, Idempotency-Key),
 * PATCH and DELETE (If-Match), writes for CAN.collections only.
 */
export function registerWorkResource<
  Input extends z.ZodType,
  Patch extends z.ZodType,
  Json extends { id: string; version: number },
>(app: OpenAPIHono<AppEnv>, r: WorkResource<Input, Patch, Json>): void {
  const tags = ['Collections'];
  const base = `/api/v1/${r.path}`;
  // The schemas are generic here, so validated values are read through a plain signature
  // (bound: `valid` reads the request's private fields through `this`), as in setup.resource.ts.
  const valid = (c: { req: unknown }) => {
    const req = c.req as { valid: (target: 'param' | 'json' | 'query') => unknown };
    return req.valid.bind(req);
  };
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: r.summaries.list,
      request: { query: z.object({ ...pageQuery, since: SinceQuery, ...r.listQuery }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(r.schema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, ...filter } = valid(c)('query') as { limit: number; cursor?: string } & Record<
        string,
        unknown
      >;
      const rows = await r.list(c.var.deps.handle.read, { ...filter, limit, after: decodeCursor(cursor) });
      return c.json(page(rows, limit, (row) => row.id));
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: `One ${r.noun}`,
      request: { params: IdParam },
      responses: { 200: jsonResponse(r.schema), ...errorResponses },
    }),
    async (c) => {
      const json = await r.get(c.var.deps.handle.read, c.req.valid('param').id);
      c.header('ETag', etag(json.version));
      return c.json(json);
    },
  );
  register(
    app,
    createRoute({
      middleware: writer(`create ${r.nouns}`),
      method: 'post',
      path: base,
      tags,
      summary: r.summaries.create,
      request: { body: jsonBody(r.input) },
      responses: { 201: jsonResponse(r.schema, 'created'), ...errorResponses },
    }),
    async (c) => {
      const input = valid(c)('json') as z.output<Input>;
      return command(c, async (tx) => {
        const json = await r.create(tx, input);
        return { status: 201, body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: writer(`change ${r.nouns}`),
      method: 'patch',
      path: `${base}/{id}`,
      tags,
      summary: r.summaries.patch,
      request: { params: IdParam, body: jsonBody(r.patch) },
      responses: { 200: jsonResponse(r.patchResult), ...errorResponses },
    }),
    async (c) => {
      const { id } = valid(c)('param') as { id: string };
      const patch = valid(c)('json') as z.output<Patch>;
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const json = await r.change(tx, id, patch, ifMatch);
        return { body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: writer(`delete ${r.nouns}`),
      method: 'delete',
      path: `${base}/{id}`,
      tags,
      summary: r.summaries.remove,
      request: { params: IdParam },
      responses: { 200: jsonResponse(r.schema, 'deleted'), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ({ body: await r.remove(tx, id, ifMatch) }));
    },
  );
}
