import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Tx } from '../db/transaction';
import type { AppEnv } from '../http/env';
import { CAN, guard } from '../http/auth';
import { command } from '../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { decodeCursor, page, pageQuery } from '../http/paging';
import { IdParam, SinceQuery } from '../http/schemas';
import { etag, requireIfMatch } from '../http/versioning';
import { registerSetupKind } from '../credit/setup/setup.resource';
import { TransactionSchema } from '../ledger/ledger.schema';
import { ActivityInput, ActivityListQuery, ActivityPatch, ActivityPatchResult, ActivitySchema, createActivity, deleteActivity, getActivity, listActivities, patchActivity, type ActivityListFilter } from './activities';
import { CaseInput, CaseListQuery, CasePatch, CaseSchema, createCase, deleteCase, getCase, listCases, patchCase, type CaseListFilter } from './cases';
import { caseCategories } from './case-categories';
import { setCollectionStatus, SetStatusInput } from './transaction-status';

/**
 * Activities, cases, case categories and collection status changes (collections.md §1.8, §1.9,
 * §3.6). Collections agents and credit managers write (CAN.collections, checked before the body
 * is validated); case categories are setup (credit_manager, admin); every role reads.
 */
export function collectionsWorkRoutes(app: OpenAPIHono<AppEnv>): void {
  registerSetupKind(app, caseCategories);
  activityRoutes(app);
  caseRoutes(app);
  transactionStatusRoutes(app);
}

const writer = (action: string) => [guard(CAN.collections, action)];

/** What the generic CRUD routes of a collections work entity need (activities and cases share them). */
interface WorkResource<Input extends z.ZodType, Patch extends z.ZodType, Json extends { id: string; version: number }> {
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
function registerWorkResource<Input extends z.ZodType, Patch extends z.ZodType, Json extends { id: string; version: number }>(app: OpenAPIHono<AppEnv>, r: WorkResource<Input, Patch, Json>): void {
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
    createRoute({ method: 'get', path: base, tags, summary: r.summaries.list, request: { query: z.object({ ...pageQuery, since: SinceQuery, ...r.listQuery }) }, responses: { 200: jsonResponse(z.object({ items: z.array(r.schema), nextCursor: z.string().nullable() })), ...errorResponses } }),
    async (c) => {
      const { limit, cursor, ...filter } = valid(c)('query') as { limit: number; cursor?: string } & Record<string, unknown>;
      const rows = await r.list(c.var.deps.handle.read, { ...filter, limit, after: decodeCursor(cursor) });
      return c.json(page(rows, limit, (row) => row.id));
    },
  );
  register(app, createRoute({ method: 'get', path: `${base}/{id}`, tags, summary: `One ${r.noun}`, request: { params: IdParam }, responses: { 200: jsonResponse(r.schema), ...errorResponses } }), async (c) => {
    const json = await r.get(c.var.deps.handle.read, c.req.valid('param').id);
    c.header('ETag', etag(json.version));
    return c.json(json);
  });
  register(
    app,
    createRoute({ middleware: writer(`create ${r.nouns}`), method: 'post', path: base, tags, summary: r.summaries.create, request: { body: jsonBody(r.input) }, responses: { 201: jsonResponse(r.schema, 'created'), ...errorResponses } }),
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
    createRoute({ middleware: writer(`change ${r.nouns}`), method: 'patch', path: `${base}/{id}`, tags, summary: r.summaries.patch, request: { params: IdParam, body: jsonBody(r.patch) }, responses: { 200: jsonResponse(r.patchResult), ...errorResponses } }),
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
    createRoute({ middleware: writer(`delete ${r.nouns}`), method: 'delete', path: `${base}/{id}`, tags, summary: r.summaries.remove, request: { params: IdParam }, responses: { 200: jsonResponse(r.schema, 'deleted'), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ({ body: await r.remove(tx, id, ifMatch) }));
    },
  );
}

function activityRoutes(app: OpenAPIHono<AppEnv>): void {
  registerWorkResource(app, {
    path: 'activities',
    noun: 'activity',
    nouns: 'activities',
    input: ActivityInput,
    patch: ActivityPatch,
    schema: ActivitySchema,
    patchResult: ActivityPatchResult,
    listQuery: ActivityListQuery,
    list: (db, q) => listActivities(db, q as ActivityListFilter),
    get: getActivity,
    create: createActivity,
    change: patchActivity,
    remove: deleteActivity,
    summaries: {
      list: 'List collections activities (by customer, case, responsible user, open or closed)',
      create: 'Create an activity (id: the generated activity number)',
      patch: 'Change an activity (If-Match required); closing with followUp creates a follow-up task',
      remove: 'Delete an activity (If-Match required)',
    },
  });
}

function caseRoutes(app: OpenAPIHono<AppEnv>): void {
  registerWorkResource(app, {
    path: 'cases',
    noun: 'case',
    nouns: 'cases',
    input: CaseInput,
    patch: CasePatch,
    schema: CaseSchema,
    patchResult: CaseSchema,
    listQuery: CaseListQuery,
    list: (db, q) => listCases(db, q as CaseListFilter),
    get: getCase,
    create: createCase,
    change: patchCase,
    remove: deleteCase,
    summaries: {
      list: 'List collections cases (by customer, open or closed)',
      create: 'Open a collections case',
      patch: 'Change, close or reopen a case (If-Match required)',
      remove: 'Delete a case without activities (If-Match required)',
    },
  });
}

function transactionStatusRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      middleware: writer('change collection statuses'),
      method: 'post',
      path: '/api/v1/transactions:set-status',
      tags: ['Collections'],
      summary: 'Set the collection status of open transactions (all or nothing)',
      description: 'promisedToPay needs promiseDate; any other status clears the promise. promiseToPayBroken is set only by aging snapshots.',
      request: { body: jsonBody(SetStatusInput) },
      responses: { 200: jsonResponse(z.object({ items: z.array(TransactionSchema) })), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      return command(c, async (tx) => ({ body: await setCollectionStatus(tx, input) }));
    },
  );
}
