import type { Tx } from '../../db/transaction';
import type { Reader } from '../../db/prepared-sql';
import { notFound, ruleViolation } from '../../http/errors';
import { getParameters } from '../../credit/parameters/parameters.service';
import {
  bucketize,
  periodRanges,
  type AgingCriteria,
  type AgingDefinition,
  type CreditPlacement,
  type RangeSums,
} from '../../../shared/collections/aging';
import { matchesPool, type PoolCriterion } from '../../../shared/collections/pools';
import { exposureTotal, totalCreditLimit } from '../../../shared/credit/limits';
import type { CalendarDate } from '../../../shared/dates';
import { formatMoney, type Money } from '../../../shared/money';
import { definitionsOf, poolsOf, toAgingDefinition } from '../setup/setup.kinds';
import {
  AGING_SNAPSHOT,
  agedSums,
  brokenPromises,
  creditFacts,
  deleteRowsBefore,
  deleteSnapshotRows,
  deleteUnusedRuns,
  insertRun,
  loadCreditColumns,
  loadCustomerFacts,
  lockChangeCounter,
  NO_ORDERS,
  ownCurrencySums,
  snapshotId,
  snapshotVersions,
  writeRows,
  type AgedCustomer,
  type CustomerFacts,
  type OwnCurrencySums,
  type SnapshotRow,
} from './snapshots.repository';
import { markPromiseBroken } from '../../ledger/ledger.repository';
import { rateBook } from '../../exchange-rates/exchange-rates.service';
import { customerView } from './customer-view';

/**
 * The aging snapshot run (collections.md §2.4), set-based: one grouped SQL pass over the open
 * items computes every customer's per-period sums in the accounting currency (AC) at once (the
 * partial index `transactions_open_accounting` keeps it to open items only); the credit placement and the
 * header values are then applied per customer in memory with the same pure functions the add-in
 * uses (`bucketize`, `exposureTotal`).
 *
 * Each row also keeps its customer-currency view (§2.3), computed now so GET /aging?currency=customer
 * reads it as stored, from the same moment as the AC amounts: for a customer in the AC it is the AC
 * row itself (nothing stored); for any other, a second grouped pass over those customers' items in
 * their own currency plus their few items in other currencies, converted one by one at the rate on
 * the as-of date (no rate: no view stored, and the customer view of that row answers 422 until a
 * run finds one).
 */
export interface SnapshotRequest {
  definitionId: string;
  asOf: CalendarDate;
  criteria: AgingCriteria;
  creditPlacement: CreditPlacement;
  poolId?: string | null;
  includeZeroBalance: boolean;
  updateCollectionStatus: boolean;
  /** Only these customers (the one-customer refresh); omitted = every customer the pool admits. */
  customerIds?: string[];
}

export interface SnapshotOutcome {
  customers: number;
  removed: number;
  statusChanges: number;
  processedAt: string;
}

/** A definition by id, as the pure aging code takes it (422 naming `path` when it does not exist). */
export async function requireDefinition(r: Reader, id: string, path = 'definitionId'): Promise<AgingDefinition> {
  const row = (await definitionsOf(r)).get(id);
  if (!row) throw ruleViolation(`aging definition ${id} does not exist`, [{ path, message: 'does not exist' }]);
  return toAgingDefinition(row);
}

/** Runs a snapshot (§2.4) inside the caller's transaction. */
export async function runSnapshot(tx: Tx, req: SnapshotRequest): Promise<SnapshotOutcome> {
  const base = await lockChangeCounter(tx);
  const definition = await requireDefinition(tx, req.definitionId);
  let criteria: PoolCriterion[] = [];
  if (req.poolId != null) {
    const pool = (await poolsOf(tx)).get(req.poolId);
    if (!pool)
      throw ruleViolation(`pool ${req.poolId} does not exist`, [{ path: 'poolId', message: 'does not exist' }]);
    if (pool.type !== 'agingSnapshot')
      throw ruleViolation(
        `pool ${req.poolId} is a ${String(pool.type)} pool; a snapshot run takes an agingSnapshot pool`,
        [{ path: 'poolId', message: 'must be an agingSnapshot pool' }],
      );
    criteria = pool.criteria as PoolCriterion[];
  }
  const one = req.customerIds?.length === 1 ? req.customerIds[0] : undefined;
  const facts =
    criteria.length || req.customerIds ? await loadCustomerFacts(tx, req.customerIds) : await loadCreditColumns(tx);
  if (req.customerIds)
    for (const [i, id] of req.customerIds.entries())
      if (!facts.has(id))
        throw req.customerIds.length === 1
          ? notFound('customer', id)
          : ruleViolation(`customer ${id} does not exist`, [{ path: `customerIds.${i}`, message: 'does not exist' }]);
  const chosen = [...facts.values()].filter((c) => matchesPool(criteria, c, null));
  const chosenIds = new Set(chosen.map((c) => c.customerId));

  // §2.4 step 5: broken promises (strictly before the as-of date), open items of the chosen customers only.
  let statusChanges = 0;
  if (req.updateCollectionStatus) {
    const broken = await brokenPromises(tx, req.asOf, one);
    for (const t of broken) {
      if (!chosenIds.has(t.customer_id)) continue;
      await markPromiseBroken(tx, t.id);
      tx.changed('transaction', t.id, 'update', t.version + 1, {
        action: 'transaction.promiseBroken',
        before: { collectionStatus: 'promisedToPay', promiseDate: t.promise_date },
        after: { collectionStatus: 'promiseToPayBroken', promiseDate: t.promise_date },
        reason: `aging snapshot ${definition.id} as of ${req.asOf}: the promise date is before the aging date`,
      });
      statusChanges++;
    }
  }

  const ranges = periodRanges(definition, req.asOf);
  // A full run (every customer) finds the rows to remove after writing (those it did not rewrite);
  // a pool run or a refresh reads the existing rows of the customers it covers first.
  const full = criteria.length === 0 && req.customerIds === undefined;
  const rates = await rateBook(tx);
  const [aged, credit, params, existing] = await Promise.all([
    agedSums(tx, ranges, req.criteria, req.creditPlacement, one),
    creditFacts(tx, req.asOf, rates),
    getParameters(tx),
    full ? [] : snapshotVersions(tx, definition.id, one),
  ]);
  const versions = new Map(existing.map((e) => [e.customer_id, e.version]));
  const limitType = params.values.creditLimitType;
  const accounting = params.values.accountingCurrency;
  const zeroSums = (): RangeSums => ({
    debits: ranges.map(() => 0n),
    credits: ranges.map(() => 0n),
    allCredits: 0n,
    amountDue: 0n,
  });

  // §2.4 step 2: a customer with a zero balance is skipped, and an older row of theirs removed.
  const removed: string[] = [];
  const kept: { c: CustomerFacts; a: AgedCustomer | undefined }[] = [];
  for (const c of chosen) {
    const a = aged.get(c.customerId);
    if (!req.includeZeroBalance && (a === undefined || a.sums.amountDue === 0n)) {
      const previous = versions.get(c.customerId);
      if (previous !== undefined) {
        removed.push(c.customerId);
        tx.change(AGING_SNAPSHOT, snapshotId(definition.id, c.customerId), 'delete', previous + 1);
      }
      continue;
    }
    kept.push({ c, a });
  }
  // §2.3: the customers whose own currency is not the AC get their row in that currency too.
  const foreign = new Map(kept.filter(({ c }) => c.currency !== accounting).map(({ c }) => [c.customerId, c.currency]));
  const viewSums = foreign.size
    ? await ownCurrencySums(tx, ranges, req.criteria, req.creditPlacement, foreign)
    : new Map<string, OwnCurrencySums>();
  // One change-log entry for the run (a one-customer refresh names its row): a workbook that sees it
  // pulls GET /aging?since=. Every row written carries that entry's sequence (the counter is
  // locked, so nobody else appends meanwhile).
  const single = req.customerIds?.length === 1 ? req.customerIds[0]! : null;
  const seq = Number(base) + tx.changes.length + 1;
  tx.change(AGING_SNAPSHOT, single === null ? definition.id : snapshotId(definition.id, single), 'update', seq);
  await insertRun(tx, {
    seq,
    definitionId: definition.id,
    asOf: req.asOf,
    criteria: req.criteria,
    creditPlacement: req.creditPlacement,
    currency: params.values.accountingCurrency,
    poolId: req.poolId ?? null,
    customerId: single,
    customers: kept.length,
    processedAt: tx.now,
    processedBy: tx.actor.userId,
  });
  const rows: SnapshotRow[] = [];
  await tx.pace.each(kept, ({ c, a }) => {
    const result = bucketize(definition, ranges, req.asOf, req.creditPlacement, a?.sums ?? zeroSums());
    const orders = credit.orders.get(c.customerId) ?? NO_ORDERS;
    let limit: Money | null = null;
    let remaining: Money | null = null;
    if (!c.unlimitedCredit) {
      limit = totalCreditLimit(c, credit.temporary.get(c.customerId), credit.insurances.get(c.customerId), req.asOf);
      remaining =
        limit -
        exposureTotal(
          limitType,
          { balance: result.amountDue, deliveredNotInvoiced: orders.dni, openOrders: orders.openOrders },
          c.mandatoryCreditLimit,
        );
    }
    let view: string | null = null;
    const rate = c.currency === accounting ? undefined : rates.rate(c.currency, req.asOf);
    if (rate !== undefined)
      view = JSON.stringify(
        customerView({
          definition,
          ranges,
          asOf: req.asOf,
          criteria: req.criteria,
          creditPlacement: req.creditPlacement,
          sums: viewSums.get(c.customerId)!,
          view: { currency: c.currency, rate },
          credit: {
            creditLimit: limit,
            remainingCredit: remaining,
            packingSlipAmount: orders.dni,
            salesOrderAmount: orders.openOrders,
          },
        }),
      );
    rows.push({
      definition_id: definition.id,
      customer_id: c.customerId,
      seq,
      amount_due: result.amountDue,
      buckets: JSON.stringify(result.buckets.map((b) => formatMoney(b.amount))),
      unbucketed_amount: result.unbucketedAmount,
      indicator: result.indicator,
      credit_limit: limit,
      remaining_credit: remaining,
      packing_slip_amount: orders.dni,
      sales_order_amount: orders.openOrders,
      disputed_count: a?.disputedCount ?? 0,
      disputed_amount: a?.disputedAmount ?? 0n,
      customer_currency: c.currency,
      customer_view: view,
    });
  });
  if (removed.length) await deleteSnapshotRows(tx, definition.id, removed);
  await writeRows(tx, rows);
  if (full && !req.includeZeroBalance) {
    // Rows this run did not rewrite belong to customers with nothing open any more.
    const gone = await deleteRowsBefore(tx, definition.id, seq);
    for (const g of gone) {
      removed.push(g.customer_id);
      tx.change(AGING_SNAPSHOT, snapshotId(definition.id, g.customer_id), 'delete', g.version + 1);
    }
  }
  // Runs no row refers to any more are history only the audit log needs.
  await deleteUnusedRuns(tx, definition.id, seq);
  tx.audit({
    action: 'agingSnapshot.run',
    entity: AGING_SNAPSHOT,
    entityId: definition.id,
    after: {
      ...req,
      customerIds: req.customerIds ?? null,
      customers: rows.length,
      removed: removed.length,
      statusChanges,
    },
  });
  return { customers: rows.length, removed: removed.length, statusChanges, processedAt: tx.now };
}
