import type { Reader } from '../../db/prepared-sql';
import { sqlAll, sqlFirst, sqlRows, sqliteAll, sqliteRows } from '../../db/prepared-sql';
import { notFound } from '../../http/errors';
import { groupBy, toBigInt, toNumber } from '../../db/values';
import type {
  BlockingRule,
  CreditCheckInput,
  CreditGroupState,
  CreditOrder,
  CreditParameters,
  TemporaryLimit,
} from '../../../shared/credit/types';
import { exposureTotal } from '../../../shared/credit/limits';
import { insuranceInAccounting, ordersInAccounting, type ForeignOrder } from '../../../shared/credit/currencies';
import type { DatedRate } from '../../../shared/currency';
import { activeRules, cachedRules } from '../blocking-rules/blocking-rules.service';
import { SETUP, type SetupView } from '../../db/setup-cache';
import { cachedParameters, creditParameters, getParameters } from '../parameters/parameters.service';
import { cachedRanks, cashDiscounts, paymentTerms, ranksOf } from '../setup/setup.kinds';
import { insuranceRowToInsurance } from '../insurances/insurances.repository';
import { wideSum, wideSumSql } from '../../ledger/ceiling';
import { RateBook, rateBook } from '../../exchange-rates/exchange-rates.service';

// Portable SQL (SQLite and PostgreSQL) for the hot path: one statement reads the customer, its
// open items (through the partial index of open items), its open orders and its credit group;
// sums come back as text so no driver turns them into floats. Three index probes say whether the
// customer or its group has temporary limits, and the customer policies, that have not ended by
// asOf. The open items are aggregated by the outer query (one group: the customer) rather than
// in a joined subquery, which SQLite would materialize into a temporary table on every check.
//
// Currencies (credit.md §1.9, SPEC "Currencies"): every figure of the check is in the accounting
// currency (AC). Open items are summed by their AC amounts, fixed at posting. Open orders in AC
// are summed by SQL; a fourth probe says whether the customer has open orders in other
// currencies, and only then are those read, one row per order, and converted in TypeScript at the
// rate on asOf (shared/credit/currencies.ts: one rounding per part of each order), with the rates
// from the setup cache (no statement once warm). The order being checked is converted the same way.
/**
 * The columns of a customer's credit row, in select order: CUSTOMER_SQL and BULK_CUSTOMERS_SQL
 * select exactly these (each query gives its own expression per column, below), and customerRow
 * reads a row as an array by these positions (no object per row from the driver, a measurable
 * part of a credit check's time). One list, so a query and its reader cannot drift apart.
 */
const CUSTOMER_COLUMNS = [
  'id',
  'credit_limit',
  'credit_limit_expiration_date',
  'mandatory_credit_limit',
  'unlimited_credit',
  'exclude_from_credit_management',
  'ignore_until_date',
  'credit_management_group_id',
  'account_status_id',
  'risk_group_id',
  'payment_terms_id',
  'cash_discount_id',
  'currency',
  'balance',
  'oldest',
  'overdue',
  'dni',
  'open_orders',
  'foreign_orders',
  'group_id',
  'has_temp',
  'group_has_temp',
  'has_insurance',
] as const;
type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number];
/** Each column's position in a row. */
const AT = Object.fromEntries(CUSTOMER_COLUMNS.map((c, i) => [c, i])) as Record<CustomerColumn, number>;
/** The columns taken as stored on the customer (`c.<name>`) by both queries. */
const STORED = CUSTOMER_COLUMNS.slice(0, AT.currency + 1);

/** A select list of CUSTOMER_COLUMNS in order: the stored ones from `c`, the others from `computed`. */
function selectList(computed: Record<Exclude<CustomerColumn, (typeof STORED)[number]>, string>): string {
  return CUSTOMER_COLUMNS.map((c) =>
    (STORED as readonly string[]).includes(c) ? `c.${c}` : `${computed[c as keyof typeof computed]} as ${c}`,
  ).join(',\n  ');
}

const CUSTOMER_SQL = `select ${selectList({
  balance: 'cast(coalesce(sum(t.open_amount_accounting), 0) as text)',
  oldest: 'min(case when t.open_amount > 0 and t.due_date < ? then t.due_date end)',
  overdue:
    'cast(coalesce(sum(case when t.open_amount > 0 and t.due_date < ? then t.open_amount_accounting else 0 end), 0) as text)',
  dni: "(select cast(coalesce(sum(o.delivered_not_invoiced), 0) as text) from sales_orders o where o.customer_id = c.id and o.status = 'open' and o.id <> ? and o.currency = ?)",
  open_orders:
    "(select cast(coalesce(sum(o.amount - o.invoiced_amount - o.delivered_not_invoiced), 0) as text) from sales_orders o where o.customer_id = c.id and o.status = 'open' and o.id <> ? and o.currency = ?)",
  foreign_orders:
    "case when exists(select 1 from sales_orders o where o.customer_id = c.id and o.status = 'open' and o.id <> ? and o.currency <> ?) then 1 else 0 end",
  group_id: 'm.credit_group_id',
  has_temp:
    'case when exists(select 1 from temporary_limits tc where tc.customer_id = c.id and tc.to_date >= ?) then 1 else 0 end',
  group_has_temp:
    'case when m.credit_group_id is not null and exists(select 1 from temporary_limits tg where tg.credit_group_id = m.credit_group_id and tg.to_date >= ?) then 1 else 0 end',
  has_insurance:
    'case when exists(select 1 from insurances i where i.customer_id = c.id and i.expiration_date >= ?) then 1 else 0 end',
})},
  (select v.version from setup_version v where v.id = 1) as setup_version
  from customers c
  left join credit_group_members m on m.customer_id = c.id
  left join transactions t on t.customer_id = c.id and t.open_amount <> 0
  where c.id = ?
  group by c.id, m.credit_group_id`;
/** CUSTOMER_SQL's last column, after CUSTOMER_COLUMNS: the setup version, read in the same statement as the customer. */
const SETUP_VERSION_COLUMN = CUSTOMER_COLUMNS.length;
// A group has any number of members, each holding up to the customer ceiling: its sums are
// taken in two parts that cannot overflow and read with wideSum (server/ledger/ceiling.ts). A
// customer's own sums above stay plain: the ceiling bounds them.
// Its members' open orders in other currencies than AC are read by GROUP_FOREIGN_ORDERS_SQL only
// when the probe `foreign_orders` finds one.
const GROUP_SQL = `select g.id, g.credit_limit, g.credit_limit_to_date, g.currency,
  (select ${wideSumSql('t.open_amount_accounting')} from credit_group_members m
     join transactions t on t.customer_id = m.customer_id and t.open_amount <> 0 where m.credit_group_id = g.id) as balance,
  (select ${wideSumSql('o.delivered_not_invoiced')} from credit_group_members m
     join sales_orders o on o.customer_id = m.customer_id and o.status = 'open' and o.id <> ? and o.currency = ? where m.credit_group_id = g.id) as dni,
  (select ${wideSumSql('o.amount - o.invoiced_amount - o.delivered_not_invoiced')} from credit_group_members m
     join sales_orders o on o.customer_id = m.customer_id and o.status = 'open' and o.id <> ? and o.currency = ? where m.credit_group_id = g.id) as open_orders,
  case when exists(select 1 from credit_group_members m
     join sales_orders o on o.customer_id = m.customer_id and o.status = 'open' and o.id <> ? and o.currency <> ? where m.credit_group_id = g.id) then 1 else 0 end as foreign_orders
  from credit_groups g where g.id = ?`;
/** The open orders in other currencies than AC (one row each), of a customer and of a group's members. */
const FOREIGN_ORDER_COLUMNS = `o.currency, o.delivered_not_invoiced as dni, o.amount - o.invoiced_amount - o.delivered_not_invoiced as open`;
const CUSTOMER_FOREIGN_ORDERS_SQL = `select ${FOREIGN_ORDER_COLUMNS} from sales_orders o
  where o.customer_id = ? and o.status = 'open' and o.id <> ? and o.currency <> ?`;
const GROUP_FOREIGN_ORDERS_SQL = `select ${FOREIGN_ORDER_COLUMNS} from credit_group_members m
  join sales_orders o on o.customer_id = m.customer_id and o.status = 'open' and o.id <> ? and o.currency <> ?
  where m.credit_group_id = ?`;
// Read only when the customer statement's index probes found rows (has_temp, group_has_temp,
// has_insurance), so customers without temporary limits or policies pay no extra statement.
// Rows that ended before asOf can never apply; the engine picks the active ones.
const CUSTOMER_TEMP_SQL = `select id, amount, from_date, to_date from temporary_limits where customer_id = ? and to_date >= ? order by id`;
const GROUP_TEMP_SQL = `select id, amount, from_date, to_date from temporary_limits where credit_group_id = ? and to_date >= ? order by id`;
const INSURANCES_SQL = `select identifier, value, currency, update_credit_limit_pct, effective_date, expiration_date, included_in_exposure
  from insurances where customer_id = ? and expiration_date >= ? order by id`;

export interface TemporaryLimitRow {
  id: number | string;
  amount: number | string;
  from_date: string;
  to_date: string;
}
type InsuranceRow = Parameters<typeof insuranceRowToInsurance>[0] & { currency: string };

/** A row of the foreign-orders statements. */
interface ForeignOrderRow {
  currency: string;
  dni: number | string | bigint;
  open: number | string | bigint;
}

/** postedSeq is the row id: rows are numbered in posting order, so the latest posting wins an overlap. */
export const toTemporaryLimit = (t: TemporaryLimitRow): TemporaryLimit => ({
  amount: toBigInt(t.amount),
  fromDate: t.from_date,
  toDate: t.to_date,
  postedSeq: toNumber(t.id),
});

interface CustomerRow {
  id: string;
  credit_limit: number | string;
  credit_limit_expiration_date: string | null;
  mandatory_credit_limit: number;
  unlimited_credit: number;
  exclude_from_credit_management: number;
  ignore_until_date: string | null;
  credit_management_group_id: string | null;
  account_status_id: string | null;
  risk_group_id: string | null;
  payment_terms_id: string | null;
  cash_discount_id: string | null;
  /** The customer's currency: the checked order's unless the query names another. */
  currency: string;
  /** Null from the bulk statement when the customer has no open items (or no open orders). */
  balance: string | null;
  oldest: string | null;
  overdue: string | null;
  /** Open orders in AC only. */
  dni: string | null;
  open_orders: string | null;
  /** 1 when the customer has open orders in other currencies (other than the checked order). */
  foreign_orders: number;
  group_id: string | null;
  has_temp: number;
  group_has_temp: number;
  has_insurance: number;
}

export interface CreditQuery {
  customerId: string;
  asOf: string;
  /** The order being checked; its amount is in `orderCurrency` (the loader converts it to AC on asOf). */
  order: CreditOrder;
  /** The currency of the order's amount; default the customer's (as a sales order's). */
  orderCurrency?: string;
  /** The order being checked, left out of open orders (it is the order amount instead). */
  excludeOrderId?: string | null;
}

/** The setup every credit check reads. */
interface Common {
  parameters: CreditParameters;
  rules: BlockingRule[];
  termRanks: Map<string, number>;
  discountRanks: Map<string, number>;
  /** The accounting currency and every exchange rate. */
  rates: RateBook;
}

/** The cache entry: the setup assembled for the engine, with the cached parameters and rates it was built from. */
export interface CreditCheckSetup {
  params: object;
  histories: ReadonlyMap<string, readonly DatedRate[]>;
  common: Common;
}

/**
 * The setup from the cache without I/O (the usual case): undefined until the parameters, rules
 * and ranks have each been read since a commit last changed them. The assembled answer is kept
 * while it was built from exactly the cached entries.
 */
function cachedCommon(cache: SetupView): Common | undefined {
  const params = cachedParameters(cache);
  const rules = cachedRules(cache);
  const termRanks = cachedRanks(cache, paymentTerms);
  const discountRanks = cachedRanks(cache, cashDiscounts);
  const histories = cache.peek(SETUP.exchangeRates);
  if (!params || !rules || !termRanks || !discountRanks || !histories) return undefined;
  const hit = cache.peek(SETUP.creditCheckSetup);
  if (
    hit &&
    hit.params === params &&
    hit.histories === histories &&
    hit.common.rules === rules &&
    hit.common.termRanks === termRanks &&
    hit.common.discountRanks === discountRanks
  )
    return hit.common;
  const common = {
    parameters: creditParameters(params.values),
    rules,
    termRanks,
    discountRanks,
    rates: new RateBook(params.values.accountingCurrency, histories),
  };
  cache.keep(SETUP.creditCheckSetup, { params, histories, common }, cache.cache.generation);
  return common;
}

/** The setup every credit check reads, through the setup cache. */
async function commonSetup(r: Reader): Promise<Common> {
  const hit = r.cache.checked ? cachedCommon(r.cache) : undefined;
  if (hit) return hit;
  const [params, rules, termRanks, discountRanks, rates] = await Promise.all([
    getParameters(r),
    activeRules(r),
    ranksOf(r, paymentTerms),
    ranksOf(r, cashDiscounts),
    rateBook(r),
  ]);
  return (
    cachedCommon(r.cache) ?? { parameters: creditParameters(params.values), rules, termRanks, discountRanks, rates }
  );
}
/** balance, dni and open_orders are wideSumSql columns (dni and open_orders: orders in AC only). */
type GroupRow = {
  id: string;
  credit_limit: number | string;
  credit_limit_to_date: string | null;
  currency: string;
  balance: string;
  dni: string;
  open_orders: string;
  foreign_orders: number | string;
};

/** A credit group's row, its temporary limits that have not ended and its members' open orders in other currencies, read once per group in a bulk load. */
type GroupState = { row: GroupRow | undefined; temporaryRows: TemporaryLimitRow[]; foreignOrders: ForeignOrderRow[] };

const groupParams = (groupId: string, q: CreditQuery, ac: string) => {
  const exclude = q.excludeOrderId ?? '';
  return [exclude, ac, exclude, ac, exclude, ac, groupId];
};
const groupForeignParams = (groupId: string, q: CreditQuery, ac: string) => [q.excludeOrderId ?? '', ac, groupId];
const customerForeignParams = (c: CustomerRow, q: CreditQuery, ac: string) => [c.id, q.excludeOrderId ?? '', ac];
const hasForeignOrders = (g: GroupRow | undefined) => g !== undefined && Number(g.foreign_orders) === 1;

async function groupState(
  r: Reader,
  groupId: string,
  q: CreditQuery,
  readTemporary: boolean,
  ac: string,
): Promise<GroupState> {
  const [row, temporaryRows] = await Promise.all([
    sqlFirst<GroupRow>(r, GROUP_SQL, groupParams(groupId, q, ac)),
    readTemporary ? sqlAll<TemporaryLimitRow>(r, GROUP_TEMP_SQL, [groupId, q.asOf]) : NONE,
  ]);
  const foreignOrders = hasForeignOrders(row)
    ? await sqlAll<ForeignOrderRow>(r, GROUP_FOREIGN_ORDERS_SQL, groupForeignParams(groupId, q, ac))
    : NONE;
  return { row, temporaryRows, foreignOrders };
}

const NONE: never[] = [];

/** The rows an input is made of besides the customer's and its group's. */
interface CustomerRows {
  temporaryRows: readonly TemporaryLimitRow[];
  insuranceRows: readonly InsuranceRow[];
  foreignOrders: readonly ForeignOrderRow[];
}

/** The engine input from the customer's row, reading temporary limits, policies, orders in other currencies and the group only where the row's probes say there are some. */
async function assemble(r: Reader, c: CustomerRow, q: CreditQuery, common: Common): Promise<CreditCheckInput> {
  const ac = common.rates.accountingCurrency;
  const [temporaryRows, insuranceRows, foreignOrders, group] = await Promise.all([
    c.has_temp === 1 ? sqlAll<TemporaryLimitRow>(r, CUSTOMER_TEMP_SQL, [c.id, q.asOf]) : NONE,
    c.has_insurance === 1 ? sqlAll<InsuranceRow>(r, INSURANCES_SQL, [c.id, q.asOf]) : NONE,
    c.foreign_orders === 1
      ? sqlAll<ForeignOrderRow>(r, CUSTOMER_FOREIGN_ORDERS_SQL, customerForeignParams(c, q, ac))
      : NONE,
    c.group_id ? groupState(r, c.group_id, q, c.group_has_temp === 1, ac) : undefined,
  ]);
  return inputFrom(c, q, common, { temporaryRows, insuranceRows, foreignOrders }, group);
}

/**
 * {@link loadCreditInput} without a promise: on SQLite with the setup cached (the usual case) every
 * read is a synchronous prepared statement, so the credit check's hot path waits on nothing.
 * Undefined on PostgreSQL, or when the setup must be read first.
 */
export function loadCreditInputNow(r: Reader, q: CreditQuery): CreditCheckInput | undefined {
  const db = r.dialect === 'sqlite' && r.cache.checked ? r.sqlite : undefined;
  const common = db && cachedCommon(r.cache);
  if (!db || !common) return undefined;
  const ac = common.rates.accountingCurrency;
  const [v] = sqliteRows(db, CUSTOMER_SQL, customerParams(q, ac));
  if (!v) throw notFound('customer', q.customerId);
  const c = customerRow(v);
  let group: GroupState | undefined;
  if (c.group_id) {
    const row = sqliteAll<GroupRow>(db, GROUP_SQL, groupParams(c.group_id, q, ac))[0];
    group = {
      row,
      temporaryRows:
        c.group_has_temp === 1 ? sqliteAll<TemporaryLimitRow>(db, GROUP_TEMP_SQL, [c.group_id, q.asOf]) : NONE,
      foreignOrders: hasForeignOrders(row)
        ? sqliteAll<ForeignOrderRow>(db, GROUP_FOREIGN_ORDERS_SQL, groupForeignParams(c.group_id, q, ac))
        : NONE,
    };
  }
  const rows: CustomerRows = {
    temporaryRows: c.has_temp === 1 ? sqliteAll<TemporaryLimitRow>(db, CUSTOMER_TEMP_SQL, [c.id, q.asOf]) : NONE,
    insuranceRows: c.has_insurance === 1 ? sqliteAll<InsuranceRow>(db, INSURANCES_SQL, [c.id, q.asOf]) : NONE,
    foreignOrders:
      c.foreign_orders === 1
        ? sqliteAll<ForeignOrderRow>(db, CUSTOMER_FOREIGN_ORDERS_SQL, customerForeignParams(c, q, ac))
        : NONE,
  };
  return inputFrom(c, q, common, rows, group);
}

/** Orders in other currencies than AC, in AC at the rates on asOf (one rounding per part of each order; 422 without a rate). */
function foreignOrdersInAccounting(rows: readonly ForeignOrderRow[], rates: RateBook, asOf: string) {
  return ordersInAccounting(
    rows.map((o): ForeignOrder => ({
      currency: o.currency,
      deliveredNotInvoiced: toBigInt(o.dni),
      openOrders: toBigInt(o.open),
    })),
    (currency) => rates.require(currency, asOf, 'asOf'),
  );
}

/** The engine input from rows already read (no I/O): every amount in AC, the group's in its currency. */
function inputFrom(
  c: CustomerRow,
  q: CreditQuery,
  common: Common,
  rows: CustomerRows,
  gs: GroupState | undefined,
): CreditCheckInput {
  const { rates } = common;
  let group: CreditGroupState | null = null;
  const g = gs?.row;
  if (g) {
    const foreign = foreignOrdersInAccounting(gs!.foreignOrders, rates, q.asOf);
    const membersExposure = exposureTotal(
      common.parameters.creditLimitType,
      {
        balance: wideSum(g.balance),
        deliveredNotInvoiced: wideSum(g.dni) + foreign.deliveredNotInvoiced,
        openOrders: wideSum(g.open_orders) + foreign.openOrders,
      },
      false,
    );
    group = {
      id: g.id,
      creditLimit: toBigInt(g.credit_limit),
      creditLimitToDate: g.credit_limit_to_date,
      membersExposure,
      temporaryLimits: gs!.temporaryRows.map(toTemporaryLimit),
    };
    // A group in another currency than AC is checked in its own (credit.md §3): the engine converts at the rate on asOf.
    if (g.currency !== rates.accountingCurrency) {
      group.currency = g.currency;
      group.rate = rates.require(g.currency, q.asOf, 'asOf');
    }
  }
  const foreign = foreignOrdersInAccounting(rows.foreignOrders, rates, q.asOf);
  return {
    asOf: q.asOf,
    parameters: common.parameters,
    customer: {
      id: c.id,
      creditLimit: toBigInt(c.credit_limit),
      creditLimitExpirationDate: c.credit_limit_expiration_date,
      mandatoryCreditLimit: Number(c.mandatory_credit_limit) === 1,
      unlimitedCredit: Number(c.unlimited_credit) === 1,
      excludeFromCreditManagement: Number(c.exclude_from_credit_management) === 1,
      ignoreUntilDate: c.ignore_until_date,
      creditManagementGroupId: c.credit_management_group_id,
      accountStatusId: c.account_status_id,
      riskGroupId: c.risk_group_id,
      paymentTermsId: c.payment_terms_id,
      cashDiscountId: c.cash_discount_id,
    },
    exposureParts: {
      balance: BigInt(c.balance ?? '0'),
      deliveredNotInvoiced: BigInt(c.dni ?? '0') + foreign.deliveredNotInvoiced,
      openOrders: BigInt(c.open_orders ?? '0') + foreign.openOrders,
    },
    overdue: { oldestOverdueDueDate: c.oldest, overdueAmount: BigInt(c.overdue ?? '0') },
    // An order without its own terms or discount carries the customer's defaults; its amount is in AC.
    order: {
      ...q.order,
      // No amount needs no rate (the customer's credit summary checks an empty order).
      amount:
        q.order.amount === 0n
          ? 0n
          : rates.toAccounting(q.order.amount, q.orderCurrency ?? c.currency, q.asOf, 'currency'),
      paymentTermsId: q.order.paymentTermsId ?? c.payment_terms_id,
      cashDiscountId: q.order.cashDiscountId ?? c.cash_discount_id,
    },
    rules: common.rules,
    temporaryLimits: rows.temporaryRows.map(toTemporaryLimit),
    // A policy's value is in its currency: in AC at the rate on asOf (credit.md §1.4).
    insurances: rows.insuranceRows.map((p) =>
      insuranceInAccounting(insuranceRowToInsurance(p), rates.require(p.currency, q.asOf, 'asOf')),
    ),
    group,
    paymentTermsRanks: common.termRanks,
    cashDiscountRanks: common.discountRanks,
  };
}

/**
 * Gathers everything the pure credit check needs for one customer and order, from indexed
 * aggregates over open items and open orders (never the full history).
 */
export async function loadCreditInput(r: Reader, q: CreditQuery): Promise<CreditCheckInput> {
  const now = loadCreditInputNow(r, q);
  if (now) return now;
  // The accounting currency as this process knows it; confirmed below with the setup version.
  const ac = await accountingCurrency(r);
  const [v] = await sqlRows(r, CUSTOMER_SQL, customerParams(q, ac));
  if (!v) throw notFound('customer', q.customerId);
  // The setup version came with the customer (no round trip of its own): a commit this process
  // has not heard of yet drops the cached setup before this check uses it (server/db/setup-cache.ts).
  r.cache.confirm(Number(v[SETUP_VERSION_COLUMN]));
  const common = await commonSetup(r);
  // The accounting currency changes only while no order or entry exists (parameters.service.ts);
  // a change this process had not heard of means the sums were split by the old one: read again.
  if (common.rates.accountingCurrency !== ac) {
    const [again] = await sqlRows(r, CUSTOMER_SQL, customerParams(q, common.rates.accountingCurrency));
    if (!again) throw notFound('customer', q.customerId);
    return assemble(r, customerRow(again), q, common);
  }
  return assemble(r, customerRow(v), q, common);
}

/** The accounting currency: the currency of every amount of a credit check (from the setup cache, warm after any check). */
export async function accountingCurrency(r: Reader): Promise<string> {
  return (cachedParameters(r.cache) ?? (await getParameters(r))).values.accountingCurrency;
}

const customerParams = (q: CreditQuery, ac: string) => {
  const exclude = q.excludeOrderId ?? '';
  return [q.asOf, q.asOf, exclude, ac, exclude, ac, exclude, ac, q.asOf, q.asOf, q.asOf, q.customerId];
};

/**
 * The same inputs, with no order, for many customers at once (a journal of 10,000 lines): per 500
 * customers, one statement joins the customers to their open items and groups them, and three
 * short ones read their open orders, temporary limits and policies (instead of probing for them
 * customer by customer). Unknown ids are left out.
 */
export async function loadCreditInputs(
  r: Reader,
  customerIds: readonly string[],
  asOf: string,
): Promise<Map<string, CreditCheckInput>> {
  const common = await commonSetup(r);
  const ac = common.rates.accountingCurrency;
  const groups = new Map<string, GroupState>();
  const out = new Map<string, CreditCheckInput>();
  const ids = [...new Set(customerIds)];
  const order = { amount: 0n, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false };
  for (let i = 0; i < ids.length; i += BULK) {
    const chunk = ids.slice(i, i + BULK);
    const marks = chunk.map(() => '?').join(', ');
    const [rows, orders, foreignOrders, temporary, insurances] = await Promise.all([
      sqlRows(r, `${BULK_CUSTOMERS_SQL} in (${marks}) group by c.id`, [asOf, asOf, ...chunk]),
      sqlAll<{ customer_id: string; dni: string; open_orders: string }>(
        r,
        `${BULK_ORDERS_SQL} in (${marks}) and status = 'open' group by customer_id`,
        [ac, ...chunk],
      ),
      sqlAll<ForeignOrderRow & { customer_id: string }>(
        r,
        `${BULK_FOREIGN_ORDERS_SQL} in (${marks}) and o.status = 'open'`,
        [ac, ...chunk],
      ),
      sqlAll<TemporaryLimitRow & { customer_id: string }>(r, `${BULK_TEMP_SQL} in (${marks}) order by id`, [
        asOf,
        ...chunk,
      ]),
      sqlAll<InsuranceRow & { customer_id: string }>(r, `${BULK_INSURANCES_SQL} in (${marks}) order by id`, [
        asOf,
        ...chunk,
      ]),
    ]);
    const ordersOf = new Map(orders.map((o) => [o.customer_id, o]));
    const foreignOf = byCustomer(foreignOrders);
    const temporaryOf = byCustomer(temporary);
    const insurancesOf = byCustomer(insurances);
    for (const values of rows) {
      const c = customerRow(values);
      const o = ordersOf.get(c.id);
      c.dni = o?.dni ?? null;
      c.open_orders = o?.open_orders ?? null;
      // No order is checked: amount 0 in AC.
      const q: CreditQuery = { customerId: c.id, asOf, order, orderCurrency: ac };
      let gs: GroupState | undefined;
      if (c.group_id) {
        gs = groups.get(c.group_id);
        if (!gs) groups.set(c.group_id, (gs = await groupState(r, c.group_id, q, true, ac)));
      }
      const customerRows: CustomerRows = {
        temporaryRows: temporaryOf.get(c.id) ?? NONE,
        insuranceRows: insurancesOf.get(c.id) ?? NONE,
        foreignOrders: foreignOf.get(c.id) ?? NONE,
      };
      out.set(c.id, inputFrom(c, q, common, customerRows, gs));
    }
  }
  return out;
}

const BULK = 500;

const byCustomer = <T extends { customer_id: string }>(rows: T[]) => groupBy(rows, (row) => row.customer_id);

/** A row of CUSTOMER_SQL or BULK_CUSTOMERS_SQL, read as an array by the positions of CUSTOMER_COLUMNS. */
function customerRow(v: unknown[]): CustomerRow {
  return {
    id: v[AT.id] as string,
    credit_limit: v[AT.credit_limit] as number | string,
    credit_limit_expiration_date: v[AT.credit_limit_expiration_date] as string | null,
    mandatory_credit_limit: Number(v[AT.mandatory_credit_limit]),
    unlimited_credit: Number(v[AT.unlimited_credit]),
    exclude_from_credit_management: Number(v[AT.exclude_from_credit_management]),
    ignore_until_date: v[AT.ignore_until_date] as string | null,
    credit_management_group_id: v[AT.credit_management_group_id] as string | null,
    account_status_id: v[AT.account_status_id] as string | null,
    risk_group_id: v[AT.risk_group_id] as string | null,
    payment_terms_id: v[AT.payment_terms_id] as string | null,
    cash_discount_id: v[AT.cash_discount_id] as string | null,
    currency: v[AT.currency] as string,
    balance: v[AT.balance] as string | null,
    oldest: v[AT.oldest] as string | null,
    overdue: v[AT.overdue] as string | null,
    dni: v[AT.dni] as string | null,
    open_orders: v[AT.open_orders] as string | null,
    foreign_orders: Number(v[AT.foreign_orders]),
    group_id: v[AT.group_id] as string | null,
    has_temp: Number(v[AT.has_temp]),
    group_has_temp: Number(v[AT.group_has_temp]),
    has_insurance: Number(v[AT.has_insurance]),
  };
}

/**
 * CUSTOMER_SQL's columns for a list of customers (the caller adds the id list), in the same order:
 * open orders, temporary limits and policies are read in lists, so there are no probes.
 */
const BULK_CUSTOMERS_SQL = `select ${selectList({
  balance: 'cast(sum(t.open_amount_accounting) as text)',
  oldest: 'min(case when t.open_amount > 0 and t.due_date < ? then t.due_date end)',
  overdue: 'cast(sum(case when t.open_amount > 0 and t.due_date < ? then t.open_amount_accounting else 0 end) as text)',
  dni: 'null',
  open_orders: 'null',
  foreign_orders: '0',
  group_id: '(select m.credit_group_id from credit_group_members m where m.customer_id = c.id)',
  has_temp: '0',
  group_has_temp: '0',
  has_insurance: '0',
})}
  from customers c
  left join transactions t on t.customer_id = c.id and t.open_amount <> 0
  where c.id`;
const BULK_ORDERS_SQL = `select customer_id, cast(sum(delivered_not_invoiced) as text) as dni,
  cast(sum(amount - invoiced_amount - delivered_not_invoiced) as text) as open_orders from sales_orders where currency = ? and customer_id`;
const BULK_FOREIGN_ORDERS_SQL = `select o.customer_id, ${FOREIGN_ORDER_COLUMNS} from sales_orders o where o.currency <> ? and o.customer_id`;
const BULK_TEMP_SQL = `select customer_id, id, amount, from_date, to_date from temporary_limits where to_date >= ? and customer_id`;
const BULK_INSURANCES_SQL = `select customer_id, identifier, value, currency, update_credit_limit_pct, effective_date, expiration_date, included_in_exposure
  from insurances where expiration_date >= ? and customer_id`;
