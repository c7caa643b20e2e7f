import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { requireCustomer } from '../../ledger/ledger.service';
import { notFound, ruleViolation, type ErrorDetail } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { lockRows } from '../../customers/customers.repository';
import { caseCategoryErrors } from './case-categories';
import {
  newWorkId,
  refuseIf,
  replaceTransactionLinks,
  sameIds,
  sortedIds,
  transactionLinkErrors,
  userErrors,
} from '../work/work.shared';
import {
  COLLECTION_CASE,
  caseRowToJson,
  caseRowsOfCustomer,
  casesToJson,
  customerOfCase,
  deleteCaseRow,
  findCase,
  insertCaseRow,
  listCaseRows,
  updateCase,
  type CaseListFilter,
  type CaseRow,
} from './cases.repository';
import type { CaseInput, CaseJson, CasePatch } from './cases.schema';

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
type Row = CaseRow;
type Db = Kysely<Database>;

const caseToJson = async (db: Db, row: Row): Promise<CaseJson> => (await casesToJson(db, [row]))[0]!;

/** The case, locked on PostgreSQL so concurrent changes to it queue up. */
const lockCase = (tx: Tx, id: string): Promise<Row | undefined> => findCase(tx.db, id, lockRows(tx));

/**
 * A case an activity links to must exist and belong to the activity's customer. Callers lock
 * the case first (beginCaseActivityChange, in id order) so a concurrent delete cannot slip in.
 */
export async function caseLinkErrors(
  tx: Tx,
  customerId: string,
  caseId: string | null | undefined,
  path = 'caseId',
): Promise<ErrorDetail[]> {
  if (caseId === null || caseId === undefined) return [];
  const owner = await customerOfCase(tx.db, caseId);
  if (owner === undefined) return [{ path, message: `case ${caseId} does not exist` }];
  if (owner !== customerId)
    return [{ path, message: `case ${caseId} belongs to customer ${owner}, not ${customerId}` }];
  return [];
}

/**
 * Records that the activities linked to these cases may change in this unit of work: it locks
 * each existing case (in id order, so two activities moving between the same cases cannot
 * deadlock) and reads it as it is; `finish` (after the activity writes) moves the version of
 * each case whose activityIds changed and logs it.
 */
export async function beginCaseActivityChange(
  tx: Tx,
  caseIds: Iterable<string | null | undefined>,
): Promise<{ finish(): Promise<void> }> {
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
        await updateCase(tx.db, row.id, { updated_at: next.updated_at, version: next.version });
        tx.changed(COLLECTION_CASE, row.id, 'update', next.version, {
          action: `${COLLECTION_CASE}.activityLinks`,
          before,
          after,
        });
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
  await insertCaseRow(tx.db, row);
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
    ...(patch.categoryId !== undefined && patch.categoryId !== existing.category_id
      ? await caseCategoryErrors(tx, patch.categoryId)
      : []),
    ...(patch.ownerUserId && patch.ownerUserId !== existing.owner_user_id
      ? await userErrors(tx.db, patch.ownerUserId, 'ownerUserId')
      : []),
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
  await updateCase(tx.db, id, { ...columns, updated_at: row.updated_at, version: row.version });
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
    throw ruleViolation(
      `case ${id} has ${before.activityIds.length} linked activit${before.activityIds.length === 1 ? 'y' : 'ies'} (${before.activityIds.join(', ')}); move or delete them first`,
    );
  }
  await deleteCaseRow(tx.db, id);
  tx.changed(COLLECTION_CASE, id, 'delete', existing.version + 1, {
    action: `${COLLECTION_CASE}.delete`,
    before,
    after: null,
  });
  return { ...before, version: existing.version + 1 };
}

export async function getCase(db: Db, id: string): Promise<CaseJson> {
  const row = await findCase(db, id);
  if (!row) throw notFound('case', id);
  return caseToJson(db, row);
}

/** One page of cases by id (`limit + 1` rows, for `page()`), already as the API answers them. */
export async function listCases(db: Db, q: CaseListFilter): Promise<CaseJson[]> {
  return casesToJson(db, await listCaseRows(db, q));
}

/** Every case of one customer as the API answers them, newest first (the one-page customer view). */
export async function listCasesOfCustomer(db: Db, customerId: string): Promise<CaseJson[]> {
  return casesToJson(db, await caseRowsOfCustomer(db, customerId));
}
