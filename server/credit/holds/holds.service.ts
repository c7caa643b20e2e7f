import { randomBytes } from 'node:crypto';
import type { Tx } from '../../db/transaction';
import { notFound, ruleViolation } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { toBigInt } from '../../db/values';
import { evaluateCreditCheck, summaryReason } from '../../../shared/credit/blocking-rules';
import { mustCheck, type Checkpoint, type PostingType } from '../../../shared/credit/checkpoints';
import type { CreditCheckResult } from '../../../shared/credit/types';
import { holdReasonOf, mergeHoldReasons, type HoldReason } from '../../../shared/credit/holds';
import {
  findSalesOrder,
  salesOrderRowToSalesOrder,
  saveSalesOrder,
  type SalesOrderRow,
} from '../../sales-orders/sales-orders.repository';
import { applyPosting, refusePosting, SALES_ORDER } from '../../sales-orders/sales-orders.service';
import { loadCreditInput } from '../credit-check/credit-input';
import { getCheckpoints, getParameters } from '../parameters/parameters.service';
import { requireReasonCode } from '../setup/setup.kinds';
import {
  findHold,
  findOpenHoldOfOrder,
  holdRowToHold,
  insertHold,
  updateHold,
  type Hold,
  type HoldRow,
  type PendingDecision,
} from './holds.repository';

const HOLD = 'hold';

const remaining = (o: SalesOrderRow) => toBigInt(o.amount) - toBigInt(o.invoiced_amount);

/** Runs the credit check of an order as it stands now (same function as /credit-check and the add-in). */
async function checkOrder(tx: Tx, order: SalesOrderRow, asOf: string): Promise<CreditCheckResult> {
  const input = await loadCreditInput(tx, {
    customerId: order.customer_id,
    asOf,
    excludeOrderId: order.id,
    orderCurrency: order.currency,
    order: {
      amount: remaining(order),
      paymentTermsId: order.payment_terms_id,
      cashDiscountId: order.cash_discount_id,
      excludeFromCreditManagement: order.exclude_from_credit_management === 1,
    },
  });
  return evaluateCreditCheck(input);
}

const reasonsOf = (result: CreditCheckResult): HoldReason[] => result.reasons.map(holdReasonOf);

async function saveOrderCredit(
  tx: Tx,
  order: SalesOrderRow,
  patch: Partial<SalesOrderRow>,
  action: string,
): Promise<SalesOrderRow> {
  const row: SalesOrderRow = { ...order, ...patch, updated_at: tx.now, version: order.version + 1 };
  await saveSalesOrder(tx.db, row, false);
  tx.changed(SALES_ORDER, order.id, 'update', row.version, {
    action,
    before: salesOrderRowToSalesOrder(order),
    after: salesOrderRowToSalesOrder(row),
  });
  return row;
}

async function createHold(
  tx: Tx,
  order: SalesOrderRow,
  fields: {
    checkpoint: Checkpoint | null;
    postingType: PostingType | null;
    asOf: string;
    reasons: HoldReason[];
    forced: boolean;
  },
): Promise<Hold> {
  const row: HoldRow = {
    id: `H-${randomBytes(5).toString('hex')}`,
    sales_order_id: order.id,
    customer_id: order.customer_id,
    checkpoint: fields.checkpoint,
    posting_type: fields.postingType,
    held_at: tx.now,
    as_of: fields.asOf,
    order_amount: remaining(order),
    currency: order.currency,
    status: 'onHold',
    summary_reason: summaryReason(fields.reasons) ?? 'forcedHold',
    reasons: JSON.stringify(fields.reasons),
    forced: fields.forced ? 1 : 0,
    release_reason_code: null,
    review_date: null,
    release_mode: null,
    released_by: null,
    released_at: null,
    reject_reason_code: null,
    comment: null,
    rejected_by: null,
    rejected_at: null,
    pending: null,
    version: 1,
  };
  await insertHold(tx.db, row);
  const hold = holdRowToHold(row);
  tx.changed(HOLD, row.id, 'create', 1, { action: fields.forced ? 'hold.force' : 'hold.create', after: hold });
  await saveOrderCredit(tx, order, { credit_status: 'onHold' }, 'salesOrder.hold');
  return hold;
}

/**
 * The credit gate of sales-order posting (credit.md §4.6, §4.7): refuses postings of held or
 * rejected orders, runs the rules on selected checkpoints outside the grace window, and on a
 * failed check records the hold instead of posting. The hold commits with the answer. Posting
 * calls it explicitly (server/sales-orders/order-flow.ts), before the posting's effect.
 */
export async function creditGate(
  tx: Tx,
  order: SalesOrderRow,
  posting: { checkpoint: Checkpoint; postingType: PostingType; asOf: string },
) {
  if (order.credit_status === 'onHold')
    throw ruleViolation(`sales order ${order.id} is on credit hold; release the hold first`);
  if (order.credit_status === 'rejected')
    throw ruleViolation(`sales order ${order.id} was rejected by credit management and cannot be posted`);
  const [setup, params] = await Promise.all([getCheckpoints(tx), getParameters(tx)]);
  const releasedAmount = order.released_amount === null ? null : toBigInt(order.released_amount);
  const valueIncreasedSinceRelease = releasedAmount !== null && toBigInt(order.amount) > releasedAmount;
  const lastPass =
    order.last_pass_checkpoint && order.last_pass_date
      ? { checkpoint: order.last_pass_checkpoint as Checkpoint, date: order.last_pass_date }
      : null;
  if (
    !mustCheck({
      setup,
      ...posting,
      lastPass,
      valueIncreasedSinceRelease,
      recheckAfterReleaseWhenValueIncreased: params.values.recheckAfterReleaseWhenValueIncreased,
    })
  ) {
    return { held: false as const };
  }
  await lockCreditScope(tx, order.customer_id);
  const result = await checkOrder(tx, order, posting.asOf);
  if (result.held) {
    const hold = await createHold(tx, order, { ...posting, reasons: reasonsOf(result), forced: false });
    return { held: true as const, hold };
  }
  // A passed check opens a grace window; a passed recheck after a release closes the "grew" watch.
  // The window counts from the posting date, but never from one ahead of today: a posting dated
  // 2099-12-31 must not let every later posting skip the check.
  if (result.checked && posting.postingType === 'posting') {
    const today = tx.today;
    const passed = posting.asOf > today ? today : posting.asOf;
    const saved = await saveOrderCredit(
      tx,
      order,
      { last_pass_checkpoint: posting.checkpoint, last_pass_date: passed, released_amount: null },
      'salesOrder.creditCheckPassed',
    );
    // A recheck of an order that grew after its release passed: record the "modified order" release reason (§4.7).
    if (valueIncreasedSinceRelease && params.values.modifiedOrderReleaseReasonCode) {
      tx.audit({
        action: 'salesOrder.modifiedOrderReleased',
        entity: SALES_ORDER,
        entityId: order.id,
        after: salesOrderRowToSalesOrder(saved),
        reason: params.values.modifiedOrderReleaseReasonCode,
      });
    }
  }
  return { held: false as const };
}

/**
 * Serializes check-and-record per credit group and customer (SPEC §8). SQLite runs one writer at a
 * time already; on PostgreSQL the group row, then the customer row, is locked until commit (the
 * same order as credit-group changes take them, so the two never deadlock).
 */
async function lockCreditScope(tx: Tx, customerId: string): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  const member = await tx.db
    .selectFrom('credit_group_members')
    .select('credit_group_id')
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (member)
    await tx.db.selectFrom('credit_groups').select('id').where('id', '=', member.credit_group_id).forUpdate().execute();
  await tx.db.selectFrom('customers').select('id').where('id', '=', customerId).forUpdate().execute();
}

/** An order canceled while on hold leaves the hold list as `canceled` (credit.md §5), with the parameters' canceled-order reason as its reject reason. */
export async function cancelHoldOfOrder(tx: Tx, orderId: string): Promise<void> {
  const hold = await findOpenHoldOfOrder(tx.db, orderId);
  if (!hold) return;
  const reason = (await getParameters(tx)).values.canceledOrderReasonCode;
  await saveHold(
    tx,
    hold,
    {
      status: 'canceled',
      pending: null,
      reject_reason_code: reason,
      rejected_by: tx.actor.userId,
      rejected_at: tx.now,
      comment: 'sales order canceled',
    },
    'hold.cancel',
    reason ?? 'sales order canceled',
  );
}

async function lockHold(tx: Tx, id: string): Promise<HoldRow> {
  const row = await findHold(tx.db, id, tx.dialect === 'postgres');
  if (!row) throw notFound('hold', id);
  return row;
}

async function lockOrder(tx: Tx, id: string): Promise<SalesOrderRow> {
  const row = await findSalesOrder(tx.db, id, tx.dialect === 'postgres');
  if (!row) throw notFound('sales order', id);
  return row;
}

async function saveHold(
  tx: Tx,
  before: HoldRow,
  patch: Partial<HoldRow>,
  action: string,
  reason?: string | null,
): Promise<Hold> {
  const row: HoldRow = { ...before, ...patch, version: before.version + 1 };
  await updateHold(tx.db, row);
  const hold = holdRowToHold(row);
  tx.changed(HOLD, row.id, 'update', row.version, {
    action,
    before: holdRowToHold(before),
    after: hold,
    reason: reason ?? null,
  });
  return hold;
}

export interface ReleaseInput {
  reasonCode: string;
  reviewDate: string;
  mode: 'withPosting' | 'withoutPosting';
  asOf?: string;
  /** Why (kept on the hold and in the audit trail beside the reason code). */
  comment?: string | null;
}

export interface RejectInput {
  reasonCode: string;
  comment?: string | null;
}

const MANAGERS = ['credit_manager'];
const needsApproval = async (tx: Tx) =>
  (await getParameters(tx)).values.requireReleaseApproval && !MANAGERS.includes(tx.actor.role);

/** Clears the hold and opens the grace window; with posting, runs the posting that was blocked. */
async function performRelease(tx: Tx, hold: HoldRow, input: ReleaseInput, requestedBy: string | null) {
  const asOf = input.asOf ?? tx.today;
  const saved = await saveHold(
    tx,
    hold,
    {
      status: 'released',
      release_reason_code: input.reasonCode,
      review_date: input.reviewDate,
      release_mode: input.mode,
      released_by: requestedBy ?? tx.actor.userId,
      released_at: tx.now,
      comment: input.comment ?? null,
      pending: null,
    },
    'hold.release',
    input.comment ?? input.reasonCode,
  );
  const order = await lockOrder(tx, hold.sales_order_id);
  const cleared = await saveOrderCredit(
    tx,
    order,
    {
      credit_status: 'clear',
      last_pass_checkpoint: hold.checkpoint ?? order.last_pass_checkpoint,
      last_pass_date: hold.checkpoint ? asOf : order.last_pass_date,
      released_amount: order.amount,
    },
    'salesOrder.release',
  );
  let posting: unknown;
  if (input.mode === 'withPosting' && hold.checkpoint && hold.posting_type && cleared.status === 'open') {
    // The posting the hold blocked, without a new check (the release is the decision); whatever
    // refuses any posting (an account status hold) still refuses it.
    const blocked = { checkpoint: hold.checkpoint as Checkpoint, postingType: hold.posting_type as PostingType, asOf };
    await refusePosting(tx, cleared, blocked);
    posting = await applyPosting(tx, cleared, blocked);
  }
  return { hold: saved, ...(posting ? { posting } : {}) };
}

async function performReject(tx: Tx, hold: HoldRow, input: RejectInput, requestedBy: string | null) {
  const saved = await saveHold(
    tx,
    hold,
    {
      status: 'rejected',
      reject_reason_code: input.reasonCode,
      comment: input.comment ?? null,
      rejected_by: requestedBy ?? tx.actor.userId,
      rejected_at: tx.now,
      pending: null,
    },
    'hold.reject',
    input.comment ?? input.reasonCode,
  );
  const order = await lockOrder(tx, hold.sales_order_id);
  await saveOrderCredit(tx, order, { credit_status: 'rejected' }, 'salesOrder.reject');
  return { hold: saved };
}

function requireOnHold(hold: HoldRow, doing: string): void {
  if (hold.status !== 'onHold')
    throw ruleViolation(`hold ${hold.id} is ${hold.status}; only a hold that is on hold can be ${doing}`);
}

/** Today, after refusing an `asOf` later than today (a release or an evaluation dated ahead would open a grace window in the future). */
export function notInFuture(tx: Pick<Tx, 'today'>, asOf: string | undefined): string {
  const today = tx.today;
  if (asOf !== undefined && asOf > today)
    throw ruleViolation(`a release or evaluation cannot be dated in the future (today is ${today})`, [
      { path: 'asOf', message: `must be ${today} or earlier` },
    ]);
  return today;
}

/**
 * The date a release counts from (credit.md §4.6): it opens the grace window of the hold's
 * checkpoint, and a release with posting posts on it. Default today. Never in the future: a
 * release dated 2099-12-31 would let every later posting of the order skip the check for decades.
 * Never before the hold it releases (the hold's own date, `asOf` of the posting that was held):
 * the ERP dates its postings, and a decision dated on that posting's day is what lines the grace
 * window up with them (the worked examples of credit.md §8 run on dated postings), while one
 * dated earlier would release something that did not exist yet. Decision recorded in the README.
 */
function releaseDate(tx: Pick<Tx, 'today'>, hold: Pick<HoldRow, 'as_of'>, asOf: string | undefined): string {
  const today = notInFuture(tx, asOf);
  if (asOf === undefined) return today;
  if (asOf < hold.as_of)
    throw ruleViolation(`a release cannot be dated before the hold it releases (held as of ${hold.as_of})`, [
      { path: 'asOf', message: `must be ${hold.as_of} or later` },
    ]);
  return asOf;
}

/** Release (credit.md §5): a clerk's release waits for a manager when release approval is on. */
export async function releaseHold(tx: Tx, id: string, input: ReleaseInput, ifMatch: number) {
  const hold = await lockHold(tx, id);
  assertVersion(ifMatch, hold, holdRowToHold(hold));
  requireOnHold(hold, 'released');
  await requireReasonCode(tx, input.reasonCode, 'release');
  input = { ...input, asOf: releaseDate(tx, hold, input.asOf) };
  if (await needsApproval(tx)) {
    const pending: PendingDecision = { action: 'release', ...input, requestedBy: tx.actor.userId, requestedAt: tx.now };
    return {
      hold: await saveHold(
        tx,
        hold,
        { status: 'pendingApproval', pending: JSON.stringify(pending) },
        'hold.requestRelease',
        input.reasonCode,
      ),
    };
  }
  return performRelease(tx, hold, input, null);
}

export async function rejectHold(tx: Tx, id: string, input: RejectInput, ifMatch: number) {
  const hold = await lockHold(tx, id);
  assertVersion(ifMatch, hold, holdRowToHold(hold));
  requireOnHold(hold, 'rejected');
  await requireReasonCode(tx, input.reasonCode, 'reject');
  if (await needsApproval(tx)) {
    const pending: PendingDecision = {
      action: 'reject',
      reasonCode: input.reasonCode,
      comment: input.comment ?? null,
      requestedBy: tx.actor.userId,
      requestedAt: tx.now,
    };
    return {
      hold: await saveHold(
        tx,
        hold,
        { status: 'pendingApproval', pending: JSON.stringify(pending) },
        'hold.requestReject',
        input.reasonCode,
      ),
    };
  }
  return performReject(tx, hold, input, null);
}

/** A credit manager approves the pending release or reject; never the person who asked (four eyes). */
export async function approveHold(tx: Tx, id: string, ifMatch: number) {
  const hold = await lockHold(tx, id);
  assertVersion(ifMatch, hold, holdRowToHold(hold));
  if (hold.status !== 'pendingApproval' || !hold.pending)
    throw ruleViolation(`hold ${id} is ${hold.status}; only a pending decision can be approved`);
  const pending = JSON.parse(hold.pending) as PendingDecision;
  if (pending.requestedBy === tx.actor.userId)
    throw ruleViolation('nobody approves their own request: another credit manager must approve it');
  return pending.action === 'release'
    ? performRelease(
        tx,
        hold,
        {
          reasonCode: pending.reasonCode,
          reviewDate: pending.reviewDate!,
          mode: pending.mode ?? 'withoutPosting',
          asOf: pending.asOf,
          comment: pending.comment ?? null,
        },
        pending.requestedBy,
      )
    : performReject(
        tx,
        hold,
        { reasonCode: pending.reasonCode, comment: pending.comment ?? null },
        pending.requestedBy,
      );
}

/** A credit manager sends a pending decision back: the hold is on hold again. */
export async function declineHold(tx: Tx, id: string, comment: string | null, ifMatch: number) {
  const hold = await lockHold(tx, id);
  assertVersion(ifMatch, hold, holdRowToHold(hold));
  if (hold.status !== 'pendingApproval')
    throw ruleViolation(`hold ${id} is ${hold.status}; only a pending decision can be declined`);
  return { hold: await saveHold(tx, hold, { status: 'onHold', pending: null, comment }, 'hold.decline', comment) };
}

/** Force a hold on an open order with a forced-hold reason (§5); it never auto-releases. */
export async function forceHold(tx: Tx, orderId: string, reasonCode: string, asOf?: string): Promise<Hold> {
  const order = await lockOrder(tx, orderId);
  if (order.status !== 'open')
    throw ruleViolation(`sales order ${orderId} is ${order.status}; only open orders can be held`);
  if (order.credit_status === 'onHold') throw ruleViolation(`sales order ${orderId} is already on credit hold`);
  // Releasing a forced hold clears the order; on a rejected order that would undo the rejection (§5).
  if (order.credit_status === 'rejected')
    throw ruleViolation(`sales order ${orderId} was rejected by credit management; it cannot be held again`);
  await requireReasonCode(tx, reasonCode, 'forcedHold');
  const reasons: HoldReason[] = [
    {
      ruleType: 'forcedHold',
      ruleId: null,
      active: true,
      measured: reasonCode,
      threshold: '',
      explanation: `held by hand with reason ${reasonCode}`,
    },
  ];
  return createHold(tx, order, { checkpoint: null, postingType: null, asOf: asOf ?? tx.today, reasons, forced: true });
}

/**
 * Evaluate for release (§5): re-runs the rules for a held order, marks reasons that no longer
 * hold inactive (and adds any new one), adds "ready to release" when no rule reason is left, and
 * auto-releases per the parameter. Forced holds show ready to release but stay on hold.
 */
export async function evaluateHold(tx: Tx, id: string, asOf?: string) {
  const hold = await lockHold(tx, id);
  if (hold.status !== 'onHold') return { hold: holdRowToHold(hold), readyToRelease: false, autoReleased: false };
  const order = await lockOrder(tx, hold.sales_order_id);
  // Evaluated as of `asOf` (never a future date); an auto-release counts from it, or from the
  // hold's own date when that is later (a release never predates its hold: see releaseDate).
  const date = asOf ?? notInFuture(tx, undefined);
  notInFuture(tx, asOf);
  const result = await checkOrder(tx, order, date);
  const { reasons, ready } = mergeHoldReasons(JSON.parse(hold.reasons) as HoldReason[], result.reasons);
  const before = holdRowToHold(hold);
  const unchanged = JSON.stringify(before.reasons) === JSON.stringify(reasons);
  const saved = unchanged ? hold : { ...hold, reasons: JSON.stringify(reasons), version: hold.version + 1 };
  if (!unchanged) {
    await updateHold(tx.db, saved);
    tx.changed(HOLD, id, 'update', saved.version, { action: 'hold.evaluate', before, after: holdRowToHold(saved) });
  }
  const params = (await getParameters(tx)).values;
  if (ready && hold.forced === 0 && params.automaticallyRelease !== 'no' && params.autoReleaseReasonCode) {
    const from = date < hold.as_of ? hold.as_of : date;
    const released = await performRelease(
      tx,
      saved,
      { reasonCode: params.autoReleaseReasonCode, reviewDate: from, mode: params.automaticallyRelease, asOf: from },
      null,
    );
    return { ...released, readyToRelease: true, autoReleased: true };
  }
  return { hold: holdRowToHold(saved), readyToRelease: ready, autoReleased: false };
}
