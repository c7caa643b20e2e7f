import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, HoldsTable } from '../../db/schema';
import { formatMoney } from '../../../shared/money';
import { toBigInt } from '../../db/values';
import type { HoldReason } from '../../../shared/credit/holds';

type Db = Kysely<Database>;
/**
 * A hold with the currency of its order amount: its order's, read with it (a hold keeps no
 * currency of its own; an order's currency never changes).
 */
export type HoldRow = Selectable<HoldsTable> & { currency: string };

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
    currency: r.currency,
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

/** Holds with their order's currency (a subquery, so a `for update` locks the hold row only). */
const selectHolds = (db: Db) =>
  db
    .selectFrom('holds')
    .selectAll('holds')
    .select(sql<string>`(select o.currency from sales_orders o where o.id = holds.sales_order_id)`.as('currency'));

export function findHold(db: Db, id: string, lock = false): Promise<HoldRow | undefined> {
  const q = selectHolds(db).where('holds.id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** The open hold of an order (on hold or waiting for approval), if any. */
export function findOpenHoldOfOrder(db: Db, salesOrderId: string): Promise<HoldRow | undefined> {
  return selectHolds(db)
    .where('holds.sales_order_id', '=', salesOrderId)
    .where('holds.status', 'in', ['onHold', 'pendingApproval'])
    .executeTakeFirst();
}

/** The stored columns of a hold (its currency is its order's). */
const stored = ({ currency: _currency, ...row }: HoldRow): Selectable<HoldsTable> => row;

export async function insertHold(db: Db, row: HoldRow): Promise<void> {
  await db.insertInto('holds').values(stored(row)).execute();
}

export async function updateHold(db: Db, row: HoldRow): Promise<void> {
  await db.updateTable('holds').set(stored(row)).where('id', '=', row.id).execute();
}

export function listHolds(
  db: Db,
  q: { status?: HoldStatus; customerId?: string; since?: number; limit: number; after?: string; ids?: string[] },
): Promise<HoldRow[]> {
  let query = selectHolds(db)
    .orderBy('holds.id')
    .limit(q.limit + 1);
  if (q.status) query = query.where('holds.status', '=', q.status);
  if (q.customerId) query = query.where('holds.customer_id', '=', q.customerId);
  if (q.ids) query = query.where('holds.id', 'in', q.ids.length ? q.ids : ['']);
  if (q.after !== undefined) query = query.where('holds.id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('holds.id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', 'hold').where('seq', '>', since),
    );
  }
  return query.execute();
}
