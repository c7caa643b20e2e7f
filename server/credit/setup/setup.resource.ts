import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { AppEnv } from '../../http/env';
import type { Tx } from '../../db/transaction';
import { SETUP, type SetupReader, type SetupView } from '../../db/setup-cache';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { notFound } from '../../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { IdParam, SinceQuery } from '../../http/schemas';
import { assertVersion, checkUpsert, etag, optionalIfMatch, requireIfMatch } from '../../http/versioning';
import { deleteSetupRow, findSetupRow, listSetupRows, saveSetupRow, type SetupRow } from './setup.repository';
import { withArticle } from '../../../shared/words';

/**
 * A kind of setup data with a natural id, upserted with PUT (payment terms, reason codes, …).
 * Rows are stored as JSON documents in `setup_rows`; the zod schema is the contract.
 */
export interface SetupKind<I extends z.ZodType<Record<string, unknown>>> {
  /** Entity name in the change log and audit, e.g. `paymentTerms`. */
  entity: string;
  /** URL segment, e.g. `payment-terms`. */
  path: string;
  /** What one row is, in words (for messages and docs). */
  noun: string;
  tag: string;
  input: I;
  /** JSON-ready data from the validated input (money already formatted). */
  toData(input: z.output<I>): Record<string, unknown>;
  /** Business checks on a new or changed row: throw a 422 to refuse. */
  validate?(tx: Tx, id: string, input: z.output<I>): Promise<void>;
  /** Refuses to delete a row still in use (422), or removes what depends on it. */
  beforeDelete?(tx: Tx, id: string): Promise<void>;
  /** Runs in the same transaction after a row is saved (`before` is null for a new row). */
  afterSave?(tx: Tx, id: string, before: SetupJson | null, after: SetupJson): Promise<void>;
}

export type SetupJson = Record<string, unknown> & { id: string; version: number };

export const setupRowToJson = (r: SetupRow): SetupJson => ({
  id: r.id,
  ...(JSON.parse(r.data) as Record<string, unknown>),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

/** The cached rows of one kind without I/O, or undefined until they have been read since the last commit that changed one. */
export function cachedSetupRows(cache: SetupView, entity: string): Map<string, SetupJson> | undefined {
  return cache.peek(SETUP.rows(entity));
}

/** Every row of a kind by id, through the setup cache. */
export function setupRowsCached(r: SetupReader, entity: string): Promise<Map<string, SetupJson>> {
  return r.cache.read(
    SETUP.rows(entity),
    async () => new Map((await listSetupRows(r.db, entity)).map((row) => [row.id, setupRowToJson(row)])),
  );
}

export async function requireSetupRow(
  db: Kysely<Database>,
  entity: string,
  noun: string,
  id: string,
): Promise<SetupJson> {
  const row = await findSetupRow(db, entity, id);
  if (!row) throw notFound(noun, id);
  return setupRowToJson(row);
}

/** Registers list, get, put (create or If-Match replace) and delete (If-Match) for a setup kind. */
export function registerSetupKind<I extends z.ZodType<Record<string, unknown>>>(
  app: OpenAPIHono<AppEnv>,
  kind: SetupKind<I>,
): void {
  const base = `/api/v1/${kind.path}`;
  const Out = z
    .object({ id: z.string(), version: z.number() })
    .passthrough()
    .openapi(`${kind.entity[0]!.toUpperCase()}${kind.entity.slice(1)}`);
  const tags = [kind.tag];

  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: `List ${kind.noun} rows`,
      request: { query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(Out), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listSetupRows(c.var.deps.handle.read, kind.entity, {
        limit: q.limit,
        after: decodeCursor(q.cursor),
        since: q.since,
        entity: kind.entity,
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(setupRowToJson), nextCursor });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: `One ${kind.noun}`,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Out), ...errorResponses },
    }),
    async (c) => {
      const row = await requireSetupRow(c.var.deps.handle.read, kind.entity, kind.noun, c.req.valid('param').id);
      c.header('ETag', etag(row.version));
      return c.json(row);
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, `change ${kind.noun} setup`)],
      method: 'put',
      path: `${base}/{id}`,
      tags,
      summary: `Create or replace ${withArticle(kind.noun)} (If-Match required when it exists)`,
      request: { params: IdParam, body: jsonBody(kind.input) },
      responses: { 200: jsonResponse(Out, 'replaced'), 201: jsonResponse(Out, 'created'), ...errorResponses },
    }),
    async (c) => {
      // The body schema is generic here, so the validated values are read through a plain signature
      // (bound: `valid` reads the request's private fields through `this`).
      const valid = c.req.valid.bind(c.req) as unknown as (target: 'param' | 'json') => unknown;
      const { id } = valid('param') as { id: string };
      const input = valid('json') as z.output<I>;
      const ifMatch = optionalIfMatch(c);
      return command(c, async (tx) => {
        const existing = await findSetupRow(tx.db, kind.entity, id, tx.dialect === 'postgres');
        checkUpsert(kind.noun, id, existing, ifMatch, () => setupRowToJson(existing!));
        await kind.validate?.(tx, id, input);
        const row: SetupRow = {
          kind: kind.entity,
          id,
          data: JSON.stringify(kind.toData(input)),
          created_at: existing?.created_at ?? tx.now,
          updated_at: tx.now,
          version: existing ? existing.version + 1 : 1,
        };
        await saveSetupRow(tx.db, row, !existing);
        const json = setupRowToJson(row);
        const before = existing ? setupRowToJson(existing) : null;
        tx.changed(kind.entity, id, existing ? 'update' : 'create', row.version, {
          action: `${kind.entity}.${existing ? 'update' : 'create'}`,
          before,
          after: json,
        });
        await kind.afterSave?.(tx, id, before, json);
        tx.invalidate(SETUP.rows(kind.entity));
        return { status: existing ? 200 : 201, body: json, version: row.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, `change ${kind.noun} setup`)],
      method: 'delete',
      path: `${base}/{id}`,
      tags,
      summary: `Delete ${withArticle(kind.noun)} (If-Match required)`,
      request: { params: IdParam },
      responses: { 200: jsonResponse(Out, 'deleted'), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const existing = await findSetupRow(tx.db, kind.entity, id, tx.dialect === 'postgres');
        if (!existing) throw notFound(kind.noun, id);
        const before = setupRowToJson(existing);
        assertVersion(ifMatch, existing, before);
        await kind.beforeDelete?.(tx, id);
        await deleteSetupRow(tx.db, kind.entity, id);
        tx.changed(kind.entity, id, 'delete', existing.version + 1, {
          action: `${kind.entity}.delete`,
          before,
          after: null,
        });
        tx.invalidate(SETUP.rows(kind.entity));
        return { body: { ...before, version: existing.version + 1 } };
      });
    },
  );
}
