import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import type { CreditGroupsTable, Database } from '../../db/schema';
import type { AppEnv } from '../../http/env';
import type { Tx } from '../../db/transaction';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { notFound, ruleViolation } from '../../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { Currency, DateIn, Id, IdParam, MoneyOut, Name, NonNegativeMoneyIn, SinceQuery } from '../../http/schemas';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { assertVersion, checkUpsert, etag, optionalIfMatch, requireIfMatch } from '../../http/versioning';
import { formatMoney } from '../../../shared/money';
import { toBigInt } from '../../db/values';
import { customerRowToCustomer, findCustomersByIds } from '../../customers/customers.repository';
import { CUSTOMER } from '../../customers/customers.service';

/** A customer credit group: one limit shared by its members (credit.md §1.5, §3). */
export const CREDIT_GROUP = 'creditGroup';
type Row = Selectable<CreditGroupsTable>;

export const CreditGroupInput = z
  .strictObject({
    name: Name,
    creditLimit: NonNegativeMoneyIn,
    currency: Currency,
    creditLimitToDate: DateIn.openapi({ description: 'required: the group limit expires on this date, and members take it as their expiry' }),
    members: z.array(Id).max(10_000).default([]),
  })
  .openapi('CreditGroupInput');
type CreditGroupInput = z.output<typeof CreditGroupInput>;

export const CreditGroupSchema = z
  .object({ id: z.string(), name: z.string(), creditLimit: MoneyOut, currency: z.string(), creditLimitToDate: z.string().nullable(), members: z.array(z.string()), createdAt: z.string(), updatedAt: z.string(), version: z.number() })
  .openapi('CreditGroup');

async function members(db: Kysely<Database>, id: string): Promise<string[]> {
  const rows = await db.selectFrom('credit_group_members').select('customer_id').where('credit_group_id', '=', id).orderBy('customer_id').execute();
  return rows.map((r) => r.customer_id);
}

function toJson(r: Row, memberIds: string[]) {
  return { id: r.id, name: r.name, creditLimit: formatMoney(toBigInt(r.credit_limit)), currency: r.currency, creditLimitToDate: r.credit_limit_to_date, members: memberIds, createdAt: r.created_at, updatedAt: r.updated_at, version: r.version };
}

export async function getCreditGroup(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom('credit_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('credit group', id);
  return toJson(row, await members(db, id));
}

/**
 * Creates or replaces a group with its members. A customer belongs to at most one group; joining
 * sets its limit expiry to the group's date (credit.md §1.5), recorded as a customer change.
 */
async function upsertCreditGroup(tx: Tx, id: string, input: CreditGroupInput, ifMatch: number | undefined) {
  const q = tx.db.selectFrom('credit_groups').selectAll().where('id', '=', id);
  const existing = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  const beforeMembers = existing ? await members(tx.db, id) : [];
  checkUpsert('credit group', id, existing, ifMatch, () => toJson(existing!, beforeMembers));

  const wanted = [...new Set(input.members)];
  const customers = await findCustomersByIds(tx.db, wanted, tx.dialect === 'postgres');
  const unknown = wanted.filter((m) => !customers.has(m));
  if (unknown.length) throw ruleViolation('some members are not customers', unknown.map((m) => ({ path: `members.${input.members.indexOf(m)}`, message: `customer ${m} does not exist` })));
  const elsewhere = wanted.length
    ? await tx.db.selectFrom('credit_group_members').selectAll().where('customer_id', 'in', wanted).where('credit_group_id', '<>', id).execute()
    : [];
  if (elsewhere.length) throw ruleViolation('a customer belongs to at most one credit group', elsewhere.map((e) => ({ path: `members.${input.members.indexOf(e.customer_id)}`, message: `customer ${e.customer_id} is in credit group ${e.credit_group_id}` })));

  const row: Row = {
    id,
    name: input.name,
    credit_limit: input.creditLimit,
    currency: input.currency,
    credit_limit_to_date: input.creditLimitToDate,
    created_at: existing?.created_at ?? tx.now,
    updated_at: tx.now,
    version: existing ? existing.version + 1 : 1,
  };
  if (existing) await tx.db.updateTable('credit_groups').set(row).where('id', '=', id).execute();
  else await tx.db.insertInto('credit_groups').values(row).execute();
  await tx.db.deleteFrom('credit_group_members').where('credit_group_id', '=', id).execute();
  if (wanted.length) await tx.db.insertInto('credit_group_members').values(wanted.map((customer_id) => ({ customer_id, credit_group_id: id }))).execute();

  // Members take the group's expiry date.
  for (const customerId of wanted) {
    const c = customers.get(customerId)!;
    if (c.credit_limit_expiration_date === input.creditLimitToDate) continue;
    const set = { credit_limit_expiration_date: input.creditLimitToDate, updated_at: tx.now, version: c.version + 1 };
    await tx.db.updateTable('customers').set(set).where('id', '=', customerId).execute();
    tx.changed(CUSTOMER, customerId, 'update', set.version, { action: 'customer.joinCreditGroup', before: customerRowToCustomer(c), after: customerRowToCustomer({ ...c, ...set }), reason: `member of credit group ${id}` });
  }
  const json = toJson(row, [...wanted].sort());
  tx.changed(CREDIT_GROUP, id, existing ? 'update' : 'create', row.version, { action: `creditGroup.${existing ? 'update' : 'create'}`, before: existing ? toJson(existing, beforeMembers) : null, after: json });
  return { json, created: !existing };
}

export function creditGroupRoutes(app: OpenAPIHono<AppEnv>): void {
  const tags = ['Credit setup'];
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/credit-groups',
      tags,
      summary: 'List customer credit groups',
      request: { query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: { 200: jsonResponse(z.object({ items: z.array(CreditGroupSchema), nextCursor: z.string().nullable() })), ...errorResponses },
    }),
    async (c) => {
      const db = c.var.deps.handle.read;
      const q = c.req.valid('query');
      // Paged by id and, with `since`, only groups changed after that sequence (SPEC §4).
      let query = db.selectFrom('credit_groups').selectAll().orderBy('id').limit(q.limit + 1);
      const after = decodeCursor(q.cursor);
      if (after !== undefined) query = query.where('id', '>', after);
      if (q.since !== undefined) {
        const since = q.since;
        query = query.where('id', 'in', (eb) => eb.selectFrom('changes').select('entity_id').where('entity', '=', CREDIT_GROUP).where('seq', '>', since));
      }
      const { items, nextCursor } = page(await query.execute(), q.limit, (r) => r.id);
      const ids = items.map((r) => r.id);
      const all = ids.length ? await db.selectFrom('credit_group_members').selectAll().where('credit_group_id', 'in', ids).orderBy('customer_id').execute() : [];
      return c.json({ items: items.map((r) => toJson(r, all.filter((m) => m.credit_group_id === r.id).map((m) => m.customer_id))), nextCursor });
    },
  );
  register(app, createRoute({ method: 'get', path: '/api/v1/credit-groups/{id}', tags, summary: 'One credit group with its members', request: { params: IdParam }, responses: { 200: jsonResponse(CreditGroupSchema), ...errorResponses } }), async (c) => {
    const group = await getCreditGroup(c.var.deps.handle.read, c.req.valid('param').id);
    c.header('ETag', etag(group.version));
    return c.json(group);
  });
  register(
    app,
    createRoute({ middleware: [guard(CAN.setup, 'change credit groups')], method: 'put', path: '/api/v1/credit-groups/{id}', tags, summary: 'Create or replace a credit group and its members (If-Match when it exists)', request: { params: IdParam, body: jsonBody(CreditGroupInput) }, responses: { 200: jsonResponse(CreditGroupSchema), 201: jsonResponse(CreditGroupSchema, 'created'), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = optionalIfMatch(c);
      return command(c, async (tx) => {
        const { json, created } = await upsertCreditGroup(tx, id, input, ifMatch);
        return { status: created ? 201 : 200, body: json, version: json.version };
      });
    },
  );
  register(app, createRoute({ middleware: [guard(CAN.setup, 'change credit groups')], method: 'delete', path: '/api/v1/credit-groups/{id}', tags, summary: 'Delete a credit group (If-Match); members keep their own limits', request: { params: IdParam }, responses: { 200: jsonResponse(CreditGroupSchema), ...errorResponses } }), async (c) => {
    const { id } = c.req.valid('param');
    const ifMatch = requireIfMatch(c);
    return command(c, async (tx) => {
      // Locked on PostgreSQL: a concurrent replace must finish first (then this sees its version).
      const q = tx.db.selectFrom('credit_groups').selectAll().where('id', '=', id);
      const existing = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
      if (!existing) throw notFound('credit group', id);
      const before = toJson(existing, await members(tx.db, id));
      assertVersion(ifMatch, existing, before);
      await tx.db.deleteFrom('credit_group_members').where('credit_group_id', '=', id).execute();
      await tx.db.deleteFrom('credit_groups').where('id', '=', id).execute();
      tx.changed(CREDIT_GROUP, id, 'delete', existing.version + 1, { action: 'creditGroup.delete', before, after: null });
      return { body: { ...before, version: existing.version + 1 } };
    });
  });
}
