import type { Kysely, Selectable } from 'kysely';
import type { CreditGroupsTable, Database } from '../../db/schema';
import { formatMoney } from '../../../shared/money';
import { toBigInt } from '../../db/values';
import type { CreditGroup } from './credit-groups.schema';

/** A customer credit group: one limit shared by its members (credit.md §1.5, §3). */
export const CREDIT_GROUP = 'creditGroup';
export type CreditGroupRow = Selectable<CreditGroupsTable>;
type Db = Kysely<Database>;

export function creditGroupRowToCreditGroup(r: CreditGroupRow, memberIds: string[]): CreditGroup {
  return {
    id: r.id,
    name: r.name,
    creditLimit: formatMoney(toBigInt(r.credit_limit)),
    currency: r.currency,
    creditLimitToDate: r.credit_limit_to_date,
    members: memberIds,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** `lock` (PostgreSQL) takes the row lock, so a concurrent change waits and then sees this one's result. */
export function findCreditGroup(db: Db, id: string, lock = false): Promise<CreditGroupRow | undefined> {
  const q = db.selectFrom('credit_groups').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** A group's member customer ids, in id order. */
export async function membersOf(db: Db, id: string): Promise<string[]> {
  const rows = await db
    .selectFrom('credit_group_members')
    .select('customer_id')
    .where('credit_group_id', '=', id)
    .orderBy('customer_id')
    .execute();
  return rows.map((r) => r.customer_id);
}

/** The memberships of these customers in groups other than `groupId` (a customer belongs to at most one). */
export function membershipsElsewhere(db: Db, customerIds: string[], groupId: string) {
  return customerIds.length
    ? db
        .selectFrom('credit_group_members')
        .selectAll()
        .where('customer_id', 'in', customerIds)
        .where('credit_group_id', '<>', groupId)
        .execute()
    : Promise.resolve([]);
}

export interface ListCreditGroupsQuery {
  limit: number;
  after?: string;
  since?: number;
}

/** A page of groups by id (one row more than `limit`) and, with `since`, only groups changed after that sequence (SPEC §4). */
export function listCreditGroupRows(db: Db, q: ListCreditGroupsQuery): Promise<CreditGroupRow[]> {
  let query = db
    .selectFrom('credit_groups')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', CREDIT_GROUP).where('seq', '>', since),
    );
  }
  return query.execute();
}

/** The members of these groups, by group id, each in customer id order. */
export async function membersOfGroups(db: Db, ids: string[]): Promise<Map<string, string[]>> {
  const all = ids.length
    ? await db
        .selectFrom('credit_group_members')
        .selectAll()
        .where('credit_group_id', 'in', ids)
        .orderBy('customer_id')
        .execute()
    : [];
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const m of all) out.get(m.credit_group_id)?.push(m.customer_id);
  return out;
}

export async function insertCreditGroup(db: Db, row: CreditGroupRow): Promise<void> {
  await db.insertInto('credit_groups').values(row).execute();
}

export async function updateCreditGroup(db: Db, id: string, set: Partial<CreditGroupRow>): Promise<void> {
  await db.updateTable('credit_groups').set(set).where('id', '=', id).execute();
}

/** Replaces a group's members with `customerIds`. */
export async function replaceMembers(db: Db, id: string, customerIds: string[]): Promise<void> {
  await db.deleteFrom('credit_group_members').where('credit_group_id', '=', id).execute();
  if (customerIds.length)
    await db
      .insertInto('credit_group_members')
      .values(customerIds.map((customer_id) => ({ customer_id, credit_group_id: id })))
      .execute();
}

/** Deletes a group and its memberships. */
export async function deleteCreditGroup(db: Db, id: string): Promise<void> {
  await db.deleteFrom('credit_group_members').where('credit_group_id', '=', id).execute();
  await db.deleteFrom('credit_groups').where('id', '=', id).execute();
}
