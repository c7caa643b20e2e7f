import type { Kysely, Selectable } from 'kysely';
import type { Database, HoldsTable } from '../../db/schema';
import { formatMoney } from '../../../shared/money';
import { toBigInt } from '../../db/values';
import type { HoldReason } from '../../../shared/credit/holds';

type Db = Kysely<Database>;
export type HoldRow = Selectable<HoldsTable>;

export const HOLD_STATUSES = ['onHold', 'pendingApproval', 'released', 'rejected', 'canceled'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

export interface PendingDecision {
  action: 'release' | 'reject';
  reasonCode: string;
  reviewDate?: string;
  mode?: 'withPosting' | 'withoutPosting';
  comment?: string | null;
  asOf?: string;
  requestedBy: string | null;
  requestedAt: string;
}

export function holdRowToHold(r: HoldRow) {
  return {
    id: r.id,
    salesOrderId: r.sales_order_id,
    customerId: r.customer_id,
    checkpoint: r.checkpoint,
    postingType: r.posting_type,
    heldAt: r.held_at,
    asOf: r.as_of,
    orderAmount: formatMoney(toBigInt(r.order_amount)),
    status: r.status as HoldStatus,
    summaryReason: r.summary_reason,
    reasons: JSON.parse(r.reasons) as HoldReason[],
    forced: r.forced === 1,
    releaseReasonCode: r.release_reason_code,
    reviewDate: r.review_date,
    releaseMode: r.release_mode,
    releasedBy: r.released_by,
    releasedAt: r.released_at,
    rejectReasonCode: r.reject_reason_code,
    comment: r.comment,
    rejectedBy: r.rejected_by,
    rejectedAt: r.rejected_at,
    pending: r.pending === null ? null : (JSON.parse(r.pending) as PendingDecision),
    version: r.version,
  };
}
export type Hold = ReturnType<typeof holdRowToHold>;

export function findHold(db: Db, id: string, lock = false): Promise<HoldRow | undefined> {
  const q = db.selectFrom('holds').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** The open hold of an order (on hold or waiting for approval), if any. */
export function findOpenHoldOfOrder(db: Db, salesOrderId: string): Promise<HoldRow | undefined> {
  return db
    .selectFrom('holds')
    .selectAll()
    .where('sales_order_id', '=', salesOrderId)
    .where('status', 'in', ['onHold', 'pendingApproval'])
    .executeTakeFirst();
}

export async function insertHold(db: Db, row: HoldRow): Promise<void> {
  await db.insertInto('holds').values(row).execute();
}

export async function updateHold(db: Db, row: HoldRow): Promise<void> {
  await db.updateTable('holds').set(row).where('id', '=', row.id).execute();
}

export function listHolds(
  db: Db,
  q: { status?: HoldStatus; customerId?: string; since?: number; limit: number; after?: string; ids?: string[] },
): Promise<HoldRow[]> {
  let query = db
    .selectFrom('holds')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.ids) query = query.where('id', 'in', q.ids.length ? q.ids : ['']);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', 'hold').where('seq', '>', since),
    );
  }
  return query.execute();
}
