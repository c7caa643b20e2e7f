import { changeCounter, type Tx } from '../db/transaction';
import { sqlAll, sqlRows, sqlRun, type Reader } from '../db/prepared-sql';
import { groupBy, toBigInt, toNumber } from '../db/values';
import { notFound, ruleViolation } from '../http/errors';
import { getParameters } from '../credit/parameters/parameters.service';
import { toTemporaryLimit, type TemporaryLimitRow } from '../credit/credit-check/credit-input';
import { insuranceRowToInsurance } from '../credit/insurances/insurances';
import { bucketize, periodRanges, type AgingCriteria, type AgingDefinition, type CreditPlacement, type PeriodRange, type RangeSums } from '../../shared/collections/aging';
import { matchesPool, type PoolCriterion, type PoolCustomer } from '../../shared/collections/pools';
import { exposureTotal, totalCreditLimit } from '../../shared/credit/limits';
import type { Insurance, TemporaryLimit } from '../../shared/credit/types';
import { addDays, type CalendarDate } from '../../shared/dates';
import { formatMoney, type Money } from '../../shared/money';
import { AGING_SNAPSHOT, definitionsOf, poolsOf, snapshotId, toAgingDefinition } from './setup';

/**
 * The aging snapshot run (collections.md §2.4), set-based: one grouped SQL pass over the open
 * items computes every customer's per-period sums at once (the partial index `transactions_open`
 * keeps it to open items only); the credit placement and the header values are then applied per
 * customer in memory with the same pure functions the add-in uses (`bucketize`, `exposureTotal`).
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

/** The customer columns a snapshot and a pool need. */
export interface CustomerFacts extends PoolCustomer {
  customerId: string;
  name: string;
  currency: string;
  creditLimit: Money;
  unlimitedCredit: boolean;
  mandatoryCreditLimit: boolean;
}

const CUSTOMER_SQL = `select id, name, customer_group, currency, account_status_id, credit_management_group_id, risk_group_id,
  posting_profile, sales_group, credit_limit, unlimited_credit, mandatory_credit_limit from customers`;

interface CustomerSqlRow {
  id: string;
  name: string;
  customer_group: string | null;
  currency: string;
  account_status_id: string | null;
  credit_management_group_id: string | null;
  risk_group_id: string | null;
  posting_profile: string | null;
  sales_group: string | null;
  credit_limit: number | string;
  unlimited_credit: number;
  mandatory_credit_limit: number;
}

const toFacts = (r: CustomerSqlRow): CustomerFacts => ({
  customerId: r.id,
  name: r.name,
  customerGroup: r.customer_group,
  currency: r.currency,
  accountStatusId: r.account_status_id,
  creditManagementGroupId: r.credit_management_group_id,
  riskGroupId: r.risk_group_id,
  postingProfile: r.posting_profile,
  salesGroup: r.sales_group,
  creditLimit: toBigInt(r.credit_limit),
  unlimitedCredit: Number(r.unlimited_credit) === 1,
  mandatoryCreditLimit: Number(r.mandatory_credit_limit) === 1,
});

/** Customer facts by id, for every customer or the given ones. */
export async function loadCustomerFacts(r: Reader, ids?: readonly string[]): Promise<Map<string, CustomerFacts>> {
  const rows = ids === undefined
    ? await sqlAll<CustomerSqlRow>(r, CUSTOMER_SQL, [])
    : ids.length === 0 ? [] : await sqlAll<CustomerSqlRow>(r, `${CUSTOMER_SQL} where id in (${ids.map(() => '?').join(', ')})`, ids);
  return new Map(rows.map((row) => [row.id, toFacts(row)]));
}

/**
 * Only what the credit columns need, for a run without a pool (every customer); the pool fields
 * stay empty. Rows are read as arrays and each fact is one object literal: spreading 10,000 driver
 * rows into a template object cost 50–140 ms per run.
 */
async function loadCreditColumns(r: Reader): Promise<Map<string, CustomerFacts>> {
  const out = new Map<string, CustomerFacts>();
  // 5,000 customers a statement (by id): one statement for 50,000 holds a SQLite process for 50 ms.
  for (let after = ''; ; ) {
    const rows = await sqlRows(r, 'select id, credit_limit, unlimited_credit, mandatory_credit_limit from customers where id > ? order by id limit 5000', [after]);
    for (const [id, limit, unlimited, mandatory] of rows) {
      out.set(
        id as string,
        toFacts({ id: id as string, name: '', customer_group: null, currency: '', account_status_id: null, credit_management_group_id: null, risk_group_id: null, posting_profile: null, sales_group: null, credit_limit: limit as number | string, unlimited_credit: unlimited as number, mandatory_credit_limit: mandatory as number }),
      );
    }
    if (rows.length < 5000) return out;
    after = rows[rows.length - 1]![0] as string;
  }
}

/** The SQL expression of the key date (§2.3), with the null-date fallbacks. */
const KEY_DATE: Record<AgingCriteria, string> = {
  dueDate: 'coalesce(due_date, trans_date)',
  documentDate: 'coalesce(document_date, trans_date)',
  transactionDate: 'trans_date',
};

/**
 * The one grouped pass. The periods of a definition are contiguous (each starts the day after the
 * previous one ends, §2.2), so every period is the difference of two cumulative sums: one sum per
 * period end (`k <= end`) plus one below the oldest start, one comparison each, instead of a range
 * test per period. With `ownDate` the sums are of every open amount; with `oldestFirst` of the debits
 * only, plus the sum of all credits. Dates are bound parameters; the text depends only on the
 * definition's shape, so the statement is prepared once.
 */
function groupedSql(ranges: readonly PeriodRange[], criteria: AgingCriteria, placement: CreditPlacement, oneCustomer: boolean): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const debitOnly = placement === 'oldestFirst';
  const filter = (cond: string) => `sum(a) filter (where ${debitOnly ? 'a > 0 and ' : ''}${cond})`;
  const cols = [`sum(a) as due`, debitOnly ? `sum(a) filter (where a > 0) as pos, sum(a) filter (where a < 0) as cr` : `0 as pos, 0 as cr`];
  if (ranges[0]?.from != null) {
    cols.push(`${filter('k < ?')} as lo`);
    params.push(ranges[0].from);
  }
  ranges.forEach((range, i) => {
    if (range.to === null) return;
    cols.push(`${filter('k <= ?')} as e${i}`);
    params.push(range.to);
  });
  if (oneCustomer) params.push('__customer__');
  const text = `select customer_id as id, ${cols.join(', ')}
    from (select customer_id, open_amount as a, ${KEY_DATE[criteria]} as k from transactions where open_amount <> 0${oneCustomer ? ' and customer_id = ?' : ''}) t
    group by customer_id`;
  return { text, params };
}

type GroupedRow = Record<string, number | string | null> & { id: string };

/** Customers per statement of {@link groupedInParts}. */
export const SUMS_PART = 2000;

/**
 * The grouped pass in parts of {@link SUMS_PART} customers (ranges of ids, through the same
 * index), pacing between them. SQLite runs a statement synchronously: the whole pass over 200,000
 * open items in one statement would hold every other request of the process for 100 ms or more.
 */
async function groupedInParts(r: Reader, ranges: readonly PeriodRange[], criteria: AgingCriteria, placement: CreditPlacement, partSize: number): Promise<GroupedRow[]> {
  const { text, params } = groupedSql(ranges, criteria, placement, false);
  const inRange = text.replace('where open_amount <> 0', 'where open_amount <> 0 and customer_id > ? and customer_id <= ?');
  const bounds = (await sqlRows(r, `select id from customers where id in (select max(id) from (select id, row_number() over (order by id) as n from customers) group by (n - 1) / cast(? as integer)) order by id`, [partSize])).map((v) => v[0] as string);
  const out: GroupedRow[] = [];
  let low = '';
  for (const high of bounds) {
    out.push(...(await sqlAll<GroupedRow>(r, inRange, [...params, low, high])));
    low = high;
  }
  return out;
}

export interface AgedCustomer {
  sums: RangeSums;
  disputedCount: number;
  disputedAmount: Money;
}

const DISPUTED_SQL = `select customer_id as id, count(*) as n, sum(open_amount) as s from transactions
  where collection_status = 'disputed' and open_amount <> 0`;

/** Per-period sums of every customer with open items (or of one customer), from one grouped statement. */
/** `partSize`: customers per statement of a run over every customer on SQLite (see {@link groupedInParts}). */
export async function agedSums(r: Reader, ranges: readonly PeriodRange[], criteria: AgingCriteria, placement: CreditPlacement, customerId?: string, partSize = SUMS_PART): Promise<Map<string, AgedCustomer>> {
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!.to;
    if (prev === null || ranges[i]!.from === null || addDays(prev, 1) !== ranges[i]!.from) throw new Error(`aging periods must be contiguous (line ${i})`);
  }
  const { text, params } = groupedSql(ranges, criteria, placement, customerId !== undefined);
  if (customerId !== undefined) params[params.length - 1] = customerId;
  const [rows, disputed] = await Promise.all([
    customerId === undefined && r.dialect === 'sqlite' ? groupedInParts(r, ranges, criteria, placement, partSize) : sqlAll<GroupedRow>(r, text, params),
    // Few items are disputed: the partial index transactions_disputed reads only those.
    customerId === undefined
      ? sqlAll<{ id: string; n: number | string; s: number | string }>(r, `${DISPUTED_SQL} group by customer_id`, [])
      : sqlAll<{ id: string; n: number | string; s: number | string }>(r, `${DISPUTED_SQL} and customer_id = ? group by customer_id`, [customerId]),
  ]);
  const disputedBy = new Map(disputed.map((d) => [d.id, d]));
  const debitOnly = placement === 'oldestFirst';
  const out = new Map<string, AgedCustomer>();
  const zeros = ranges.map(() => 0n);
  for (const row of rows) {
    const due = toBigInt(row.due ?? 0);
    const top = debitOnly ? toBigInt(row.pos ?? 0) : due;
    const debits: Money[] = [];
    let previous = row.lo === undefined ? 0n : toBigInt(row.lo ?? 0);
    for (let i = 0; i < ranges.length; i++) {
      const cumulative = ranges[i]!.to === null ? top : toBigInt(row[`e${i}`] ?? 0);
      debits.push(cumulative - previous);
      previous = cumulative;
    }
    const d = disputedBy.get(row.id);
    out.set(row.id, {
      sums: { debits, credits: zeros, allCredits: debitOnly ? toBigInt(row.cr ?? 0) : 0n, amountDue: due },
      disputedCount: d ? toNumber(d.n) : 0,
      disputedAmount: d ? toBigInt(d.s) : 0n,
    });
  }
  return out;
}

const NO_ORDERS = { dni: 0n, openOrders: 0n };
const ORDERS_SQL = `select customer_id as id, sum(delivered_not_invoiced) as dni, sum(amount - invoiced_amount - delivered_not_invoiced) as open_orders
  from sales_orders where status = 'open' group by customer_id`;
const TEMPORARY_SQL = `select id, customer_id, amount, from_date, to_date from temporary_limits where customer_id is not null and from_date <= ? and to_date >= ?`;
const INSURANCES_SQL = `select customer_id, identifier, value, update_credit_limit_pct, effective_date, expiration_date, included_in_exposure
  from insurances where effective_date <= ? and expiration_date >= ?`;

const byCustomerId = (row: { customer_id: string | null }) => row.customer_id;

/** What the credit columns of the snapshot need beyond the open items (orders, temporary limits, policies). */
async function creditFacts(r: Reader, asOf: CalendarDate) {
  const [orders, temporary, insurances] = await Promise.all([
    sqlAll<{ id: string; dni: number | string | null; open_orders: number | string | null }>(r, ORDERS_SQL, []),
    sqlAll<TemporaryLimitRow & { customer_id: string | null }>(r, TEMPORARY_SQL, [asOf, asOf]),
    sqlAll<Parameters<typeof insuranceRowToInsurance>[0] & { customer_id: string }>(r, INSURANCES_SQL, [asOf, asOf]),
  ]);
  return {
    orders: new Map(orders.map((o) => [o.id, { dni: toBigInt(o.dni ?? 0), openOrders: toBigInt(o.open_orders ?? 0) }])),
    temporary: groupBy(temporary, byCustomerId, toTemporaryLimit) as Map<string, TemporaryLimit[]>,
    insurances: groupBy(insurances, byCustomerId, insuranceRowToInsurance) as Map<string, Insurance[]>,
  };
}

interface SnapshotRow {
  definition_id: string;
  customer_id: string;
  seq: number;
  amount_due: bigint;
  buckets: string;
  unbucketed_amount: bigint;
  indicator: string | null;
  credit_limit: bigint | null;
  remaining_credit: bigint | null;
  packing_slip_amount: bigint;
  sales_order_amount: bigint;
  disputed_count: number;
  disputed_amount: bigint;
}

const COLUMNS = ['definition_id', 'customer_id', 'seq', 'amount_due', 'buckets', 'unbucketed_amount', 'indicator', 'credit_limit', 'remaining_credit', 'packing_slip_amount', 'sales_order_amount', 'disputed_count', 'disputed_amount'] as const;
// A new row starts at version 1; a replaced one counts on from its stored version.
const UPSERT_SQL = `insert into aging_snapshots (${COLUMNS.join(', ')}, version) values (${COLUMNS.map(() => '?').join(', ')}, 1)
  on conflict (definition_id, customer_id) do update set ${COLUMNS.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}, version = aging_snapshots.version + 1`;

async function writeRows(tx: Tx, rows: SnapshotRow[]): Promise<void> {
  if (tx.sqlite) {
    const stmt = tx.sqlite.prepare(UPSERT_SQL);
    await tx.pace.each(rows, (row) => void stmt.run(row.definition_id, row.customer_id, row.seq, row.amount_due, row.buckets, row.unbucketed_amount, row.indicator, row.credit_limit, row.remaining_credit, row.packing_slip_amount, row.sales_order_amount, row.disputed_count, row.disputed_amount));
    return;
  }
  // PostgreSQL: one statement of column arrays (unnest) per 5,000 rows, instead of multi-row
  // VALUES with 13 parameters a row: a tenth of the time for 10,000 rows.
  for (let i = 0; i < rows.length; i += 5000) {
    const part = rows.slice(i, i + 5000);
    const column = (c: (typeof COLUMNS)[number]) => part.map((r) => (typeof r[c] === 'bigint' ? String(r[c]) : r[c]));
    await sqlAll(tx, UNNEST_UPSERT_SQL, COLUMNS.map(column));
  }
}

const COLUMN_TYPES: Record<(typeof COLUMNS)[number], string> = {
  definition_id: 'text',
  customer_id: 'text',
  seq: 'bigint',
  amount_due: 'bigint',
  buckets: 'text',
  unbucketed_amount: 'bigint',
  indicator: 'text',
  credit_limit: 'bigint',
  remaining_credit: 'bigint',
  packing_slip_amount: 'bigint',
  sales_order_amount: 'bigint',
  disputed_count: 'integer',
  disputed_amount: 'bigint',
};
const UNNEST_UPSERT_SQL = `insert into aging_snapshots (${COLUMNS.join(', ')}, version)
  select *, 1 from unnest(${COLUMNS.map((c) => `?::${COLUMN_TYPES[c]}[]`).join(', ')})
  on conflict (definition_id, customer_id) do update set ${COLUMNS.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}, version = aging_snapshots.version + 1`;

/** A definition by id, as the pure aging code takes it (422 naming `path` when it does not exist). */
export async function requireDefinition(r: Reader, id: string, path = 'definitionId'): Promise<AgingDefinition> {
  const row = (await definitionsOf(r)).get(id);
  if (!row) throw ruleViolation(`aging definition ${id} does not exist`, [{ path, message: 'does not exist' }]);
  return toAgingDefinition(row);
}

/**
 * The change-log sequence, with the counter row locked until this transaction ends. Every writer
 * takes that lock to append its changes, so a ledger change is either visible to this run's reads
 * or gets a higher sequence than every row the run writes (and then marks the row stale).
 */
async function lockChangeCounter(tx: Tx): Promise<bigint> {
  await sqlRun(tx, 'update change_counter set seq = seq where id = 1', []);
  return changeCounter(tx);
}

/** Runs a snapshot (§2.4) inside the caller's transaction. */
export async function runSnapshot(tx: Tx, req: SnapshotRequest): Promise<SnapshotOutcome> {
  const base = await lockChangeCounter(tx);
  const definition = await requireDefinition(tx, req.definitionId);
  let criteria: PoolCriterion[] = [];
  if (req.poolId != null) {
    const pool = (await poolsOf(tx)).get(req.poolId);
    if (!pool) throw ruleViolation(`pool ${req.poolId} does not exist`, [{ path: 'poolId', message: 'does not exist' }]);
    if (pool.type !== 'agingSnapshot') throw ruleViolation(`pool ${req.poolId} is a ${String(pool.type)} pool; a snapshot run takes an agingSnapshot pool`, [{ path: 'poolId', message: 'must be an agingSnapshot pool' }]);
    criteria = pool.criteria as PoolCriterion[];
  }
  const one = req.customerIds?.length === 1 ? req.customerIds[0] : undefined;
  const facts = criteria.length || req.customerIds ? await loadCustomerFacts(tx, req.customerIds) : await loadCreditColumns(tx);
  if (req.customerIds) for (const [i, id] of req.customerIds.entries()) if (!facts.has(id)) throw req.customerIds.length === 1 ? notFound('customer', id) : ruleViolation(`customer ${id} does not exist`, [{ path: `customerIds.${i}`, message: 'does not exist' }]);
  const chosen = [...facts.values()].filter((c) => matchesPool(criteria, c, null));
  const chosenIds = new Set(chosen.map((c) => c.customerId));

  // §2.4 step 5: broken promises (strictly before the as-of date), open items of the chosen customers only.
  let statusChanges = 0;
  if (req.updateCollectionStatus) {
    const broken = await sqlAll<{ id: string; customer_id: string; version: number; promise_date: string }>(
      tx,
      `select id, customer_id, version, promise_date from transactions where collection_status = 'promisedToPay' and promise_date < ? and open_amount <> 0${one ? ' and customer_id = ?' : ''}`,
      one ? [req.asOf, one] : [req.asOf],
    );
    for (const t of broken) {
      if (!chosenIds.has(t.customer_id)) continue;
      await sqlRun(tx, `update transactions set collection_status = 'promiseToPayBroken', version = version + 1 where id = ?`, [t.id]);
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
  const [aged, credit, params, existing] = await Promise.all([
    agedSums(tx, ranges, req.criteria, req.creditPlacement, one),
    creditFacts(tx, req.asOf),
    getParameters(tx),
    full ? [] : sqlAll<{ customer_id: string; version: number }>(tx, `select customer_id, version from aging_snapshots where definition_id = ?${one ? ' and customer_id = ?' : ''}`, one ? [definition.id, one] : [definition.id]),
  ]);
  const versions = new Map(existing.map((e) => [e.customer_id, e.version]));
  const limitType = params.values.creditLimitType;
  const zeroSums = (): RangeSums => ({ debits: ranges.map(() => 0n), credits: ranges.map(() => 0n), allCredits: 0n, amountDue: 0n });

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
  // One change-log entry for the run (a one-customer refresh names its row): a workbook that sees it
  // pulls GET /aging?since=. Every row written carries that entry's sequence (the counter is
  // locked, so nobody else appends meanwhile).
  const single = req.customerIds?.length === 1 ? req.customerIds[0]! : null;
  const seq = Number(base) + tx.changes.length + 1;
  tx.change(AGING_SNAPSHOT, single === null ? definition.id : snapshotId(definition.id, single), 'update', seq);
  await sqlRun(
    tx,
    'insert into aging_runs (seq, definition_id, as_of, criteria, credit_placement, currency, pool_id, customer_id, customers, processed_at, processed_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [seq, definition.id, req.asOf, req.criteria, req.creditPlacement, params.values.accountingCurrency, req.poolId ?? null, single, kept.length, tx.now, tx.actor.userId],
  );
  const rows: SnapshotRow[] = [];
  await tx.pace.each(kept, ({ c, a }) => {
    const result = bucketize(definition, ranges, req.asOf, req.creditPlacement, a?.sums ?? zeroSums());
    const orders = credit.orders.get(c.customerId) ?? NO_ORDERS;
    let limit: Money | null = null;
    let remaining: Money | null = null;
    if (!c.unlimitedCredit) {
      limit = totalCreditLimit(c, credit.temporary.get(c.customerId), credit.insurances.get(c.customerId), req.asOf);
      remaining = limit - exposureTotal(limitType, { balance: result.amountDue, deliveredNotInvoiced: orders.dni, openOrders: orders.openOrders }, c.mandatoryCreditLimit);
    }
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
    });
  });
  if (removed.length) {
    for (let i = 0; i < removed.length; i += 500) {
      const chunk = removed.slice(i, i + 500);
      await sqlRun(tx, `delete from aging_snapshots where definition_id = ? and customer_id in (${chunk.map(() => '?').join(', ')})`, [definition.id, ...chunk]);
    }
  }
  await writeRows(tx, rows);
  if (full && !req.includeZeroBalance) {
    // Rows this run did not rewrite belong to customers with nothing open any more.
    const gone = await sqlAll<{ customer_id: string; version: number }>(tx, 'delete from aging_snapshots where definition_id = ? and seq < ? returning customer_id, version', [definition.id, seq]);
    for (const g of gone) {
      removed.push(g.customer_id);
      tx.change(AGING_SNAPSHOT, snapshotId(definition.id, g.customer_id), 'delete', g.version + 1);
    }
  }
  // Runs no row refers to any more are history only the audit log needs.
  await sqlRun(tx, 'delete from aging_runs where definition_id = ? and seq < ? and seq not in (select seq from aging_snapshots where definition_id = ?)', [definition.id, seq, definition.id]);
  tx.audit({
    action: 'agingSnapshot.run',
    entity: AGING_SNAPSHOT,
    entityId: definition.id,
    after: { ...req, customerIds: req.customerIds ?? null, customers: rows.length, removed: removed.length, statusChanges },
  });
  return { customers: rows.length, removed: removed.length, statusChanges, processedAt: tx.now };
}
