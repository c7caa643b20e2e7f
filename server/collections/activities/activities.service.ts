import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { fromBool, toBool } from '../../db/values';
import { requireCustomer } from '../../ledger/ledger.service';
import { notFound, type ErrorDetail } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { lockRows } from '../../customers/customers.repository';
import { beginCaseActivityChange, caseLinkErrors } from '../cases/cases.service';
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
  ACTIVITY,
  activitiesToJson,
  activityRowToJson,
  activityRowsOfCustomer,
  customerOfActivity,
  deleteActivityRow,
  findActivity,
  insertActivityRow,
  listActivityRows,
  updateActivity,
  type ActivityListFilter,
  type ActivityRow,
} from './activities.repository';
import type { ActivityInput, ActivityJson, ActivityPatch } from './activities.schema';

/**
 * Collections activities (collections.md §1.8): tasks (future work), actions (work done),
 * appointments (future meetings) and events (things that happened), on one customer, optionally
 * in one of its cases and about some of its transactions.
 *
 * Decisions:
 * - The id is the generated, immutable activity number `ACT-` + 10 hex digits.
 * - `responsibleUserId` left out on create means the caller; `null` means nobody. It must name
 *   an existing user (any role). `isCollectionsActivity` defaults to true (the activity is
 *   created through the collections API).
 * - An unknown `customerId` is a 404, as on sales orders and insurances. A linked case or
 *   transaction of another customer, an unknown case, transaction, user or `followUpOf`, and
 *   `endAt` before `startAt` are one 422 naming every offending field (`transactionIds.2`).
 * - `closed` may be set on create (an action or event recorded after the fact). Closing sets
 *   `closedAt`; reopening clears it. `percentComplete` is left as it is by closing.
 * - Closing with `followUp: {dueDate, subject?}` in the same PATCH (collections.md §1.8
 *   [assume]) creates, in the same transaction, a new open task for the same customer, case,
 *   transactions, responsible user, category and purpose, with `followUpOf` = the closed
 *   activity and the subject "Follow-up: <subject>" unless given. Any type may be followed up.
 *   The PATCH answers the closed activity with the new task under `followUp`.
 *   `followUp` without `closed: true` is a 400; on an activity that is already closed, a 422.
 * - `followUpOf` is history: deleting the activity it names leaves it as it is.
 * - An activity may link to a closed case (history is still recorded against it).
 * - `transactionIds` on PATCH replaces the whole set; the answer lists them sorted.
 * - A PATCH that changes nothing writes nothing and answers the row as it is.
 */
type Row = ActivityRow;
type Db = Kysely<Database>;

const FOLLOW_UP_PREFIX = 'Follow-up: ';

/** `endAt` must not be before `startAt` (both UTC ISO strings, so they compare as text). */
function windowErrors(startAt: string | null, endAt: string | null): ErrorDetail[] {
  return startAt !== null && endAt !== null && endAt < startAt
    ? [{ path: 'endAt', message: `must not be before startAt ${startAt}` }]
    : [];
}

async function followUpOfErrors(db: Db, customerId: string, id: string | null | undefined): Promise<ErrorDetail[]> {
  if (id === null || id === undefined) return [];
  const owner = await customerOfActivity(db, id);
  if (owner === undefined) return [{ path: 'followUpOf', message: `activity ${id} does not exist` }];
  return owner === customerId
    ? []
    : [{ path: 'followUpOf', message: `activity ${id} belongs to customer ${owner}, not ${customerId}` }];
}

async function insertActivity(tx: Tx, row: Row, transactionIds: readonly string[]): Promise<ActivityJson> {
  await insertActivityRow(tx.db, row);
  await replaceTransactionLinks(tx.db, 'activity_transactions', row.id, transactionIds);
  const json = activityRowToJson(row, sortedIds(transactionIds));
  tx.changed(ACTIVITY, row.id, 'create', 1, { action: `${ACTIVITY}.create`, after: json });
  return json;
}

export async function createActivity(tx: Tx, input: ActivityInput): Promise<ActivityJson> {
  await requireCustomer(tx, input.customerId);
  const startAt = input.startAt ?? null;
  const endAt = input.endAt ?? null;
  const cases = await beginCaseActivityChange(tx, [input.caseId]);
  const errors = [
    ...(await caseLinkErrors(tx, input.customerId, input.caseId)),
    ...(await transactionLinkErrors(tx.db, input.customerId, input.transactionIds)),
    ...(await userErrors(tx.db, input.responsibleUserId, 'responsibleUserId')),
    ...windowErrors(startAt, endAt),
    ...(await followUpOfErrors(tx.db, input.customerId, input.followUpOf)),
  ];
  refuseIf(errors, 'the activity cannot be created');
  const json = await insertActivity(
    tx,
    {
      id: newWorkId('ACT'),
      customer_id: input.customerId,
      case_id: input.caseId ?? null,
      type: input.type,
      subject: input.subject,
      category: input.category ?? null,
      purpose: input.purpose ?? null,
      responsible_user_id: input.responsibleUserId === undefined ? tx.actor.userId : input.responsibleUserId,
      start_at: startAt,
      end_at: endAt,
      due_date: input.dueDate ?? null,
      closed: fromBool(input.closed),
      closed_at: input.closed ? tx.now : null,
      percent_complete: input.percentComplete,
      notes: input.notes ?? null,
      is_collections: fromBool(input.isCollectionsActivity),
      follow_up_of: input.followUpOf ?? null,
      created_by: tx.actor.userId,
      created_at: tx.now,
      updated_at: tx.now,
      version: 1,
    },
    input.transactionIds,
  );
  await cases.finish();
  return json;
}

async function requireLockedActivity(tx: Tx, id: string): Promise<Row> {
  const row = await findActivity(tx.db, id, lockRows(tx));
  if (!row) throw notFound('activity', id);
  return row;
}

/** Applies a PATCH; closing with `followUp` also creates the follow-up task (same transaction). */
export async function patchActivity(
  tx: Tx,
  id: string,
  patch: ActivityPatch,
  ifMatch: number,
): Promise<ActivityJson & { followUp?: ActivityJson }> {
  const existing = await requireLockedActivity(tx, id);
  const [before] = await activitiesToJson(tx.db, [existing]);
  assertVersion(ifMatch, existing, before!);
  const customerId = existing.customer_id;
  const closing = patch.closed === true && !toBool(existing.closed);
  const columns = {
    subject: patch.subject ?? existing.subject,
    notes: patch.notes === undefined ? existing.notes : patch.notes,
    due_date: patch.dueDate === undefined ? existing.due_date : patch.dueDate,
    start_at: patch.startAt === undefined ? existing.start_at : patch.startAt,
    end_at: patch.endAt === undefined ? existing.end_at : patch.endAt,
    responsible_user_id: patch.responsibleUserId === undefined ? existing.responsible_user_id : patch.responsibleUserId,
    percent_complete: patch.percentComplete ?? existing.percent_complete,
    category: patch.category === undefined ? existing.category : patch.category,
    purpose: patch.purpose === undefined ? existing.purpose : patch.purpose,
    case_id: patch.caseId === undefined ? existing.case_id : patch.caseId,
    closed: patch.closed === undefined ? existing.closed : fromBool(patch.closed),
    closed_at:
      patch.closed === undefined || patch.closed === toBool(existing.closed)
        ? existing.closed_at
        : patch.closed
          ? tx.now
          : null,
  };
  const cases = await beginCaseActivityChange(tx, [existing.case_id, columns.case_id]);
  const errors = [
    ...(columns.case_id !== existing.case_id ? await caseLinkErrors(tx, customerId, columns.case_id) : []),
    ...(patch.transactionIds ? await transactionLinkErrors(tx.db, customerId, patch.transactionIds) : []),
    ...(columns.responsible_user_id !== existing.responsible_user_id
      ? await userErrors(tx.db, columns.responsible_user_id, 'responsibleUserId')
      : []),
    ...windowErrors(columns.start_at, columns.end_at),
    ...(patch.followUp && !closing
      ? [{ path: 'followUp', message: `activity ${id} is already closed; a follow-up is created when closing it` }]
      : []),
  ];
  refuseIf(errors, `activity ${id} cannot be changed`);

  const transactionIds = patch.transactionIds ? sortedIds(patch.transactionIds) : before!.transactionIds;
  const linksChanged = !sameIds(transactionIds, before!.transactionIds);
  const fieldsChanged = (Object.keys(columns) as (keyof typeof columns)[]).some((k) => columns[k] !== existing[k]);
  if (!linksChanged && !fieldsChanged) return before!;

  const row: Row = { ...existing, ...columns, updated_at: tx.now, version: existing.version + 1 };
  await updateActivity(tx.db, id, { ...columns, updated_at: row.updated_at, version: row.version });
  if (linksChanged) await replaceTransactionLinks(tx.db, 'activity_transactions', id, transactionIds);
  const json = activityRowToJson(row, transactionIds);
  tx.changed(ACTIVITY, id, 'update', row.version, {
    action: `${ACTIVITY}.${closing ? 'close' : 'update'}`,
    before,
    after: json,
  });

  let followUp: ActivityJson | undefined;
  if (patch.followUp && closing) {
    followUp = await insertActivity(
      tx,
      {
        id: newWorkId('ACT'),
        customer_id: customerId,
        case_id: row.case_id,
        type: 'task',
        subject: patch.followUp.subject ?? `${FOLLOW_UP_PREFIX}${row.subject}`.slice(0, 200),
        category: row.category,
        purpose: row.purpose,
        responsible_user_id: row.responsible_user_id,
        start_at: null,
        end_at: null,
        due_date: patch.followUp.dueDate,
        closed: 0,
        closed_at: null,
        percent_complete: 0,
        notes: null,
        is_collections: row.is_collections,
        follow_up_of: id,
        created_by: tx.actor.userId,
        created_at: tx.now,
        updated_at: tx.now,
        version: 1,
      },
      transactionIds,
    );
  }
  await cases.finish();
  return followUp ? { ...json, followUp } : json;
}

export async function deleteActivity(tx: Tx, id: string, ifMatch: number): Promise<ActivityJson> {
  const existing = await requireLockedActivity(tx, id);
  const [before] = await activitiesToJson(tx.db, [existing]);
  assertVersion(ifMatch, existing, before!);
  const cases = await beginCaseActivityChange(tx, [existing.case_id]);
  await deleteActivityRow(tx.db, id);
  tx.changed(ACTIVITY, id, 'delete', existing.version + 1, { action: `${ACTIVITY}.delete`, before, after: null });
  await cases.finish();
  return { ...before!, version: existing.version + 1 };
}

export async function getActivity(db: Db, id: string): Promise<ActivityJson> {
  const row = await findActivity(db, id);
  if (!row) throw notFound('activity', id);
  return (await activitiesToJson(db, [row]))[0]!;
}

/** One page of activities by id (`limit + 1` rows, for `page()`), already as the API answers them. */
export async function listActivities(db: Db, q: ActivityListFilter): Promise<ActivityJson[]> {
  return activitiesToJson(db, await listActivityRows(db, q));
}

/**
 * Every activity of one customer as the API answers them, for the one-page customer view:
 * open ones first, then by due date (none last), then newest first.
 */
export async function listActivitiesOfCustomer(db: Db, customerId: string): Promise<ActivityJson[]> {
  const rows = await activityRowsOfCustomer(db, customerId);
  const json = await activitiesToJson(db, rows);
  return json.sort(
    (a, b) =>
      Number(a.closed) - Number(b.closed) ||
      (a.dueDate ?? '9999-12-31').localeCompare(b.dueDate ?? '9999-12-31') ||
      b.createdAt.localeCompare(a.createdAt) ||
      a.id.localeCompare(b.id),
  );
}
