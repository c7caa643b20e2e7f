import type { Kysely, Selectable } from 'kysely';
import type { CollectionCasesTable, Database } from '../../db/schema';
import { linkedTransactionIds } from '../work/work.shared';
import type { CASE_STATUSES, CaseJson } from './cases.schema';

export const COLLECTION_CASE = 'collectionCase';
export type CaseRow = Selectable<CollectionCasesTable>;
type Row = CaseRow;
type Db = Kysely<Database>;

export function caseRowToJson(r: Row, transactionIds: string[], activityIds: string[]): CaseJson {
  return {
    id: r.id,
    customerId: r.customer_id,
    categoryId: r.category_id,
    status: r.status as CaseJson['status'],
    description: r.description,
    ownerUserId: r.owner_user_id,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    transactionIds,
    activityIds,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

async function activityIdsByCase(db: Db, caseIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(caseIds.map((id) => [id, []]));
  for (let i = 0; i < caseIds.length; i += 500) {
    const rows = await db
      .selectFrom('activities')
      .select(['id', 'case_id'])
      .where('case_id', 'in', caseIds.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.case_id) out.get(r.case_id)?.push(r.id);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** The API answer for a page of case rows (two link queries per page, not per row). */
export async function casesToJson(db: Db, rows: Row[]): Promise<CaseJson[]> {
  const ids = rows.map((r) => r.id);
  const txns = await linkedTransactionIds(db, 'case_transactions', ids);
  const acts = await activityIdsByCase(db, ids);
  return rows.map((r) => caseRowToJson(r, txns.get(r.id) ?? [], acts.get(r.id) ?? []));
}

/** `lock` (PostgreSQL) takes the row lock, so concurrent changes to the case queue up. */
export function findCase(db: Db, id: string, lock = false): Promise<Row | undefined> {
  const q = db.selectFrom('collection_cases').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** The customer of a case, or undefined when there is none with that id. */
export async function customerOfCase(db: Db, id: string): Promise<string | undefined> {
  return (await db.selectFrom('collection_cases').select('customer_id').where('id', '=', id).executeTakeFirst())
    ?.customer_id;
}

export async function insertCaseRow(db: Db, row: Row): Promise<void> {
  await db.insertInto('collection_cases').values(row).execute();
}

export async function updateCase(db: Db, id: string, set: Partial<Row>): Promise<void> {
  await db.updateTable('collection_cases').set(set).where('id', '=', id).execute();
}

/** Deletes a case and its transaction links. */
export async function deleteCaseRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('case_transactions').where('case_id', '=', id).execute();
  await db.deleteFrom('collection_cases').where('id', '=', id).execute();
}

export interface CaseListFilter {
  customerId?: string;
  status?: (typeof CASE_STATUSES)[number];
  since?: number;
  limit: number;
  after?: string;
}

/** One page of case rows by id (`limit + 1` rows, for `page()`). */
export function listCaseRows(db: Db, q: CaseListFilter): Promise<Row[]> {
  let query = db
    .selectFrom('collection_cases')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.customerId !== undefined) query = query.where('customer_id', '=', q.customerId);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', COLLECTION_CASE).where('seq', '>', since),
    );
  }
  return query.execute();
}

/** Every case of one customer, newest first. */
export function caseRowsOfCustomer(db: Db, customerId: string): Promise<Row[]> {
  return db
    .selectFrom('collection_cases')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('opened_at', 'desc')
    .orderBy('id')
    .execute();
}

/** For one customer: transaction id → the ids of the cases it belongs to (sorted). */
export async function caseIdsByTransaction(db: Db, customerId: string): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('case_transactions')
    .innerJoin('collection_cases', 'collection_cases.id', 'case_transactions.case_id')
    .select(['case_transactions.transaction_id as transactionId', 'case_transactions.case_id as caseId'])
    .where('collection_cases.customer_id', '=', customerId)
    .orderBy('case_transactions.case_id')
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.transactionId);
    if (list) list.push(r.caseId);
    else out.set(r.transactionId, [r.caseId]);
  }
  return out;
}

/** The first case (by id) using a case category, if any. */
export async function caseUsingCategory(db: Db, categoryId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('collection_cases')
    .select('id')
    .where('category_id', '=', categoryId)
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}
