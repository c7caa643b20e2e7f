import { z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import type { ActivitiesTable, Database } from '../db/schema';
import type { Tx } from '../db/transaction';
import { fromBool, toBool } from '../db/values';
import { requireCustomer } from '../ledger/ledger.service';
import { notFound, type ErrorDetail } from '../http/errors';
import { DateIn, DateOut, Id, LongText, ShortText, Timestamp } from '../http/schemas';
import { assertVersion } from '../http/versioning';
import { beginCaseActivityChange, caseLinkErrors } from './cases';
import { linkedTransactionIds, newWorkId, refuseIf, replaceTransactionLinks, sameIds, sortedIds, TimestampIn, transactionLinkErrors, TransactionIdList, userErrors } from './work.shared';

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
export const ACTIVITY = 'activity';
export const ACTIVITY_TYPES = ['task', 'action', 'appointment', 'event'] as const;
type Row = Selectable<ActivitiesTable>;
type Db = Kysely<Database>;

const Subject = z.string().trim().min(1).max(200);
const Percent = z.number().int().min(0).max(100).openapi({ description: '0–100' });
const FOLLOW_UP_PREFIX = 'Follow-up: ';

export const ActivityInput = z
  .strictObject({
    customerId: Id,
    type: z.enum(ACTIVITY_TYPES).openapi({ description: 'task: future work; action: work done; appointment: a future meeting; event: something that happened' }),
    subject: Subject,
    caseId: Id.nullish().openapi({ description: 'a case of the same customer' }),
    transactionIds: TransactionIdList().default([]).openapi({ description: 'transactions of the same customer' }),
    category: ShortText.nullish(),
    purpose: ShortText.nullish(),
    responsibleUserId: Id.nullish().openapi({ description: 'left out: the caller; null: nobody' }),
    startAt: TimestampIn.nullish(),
    endAt: TimestampIn.nullish().openapi({ description: 'not before startAt' }),
    dueDate: DateIn.nullish(),
    closed: z.boolean().default(false),
    percentComplete: Percent.default(0),
    notes: LongText.nullish(),
    isCollectionsActivity: z.boolean().default(true),
    followUpOf: Id.nullish().openapi({ description: 'the activity of the same customer this one follows up' }),
  })
  .openapi('ActivityInput');
export type ActivityInput = z.output<typeof ActivityInput>;

export const ActivityPatch = z
  .strictObject({
    subject: Subject.optional(),
    notes: LongText.nullable().optional(),
    dueDate: DateIn.nullable().optional(),
    startAt: TimestampIn.nullable().optional(),
    endAt: TimestampIn.nullable().optional(),
    responsibleUserId: Id.nullable().optional(),
    percentComplete: Percent.optional(),
    category: ShortText.nullable().optional(),
    purpose: ShortText.nullable().optional(),
    caseId: Id.nullable().optional(),
    transactionIds: TransactionIdList().optional().openapi({ description: 'replaces the linked set' }),
    closed: z.boolean().optional().openapi({ description: 'true closes (sets closedAt), false reopens (clears it)' }),
    followUp: z
      .strictObject({ dueDate: DateIn, subject: Subject.optional() })
      .optional()
      .openapi({ description: 'with closed: true, creates a follow-up task in the same transaction' }),
  })
  .superRefine((v, ctx) => {
    if (v.followUp && v.closed !== true) ctx.addIssue({ code: 'custom', path: ['followUp'], message: 'a follow-up is created when closing: send closed: true with it' });
  })
  .openapi('ActivityPatch');
export type ActivityPatch = z.output<typeof ActivityPatch>;

export const ActivitySchema = z
  .object({
    id: z.string().openapi({ example: 'ACT-0a1b2c3d4e' }),
    customerId: z.string(),
    caseId: z.string().nullable(),
    transactionIds: z.array(z.string()),
    type: z.enum(ACTIVITY_TYPES),
    subject: z.string(),
    category: z.string().nullable(),
    purpose: z.string().nullable(),
    responsibleUserId: z.string().nullable(),
    startAt: Timestamp.nullable(),
    endAt: Timestamp.nullable(),
    dueDate: DateOut.nullable(),
    closed: z.boolean(),
    closedAt: Timestamp.nullable(),
    percentComplete: z.number().int(),
    notes: z.string().nullable(),
    isCollectionsActivity: z.boolean(),
    followUpOf: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Activity');
export type ActivityJson = z.infer<typeof ActivitySchema>;

export const ActivityPatchResult = ActivitySchema.extend({ followUp: ActivitySchema.optional().openapi({ description: 'the follow-up task created by this change' }) }).openapi('ActivityPatchResult');

export const ActivityListQuery = {
  customerId: Id.optional(),
  caseId: Id.optional(),
  responsibleUserId: Id.optional(),
  status: z.enum(['open', 'closed']).optional().openapi({ description: 'left out: open and closed' }),
};

function activityRowToJson(r: Row, transactionIds: string[]): ActivityJson {
  return {
    id: r.id,
    customerId: r.customer_id,
    caseId: r.case_id,
    transactionIds,
    type: r.type as ActivityJson['type'],
    subject: r.subject,
    category: r.category,
    purpose: r.purpose,
    responsibleUserId: r.responsible_user_id,
    startAt: r.start_at,
    endAt: r.end_at,
    dueDate: r.due_date,
    closed: toBool(r.closed),
    closedAt: r.closed_at,
    percentComplete: r.percent_complete,
    notes: r.notes,
    isCollectionsActivity: toBool(r.is_collections),
    followUpOf: r.follow_up_of,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** The API answer for a page of activity rows (one link query per page, not per row). */
export async function activitiesToJson(db: Db, rows: Row[]): Promise<ActivityJson[]> {
  const links = await linkedTransactionIds(db, 'activity_transactions', rows.map((r) => r.id));
  return rows.map((r) => activityRowToJson(r, links.get(r.id) ?? []));
}

/** `endAt` must not be before `startAt` (both UTC ISO strings, so they compare as text). */
function windowErrors(startAt: string | null, endAt: string | null): ErrorDetail[] {
  return startAt !== null && endAt !== null && endAt < startAt ? [{ path: 'endAt', message: `must not be before startAt ${startAt}` }] : [];
}

async function followUpOfErrors(db: Db, customerId: string, id: string | null | undefined): Promise<ErrorDetail[]> {
  if (id === null || id === undefined) return [];
  const row = await db.selectFrom('activities').select('customer_id').where('id', '=', id).executeTakeFirst();
  if (!row) return [{ path: 'followUpOf', message: `activity ${id} does not exist` }];
  return row.customer_id === customerId ? [] : [{ path: 'followUpOf', message: `activity ${id} belongs to customer ${row.customer_id}, not ${customerId}` }];
}

async function insertActivity(tx: Tx, row: Row, transactionIds: readonly string[]): Promise<ActivityJson> {
  await tx.db.insertInto('activities').values(row).execute();
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
  const q = tx.db.selectFrom('activities').selectAll().where('id', '=', id);
  const row = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw notFound('activity', id);
  return row;
}

/** Applies a PATCH; closing with `followUp` also creates the follow-up task (same transaction). */
export async function patchActivity(tx: Tx, id: string, patch: ActivityPatch, ifMatch: number): Promise<ActivityJson & { followUp?: ActivityJson }> {
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
    closed_at: patch.closed === undefined || patch.closed === toBool(existing.closed) ? existing.closed_at : patch.closed ? tx.now : null,
  };
  const cases = await beginCaseActivityChange(tx, [existing.case_id, columns.case_id]);
  const errors = [
    ...(columns.case_id !== existing.case_id ? await caseLinkErrors(tx, customerId, columns.case_id) : []),
    ...(patch.transactionIds ? await transactionLinkErrors(tx.db, customerId, patch.transactionIds) : []),
    ...(columns.responsible_user_id !== existing.responsible_user_id ? await userErrors(tx.db, columns.responsible_user_id, 'responsibleUserId') : []),
    ...windowErrors(columns.start_at, columns.end_at),
    ...(patch.followUp && !closing ? [{ path: 'followUp', message: `activity ${id} is already closed; a follow-up is created when closing it` }] : []),
  ];
  refuseIf(errors, `activity ${id} cannot be changed`);

  const transactionIds = patch.transactionIds ? sortedIds(patch.transactionIds) : before!.transactionIds;
  const linksChanged = !sameIds(transactionIds, before!.transactionIds);
  const fieldsChanged = (Object.keys(columns) as (keyof typeof columns)[]).some((k) => columns[k] !== existing[k]);
  if (!linksChanged && !fieldsChanged) return before!;

  const row: Row = { ...existing, ...columns, updated_at: tx.now, version: existing.version + 1 };
  await tx.db.updateTable('activities').set({ ...columns, updated_at: row.updated_at, version: row.version }).where('id', '=', id).execute();
  if (linksChanged) await replaceTransactionLinks(tx.db, 'activity_transactions', id, transactionIds);
  const json = activityRowToJson(row, transactionIds);
  tx.changed(ACTIVITY, id, 'update', row.version, { action: `${ACTIVITY}.${closing ? 'close' : 'update'}`, before, after: json });

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
  await tx.db.deleteFrom('activity_transactions').where('activity_id', '=', id).execute();
  await tx.db.deleteFrom('activities').where('id', '=', id).execute();
  tx.changed(ACTIVITY, id, 'delete', existing.version + 1, { action: `${ACTIVITY}.delete`, before, after: null });
  await cases.finish();
  return { ...before!, version: existing.version + 1 };
}

export async function getActivity(db: Db, id: string): Promise<ActivityJson> {
  const row = await db.selectFrom('activities').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('activity', id);
  return (await activitiesToJson(db, [row]))[0]!;
}

export interface ActivityListFilter {
  customerId?: string;
  caseId?: string;
  responsibleUserId?: string;
  status?: 'open' | 'closed';
  since?: number;
  limit: number;
  after?: string;
}

/** One page of activities by id (`limit + 1` rows, for `page()`), already as the API answers them. */
export async function listActivities(db: Db, q: ActivityListFilter): Promise<ActivityJson[]> {
  let query = db.selectFrom('activities').selectAll().orderBy('id').limit(q.limit + 1);
  if (q.customerId !== undefined) query = query.where('customer_id', '=', q.customerId);
  if (q.caseId !== undefined) query = query.where('case_id', '=', q.caseId);
  if (q.responsibleUserId !== undefined) query = query.where('responsible_user_id', '=', q.responsibleUserId);
  if (q.status !== undefined) query = query.where('closed', '=', q.status === 'closed' ? 1 : 0);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) => eb.selectFrom('changes').select('entity_id').where('entity', '=', ACTIVITY).where('seq', '>', since));
  }
  return activitiesToJson(db, await query.execute());
}

/**
 * Every activity of one customer as the API answers them, for the one-page customer view:
 * open ones first, then by due date (none last), then newest first.
 */
export async function listActivitiesOfCustomer(db: Db, customerId: string): Promise<ActivityJson[]> {
  const rows = await db.selectFrom('activities').selectAll().where('customer_id', '=', customerId).execute();
  const json = await activitiesToJson(db, rows);
  return json.sort((a, b) => Number(a.closed) - Number(b.closed) || (a.dueDate ?? '9999-12-31').localeCompare(b.dueDate ?? '9999-12-31') || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}
