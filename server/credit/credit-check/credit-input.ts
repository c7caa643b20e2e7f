import type { Reader } from '../../db/hot';
import { hotFirst } from '../../db/hot';
import { notFound } from '../../http/errors';
import { toBigInt } from '../../db/values';
import type { CreditCheckInput, CreditGroupState, CreditOrder } from '../../../shared/credit/types';
import { activeRules } from '../blocking-rules/blocking-rules.service';
import { creditParameters, getParameters } from '../parameters/parameters.service';
import { cashDiscounts, paymentTerms, ranksOf } from '../setup/setup.kinds';

// Portable SQL (SQLite and PostgreSQL) for the hot path: open items only, through the partial
// index, and open orders; sums come back as text so no driver turns them into floats.
const CUSTOMER_SQL = `select id, credit_limit, credit_limit_expiration_date, mandatory_credit_limit, unlimited_credit,
  exclude_from_credit_management, ignore_until_date, credit_management_group_id, account_status_id, risk_group_id,
  payment_terms_id, cash_discount_id from customers where id = ?`;
const LEDGER_SQL = `select cast(coalesce(sum(open_amount), 0) as text) as balance,
  min(case when open_amount > 0 and due_date < ? then due_date end) as oldest,
  cast(coalesce(sum(case when open_amount > 0 and due_date < ? then open_amount else 0 end), 0) as text) as overdue
  from transactions where customer_id = ? and open_amount <> 0`;
const ORDERS_SQL = `select cast(coalesce(sum(delivered_not_invoiced), 0) as text) as dni,
  cast(coalesce(sum(amount - invoiced_amount - delivered_not_invoiced), 0) as text) as open
  from sales_orders where customer_id = ? and status = 'open' and id <> ?`;
const GROUP_SQL = `select g.id, g.credit_limit, g.credit_limit_to_date from credit_group_members m
  join credit_groups g on g.id = m.credit_group_id where m.customer_id = ?`;
const GROUP_LEDGER_SQL = `select cast(coalesce(sum(t.open_amount), 0) as text) as balance from credit_group_members m
  join transactions t on t.customer_id = m.customer_id and t.open_amount <> 0 where m.credit_group_id = ?`;
const GROUP_ORDERS_SQL = `select cast(coalesce(sum(o.delivered_not_invoiced), 0) as text) as dni,
  cast(coalesce(sum(o.amount - o.invoiced_amount - o.delivered_not_invoiced), 0) as text) as open
  from credit_group_members m join sales_orders o on o.customer_id = m.customer_id and o.status = 'open' and o.id <> ?
  where m.credit_group_id = ?`;

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
}

export interface CreditQuery {
  customerId: string;
  asOf: string;
  order: CreditOrder;
  /** The order being checked, left out of open orders (it is the order amount instead). */
  excludeOrderId?: string | null;
}

/**
 * Gathers everything the pure credit check needs for one customer and order, from indexed
 * aggregates over open items and open orders (never the full history).
 */
export async function loadCreditInput(r: Reader, q: CreditQuery): Promise<CreditCheckInput> {
  const c = await hotFirst<CustomerRow>(r, CUSTOMER_SQL, [q.customerId]);
  if (!c) throw notFound('customer', q.customerId);
  const exclude = q.excludeOrderId ?? '';
  const [ledger, orders, groupRow, params, rules, termRanks, discountRanks] = await Promise.all([
    hotFirst<{ balance: string; oldest: string | null; overdue: string }>(r, LEDGER_SQL, [q.asOf, q.asOf, q.customerId]),
    hotFirst<{ dni: string; open: string }>(r, ORDERS_SQL, [q.customerId, exclude]),
    hotFirst<{ id: string; credit_limit: number | string; credit_limit_to_date: string | null }>(r, GROUP_SQL, [q.customerId]),
    getParameters(r.db, r.cache),
    activeRules(r.db, r.cache),
    ranksOf(r, paymentTerms),
    ranksOf(r, cashDiscounts),
  ]);
  const parameters = creditParameters(params.values);
  let group: CreditGroupState | null = null;
  if (groupRow) {
    const [gl, go] = await Promise.all([
      hotFirst<{ balance: string }>(r, GROUP_LEDGER_SQL, [groupRow.id]),
      hotFirst<{ dni: string; open: string }>(r, GROUP_ORDERS_SQL, [exclude, groupRow.id]),
    ]);
    const balance = BigInt(gl!.balance);
    const dni = BigInt(go!.dni);
    const open = BigInt(go!.open);
    const membersExposure =
      parameters.creditLimitType === 'balance' ? balance : parameters.creditLimitType === 'balancePlusPackingSlip' ? balance + dni : parameters.creditLimitType === 'balancePlusAll' ? balance + dni + open : balance;
    group = { id: groupRow.id, creditLimit: toBigInt(groupRow.credit_limit), creditLimitToDate: groupRow.credit_limit_to_date, membersExposure };
  }
  return {
    asOf: q.asOf,
    parameters,
    customer: {
      id: c.id,
      creditLimit: toBigInt(c.credit_limit),
      creditLimitExpirationDate: c.credit_limit_expiration_date,
      mandatoryCreditLimit: c.mandatory_credit_limit === 1,
      unlimitedCredit: c.unlimited_credit === 1,
      excludeFromCreditManagement: c.exclude_from_credit_management === 1,
      ignoreUntilDate: c.ignore_until_date,
      creditManagementGroupId: c.credit_management_group_id,
      accountStatusId: c.account_status_id,
      riskGroupId: c.risk_group_id,
      paymentTermsId: c.payment_terms_id,
      cashDiscountId: c.cash_discount_id,
    },
    exposureParts: { balance: BigInt(ledger!.balance), deliveredNotInvoiced: BigInt(orders!.dni), openOrders: BigInt(orders!.open) },
    overdue: { oldestOverdueDueDate: ledger!.oldest, overdueAmount: BigInt(ledger!.overdue) },
    // An order without its own terms or discount carries the customer's defaults.
    order: { ...q.order, paymentTermsId: q.order.paymentTermsId ?? c.payment_terms_id, cashDiscountId: q.order.cashDiscountId ?? c.cash_discount_id },
    rules,
    temporaryLimits: [],
    insurances: [],
    group,
    paymentTermsRanks: termRanks,
    cashDiscountRanks: discountRanks,
  };
}
