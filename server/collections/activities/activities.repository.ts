import type { Kysely, Selectable } from 'kysely';
import type { ActivitiesTable, Database } from '../../db/schema';
import { toBool } from '../../db/values';
import { linkedTransactionIds } from '../work/work.shared';
import type { ActivityJson } from './activities.schema';

export const ACTIVITY = 'activity';
export type ActivityRow = Selectable<ActivitiesTable>;
type Row = ActivityRow;
type Db = Kysely<Database>;

export function activityRowToJson(r: Row, transactionIds: string[]): ActivityJson {
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
  const links = await linkedTransactionIds(
    db,
    'activity_transactions',
    rows.map((r) => r.id),
  );
  return rows.map((r) => activityRowToJson(r, links.get(r.id) ?? []));
}

/** `lock` (PostgreSQL) takes the row lock, so a concurrent change waits and then sees this one's result. */
export function findActivity(db: Db, id: string, lock = false): Promise<Row | undefined> {
  const q = db.selectFrom('activities').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** The customer of an activity, or undefined when there is none with that id. */
export async function customerOfActivity(db: Db, id: string): Promise<string | undefined> {
  return (await db.selectFrom('activities').select('customer_id').where('id', '=', id).executeTakeFirst())?.customer_id;
}

export async function insertActivityRow(db: Db, row: Row): Promise<void> {
  await db.insertInto('activities').values(row).execute();
}

export async function updateActivity(db: Db, id: string, set: Partial<Row>): Promise<void> {
  await db.updateTable('activities').set(set).where('id', '=', id).execute();
}

/** Deletes an activity and its transaction links. */
export async function deleteActivityRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('activity_transactions').where('activity_id', '=', id).execute();
  await db.deleteFrom('activities').where('id', '=', id).execute();
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

/** One page of activity rows by id (`limit + 1` rows, for `page()`). */
export function listActivityRows(db: Db, q: ActivityListFilter): Promise<Row[]> {
  let query = db
    .selectFrom('activities')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.customerId !== undefined) query = query.where('customer_id', '=', q.customerId);
  if (q.caseId !== undefined) query = query.where('case_id', '=', q.caseId);
  if (q.responsibleUserId !== undefined) query = query.where('responsible_user_id', '=', q.responsibleUserId);
  if (q.status !== undefined) query = query.where('closed', '=', q.status === 'closed' ? 1 : 0);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', ACTIVITY).where('seq', '>', since),
    );
  }
  return query.execute();
}

export function activityRowsOfCustomer(db: Db, customerId: string): Promise<Row[]> {
  return db.selectFrom('activities').selectAll().where('customer_id', '=', customerId).execute();
}
