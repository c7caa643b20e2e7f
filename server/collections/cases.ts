import { z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import type { CollectionCasesTable, Database } from '../db/schema';
import type { Tx } from '../db/transaction';
import { requireCustomer } from '../ledger/ledger.service';
import { notFound, ruleViolation, type ErrorDetail } from '../http/errors';
import { Id, Timestamp } from '../http/schemas';
import { assertVersion } from '../http/versioning';
import { caseCategoryErrors } from './case-categories';
import { linkedTransactionIds, newWorkId, refuseIf, replaceTransactionLinks, sameIds, sortedIds, transactionLinkErrors, TransactionIdList, userErrors } from './work.shared';

/**
 * Collections cases (collections.md §1.9): a case groups transactions and activities of one
 * customer under a collections category.
 *
 * Decisions:
 * - A case is created open; `openedAt` is the creation time. PATCH `status: "closed"` sets
 *   `closedAt`, `status: "open"` clears it again (reopening).
 * - `ownerUserId` left out on create means the caller; `null` means nobody. It must name an
 *   existing user (any role).
 * - `transactionIds` on PATCH replaces the whole set. A transaction may belong to several cases.
 * - `activityIds` is derived (the activities whose `caseId` is this case). Because a case's answer
 *   shows it, linking or unlinking an activity (creating, moving or deleting one) also moves the
 *   case's version, with a change-log entry (`collectionCase`, update) and an audit row
 *   `collectionCase.activityLinks`, so a workbook syncing cases sees the new list.
 * - A case with linked activities cannot be deleted (422); move or delete the activities first.
 * - A PATCH that changes nothing writes nothing and answers the row as it is.
 */
export const COLLECTION_CASE = 'collectionCase';
export const CASE_STATUSES = ['open', 'closed'] as const;
type Row = Selectable<CollectionCasesTable>;
type Db = Kysely<Database>;

const Description = z.string().trim().min(1).max(1000);

export const CaseInput = z
  .strictObject({
    customerId: Id,
    categoryId: Id.openapi({ description: 'a case category of type collections' }),
    description: Description,
    ownerUserId: Id.nullish().openapi({ description: 'left out: the caller; null: nobody' }),
    transactionIds: TransactionIdList().default([]),
  })
  .openapi('CaseInput');
export type CaseInput = z.output<typeof CaseInput>;

export const CasePatch = z
  .strictObject({
    description: Description.optional(),
    ownerUserId: Id.nullable().optional(),
    categoryId: Id.optional(),
    status: z.enum(CASE_STATUSES).optional().openapi({ description: 'closed sets closedAt; open (reopening) clears it' }),
    transactionIds: TransactionIdList().optional().openapi({ description: 'replaces the linked set' }),
  })
  .openapi('CasePatch');
export type CasePatch = z.output<typeof CasePatch>;

export const CaseSchema = z
  .object({
    id: z.string().openapi({ example: 'CASE-0a1b2c3d4e' }),
    customerId: z.string(),
    categoryId: z.string(),
    status: z.enum(CASE_STATUSES),
    description: z.string(),
    ownerUserId: z.string().nullable(),
    openedAt: Timestamp,
    closedAt: Timestamp.nullable(),
    transactionIds: z.array(z.string()),
    activityIds: z.array(z.string()).openapi({ description: 'activities whose caseId is this case' }),
    createdBy: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('CollectionCase');
export type CaseJson = z.infer<typeof CaseSchema>;

export const CaseListQuery = {
  customerId: Id.optional(),
  status: z.enum(CASE_STATUSES).optional().openapi({ description: 'left out: every status' }),
};

function caseRowToJson(r: Row, transactionIds: string[], activityIds: string[]): CaseJson {
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
    const rows = await db.selectFrom('activities').select(['id', 'case_id']).where('case_id', 'in', caseIds.slice(i, i + 500)).execute();
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

const caseToJson = async (db: Db, row: Row): Promise<CaseJson> => (await casesToJson(db, [row]))[0]!;

/** The case, locked on PostgreSQL so concurrent changes to it queue up. */
async function lockCase(tx: Tx, id: string): Promise<Row | undefined> {
  const q = tx.db.selectFrom('collection_cases').selectAll().where('id', '=', id);
  return (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
}

/**
 * A case an activity links to must exist and belong to the activity's customer. Callers lock
 * the case first (beginCaseActivityChange, in id order) so a concurrent delete cannot slip in.
 */
export async function caseLinkErrors(tx: Tx, customerId: string, caseId: string | null | undefined, path = 'caseId'): Promise<ErrorDetail[]> {
  if (caseId === null || caseId === undefined) return [];
  const row = await tx.db.selectFrom('collection_cases').select('customer_id').where('id', '=', caseId).executeTakeFirst();
  if (!row) return [{ path, message: `case ${caseId} does not exist` }];
  if (row.customer_id !== customerId) return [{ path, message: `case ${caseId} belongs to customer ${row.customer_id}, not ${customerId}` }];
  return [];
}

/**
 * Records that the activities linked to these cases may change in this unit of work: it locks
 * each existing case (in id order, so two activities moving between the same cases cannot
 * deadlock) and reads it as it is; `finish` (after the activity writes) moves the version of
 * each case whose activityIds changed and logs it.
 */
export async function beginCaseActivityChange(tx: Tx, caseIds: Iterable<string | null | undefined>): Promise<{ finish(): Promise<void> }> {
  const befores: { row: Row; json: CaseJson }[] = [];
  for (const id of sortedIds([...caseIds].filter((c): c is string => typeof c === 'string'))) {
    const row = await lockCase(tx, id);
    if (row) befores.push({ row, json: await caseToJson(tx.db, row) });
  }
  return {
    async finish() {
      for (const { row, json: before } of befores) {
        const next: Row = { ...row, updated_at: tx.now, version: row.version + 1 };
        const after = await caseToJson(tx.db, next);
        if (sameIds(after.activityIds, before.activityIds)) continue;
        await tx.db.updateTable('collection_cases').set({ updated_at: next.updated_at, version: next.version }).where('id', '=', row.id).execute();
        tx.changed(COLLECTION_CASE, row.id, 'update', next.version, { action: `${COLLECTION_CASE}.activityLinks`, before, after });
      }
    },
  };
}

export async function createCase(tx: Tx, input: CaseInput): Promise<CaseJson> {
  await requireCustomer(tx, input.customerId);
  const ownerUserId = input.ownerUserId === undefined ? tx.actor.userId : input.ownerUserId;
  const errors = [
    ...(await caseCategoryErrors(tx, input.categoryId)),
    ...(await userErrors(tx.db, input.ownerUserId, 'ownerUserId')),
    ...(await transactionLinkErrors(tx.db, input.customerId, input.transactionIds)),
  ];
  refuseIf(errors, 'the case cannot be created');
  const row: Row = {
    id: newWorkId('CASE'),
    customer_id: input.customerId,
    category_id: input.categoryId,
    status: 'open',
    description: input.description,
    owner_user_id: ownerUserId,
    opened_at: tx.now,
    closed_at: null,
    created_by: tx.actor.userId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  await tx.db.insertInto('collection_cases').values(row).execute();
  await replaceTransactionLinks(tx.db, 'case_transactions', row.id, input.transactionIds);
  const json = caseRowToJson(row, sortedIds(input.transactionIds), []);
  tx.changed(COLLECTION_CASE, row.id, 'create', 1, { action: `${COLLECTION_CASE}.create`, after: json });
  return json;
}

async function requireLockedCase(tx: Tx, id: string): Promise<Row> {
  const row = await lockCase(tx, id);
  if (!row) throw notFound('case', id);
  return row;
}

export async function patchCase(tx: Tx, id: string, patch: CasePatch, ifMatch: number): Promise<CaseJson> {
  const existing = await requireLockedCase(tx, id);
  const before = await caseToJson(tx.db, existing);
  assertVersion(ifMatch, existing, before);
  const errors = [
    ...(patch.categoryId !== undefined && patch.categoryId !== existing.category_id ? await caseCategoryErrors(tx, patch.categoryId) : []),
    ...(patch.ownerUserId && patch.ownerUserId !== existing.owner_user_id ? await userErrors(tx.db, patch.ownerUserId, 'ownerUserId') : []),
    ...(patch.transactionIds ? await transactionLinkErrors(tx.db, existing.customer_id, patch.transactionIds) : []),
  ];
  refuseIf(errors, `case ${id} cannot be changed`);
  const status = patch.status ?? existing.status;
  const columns = {
    description: patch.description ?? existing.description,
    owner_user_id: patch.ownerUserId === undefined ? existing.owner_user_id : patch.ownerUserId,
    category_id: patch.categoryId ?? existing.category_id,
    status,
    closed_at: status === existing.status ? existing.closed_at : status === 'closed' ? tx.now : null,
  };
  const transactionIds = patch.transactionIds ? sortedIds(patch.transactionIds) : before.transactionIds;
  const linksChanged = !sameIds(transactionIds, before.transactionIds);
  const fieldsChanged = (Object.keys(columns) as (keyof typeof columns)[]).some((k) => columns[k] !== existing[k]);
  if (!linksChanged && !fieldsChanged) return before;
  const row: Row = { ...existing, ...columns, updated_at: tx.now, version: existing.version + 1 };
  await tx.db.updateTable('collection_cases').set({ ...columns, updated_at: row.updated_at, version: row.version }).where('id', '=', id).execute();
  if (linksChanged) await replaceTransactionLinks(tx.db, 'case_transactions', id, transactionIds);
  const json = caseRowToJson(row, transactionIds, before.activityIds);
  tx.changed(COLLECTION_CASE, id, 'update', row.version, { action: `${COLLECTION_CASE}.update`, before, after: json });
  return json;
}

export async function deleteCase(tx: Tx, id: string, ifMatch: number): Promise<CaseJson> {
  const existing = await requireLockedCase(tx, id);
  const before = await caseToJson(tx.db, existing);
  assertVersion(ifMatch, existing, before);
  if (before.activityIds.length) {
    throw ruleViolation(`case ${id} has ${before.activityIds.length} linked activit${before.activityIds.length === 1 ? 'y' : 'ies'} (${before.activityIds.join(', ')}); move or delete them first`);
  }
  await tx.db.deleteFrom('case_transactions').where('case_id', '=', id).execute();
  await tx.db.deleteFrom('collection_cases').where('id', '=', id).execute();
  tx.changed(COLLECTION_CASE, id, 'delete', existing.version + 1, { action: `${COLLECTION_CASE}.delete`, before, after: null });
  return { ...before, version: existing.version + 1 };
}

export async function getCase(db: Db, id: string): Promise<CaseJson> {
  const row = await db.selectFrom('collection_cases').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('case', id);
  return caseToJson(db, row);
}

export interface CaseListFilter {
  customerId?: string;
  status?: (typeof CASE_STATUSES)[number];
  since?: number;
  limit: number;
  after?: string;
}

/** One page of cases by id (`limit + 1` rows, for `page()`), already as the API answers them. */
export async function listCases(db: Db, q: CaseListFilter): Promise<CaseJson[]> {
  let query = db.selectFrom('collection_cases').selectAll().orderBy('id').limit(q.limit + 1);
  if (q.customerId !== undefined) query = query.where('customer_id', '=', q.customerId);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) => eb.selectFrom('changes').select('entity_id').where('entity', '=', COLLECTION_CASE).where('seq', '>', since));
  }
  return casesToJson(db, await query.execute());
}

/** Every case of one customer as the API answers them, newest first (the one-page customer view). */
export async function listCasesOfCustomer(db: Db, customerId: string): Promise<CaseJson[]> {
  const rows = await db.selectFrom('collection_cases').selectAll().where('customer_id', '=', customerId).orderBy('opened_at', 'desc').orderBy('id').execute();
  return casesToJson(db, rows);
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
