/**
 * What the local preview needs to run the shared credit check (shared/credit) for proposal rows,
 * gathered through the public API: parameters, rules, ranks, each customer's credit summary, and
 * for customers with held orders the overdue figures and the orders. The engine input is rebuilt
 * from the summary so that, on the preview date, it gives the figures the server's input gives:
 * the active temporary limit as a one-day window, the insurance contribution as one policy, the
 * group at its binding limit and members' exposure.
 */
import { parseMoney, parseRate, type Money } from '../../shared/money';
import type { BlockingRule, CreditCheckInput, CreditParameters, CreditLimitType, RuleType } from '../../shared/credit/types';
import { exposureTotal } from '../../shared/credit/limits';
import { ApiError, type CreditDeskClient } from './api';

export interface CustomerCreditJson {
  id: string;
  name: string;
  creditLimit: string;
  creditLimitExpirationDate: string | null;
  mandatoryCreditLimit: boolean;
  unlimitedCredit: boolean;
  excludeFromCreditManagement: boolean;
  ignoreUntilDate: string | null;
  creditManagementGroupId: string | null;
  accountStatusId: string | null;
  riskGroupId: string | null;
  paymentTermsId: string | null;
  cashDiscountId: string | null;
  credit: {
    baseCreditLimit: string;
    activeTemporaryLimit: string | null;
    insuranceContribution: string;
    balance: string;
    deliveredNotInvoiced: string;
    openOrders: string;
    availableCredit: string | null;
    group: { id: string; limit: string; exposure: string } | null;
  };
}

interface RuleJson {
  id: string;
  ruleType: string;
  kind: 'blocking' | 'exclusion';
  validFor: 'table' | 'group' | 'all';
  accountOrGroup: string | null;
  riskGroupId: string | null;
  valueType: string | null;
  days: number | null;
  amount: string | null;
  percent: string | null;
  creditLimitThreshold: string | null;
  accountStatusId: string | null;
  paymentTermsId: string | null;
  releaseSalesOrder: boolean;
}

export interface HoldJson {
  id: string;
  salesOrderId: string;
  customerId: string;
  status: string;
  forced: boolean;
  orderAmount: string;
  version: number;
}

interface OrderJson {
  id: string;
  amount: string;
  deliveredNotInvoiced: string;
  invoicedAmount: string;
  openAmount: string;
  status: string;
  paymentTermsId: string | null;
  cashDiscountId: string | null;
  excludeFromCreditManagement: boolean;
}

interface TransactionJson {
  openAmount: string;
  dueDate: string | null;
}

export interface CustomerContext {
  customer: CustomerCreditJson;
  input: CreditCheckInput;
  holds: { holdId: string; input: CreditCheckInput }[];
}

export interface PreviewContext {
  asOf: string;
  customers: Map<string, CustomerContext>;
  /** Ids asked for that the server does not know. */
  unknown: Set<string>;
  groupIds: Set<string>;
}

export function ruleFromJson(r: RuleJson): BlockingRule {
  const threshold = r.creditLimitThreshold === null ? null : r.valueType === 'amount' ? parseMoney(r.creditLimitThreshold) : parseRate(r.creditLimitThreshold);
  return {
    id: r.id,
    ruleType: r.ruleType as RuleType,
    kind: r.kind,
    validFor: r.validFor,
    accountOrGroup: r.accountOrGroup,
    riskGroupId: r.riskGroupId,
    valueType: r.valueType as BlockingRule['valueType'],
    days: r.days,
    amount: r.amount === null ? null : parseMoney(r.amount),
    percent: r.percent === null ? null : parseRate(r.percent),
    creditLimitThreshold: threshold,
    accountStatusId: r.accountStatusId,
    paymentTermsId: r.paymentTermsId,
    releaseSalesOrder: r.releaseSalesOrder,
  };
}

interface Common {
  parameters: CreditParameters;
  rules: BlockingRule[];
  termRanks: Map<string, number>;
  discountRanks: Map<string, number>;
}

async function loadCommon(client: CreditDeskClient): Promise<Common> {
  const [p, rules, terms, discounts] = await Promise.all([
    client.get<Record<string, unknown>>('/api/v1/parameters'),
    client.all<RuleJson>('/api/v1/blocking-rules'),
    client.all<{ id: string; rank?: number | null }>('/api/v1/payment-terms'),
    client.all<{ id: string; rank?: number | null }>('/api/v1/cash-discounts'),
  ]);
  const ranks = (xs: { id: string; rank?: number | null }[]) => new Map(xs.flatMap((x) => (typeof x.rank === 'number' ? [[x.id, x.rank] as const] : [])));
  return {
    parameters: {
      creditManagementEnabled: p.creditManagementEnabled as boolean,
      creditLimitType: p.creditLimitType as CreditLimitType,
      checkCreditLimitOnSalesOrder: p.checkCreditLimitOnSalesOrder as boolean,
      checkCustomerCreditGroupsCreditLimit: p.checkCustomerCreditGroupsCreditLimit as boolean,
      ignoreCreditLimitExpiredRuleWhenBlank: p.ignoreCreditLimitExpiredRuleWhenBlank as boolean,
      paymentTermsIncreased: p.paymentTermsIncreased as boolean,
      settlementDiscountIncreased: p.settlementDiscountIncreased as boolean,
    },
    rules: rules.map(ruleFromJson),
    termRanks: ranks(terms),
    discountRanks: ranks(discounts),
  };
}

const HUNDRED_PERCENT = 1_000_000n;

/** The engine input of a customer with no order, rebuilt from its credit summary (see the module note). */
export function inputFromSummary(c: CustomerCreditJson, common: Common, asOf: string, overdue: CreditCheckInput['overdue']): CreditCheckInput {
  const cr = c.credit;
  const temporary = cr.activeTemporaryLimit === null ? null : parseMoney(cr.activeTemporaryLimit);
  const contribution = parseMoney(cr.insuranceContribution);
  return {
    asOf,
    parameters: common.parameters,
    customer: {
      id: c.id,
      creditLimit: parseMoney(c.creditLimit),
      creditLimitExpirationDate: c.creditLimitExpirationDate,
      mandatoryCreditLimit: c.mandatoryCreditLimit,
      unlimitedCredit: c.unlimitedCredit,
      excludeFromCreditManagement: c.excludeFromCreditManagement,
      ignoreUntilDate: c.ignoreUntilDate,
      creditManagementGroupId: c.creditManagementGroupId,
      accountStatusId: c.accountStatusId,
      riskGroupId: c.riskGroupId,
      paymentTermsId: c.paymentTermsId,
      cashDiscountId: c.cashDiscountId,
    },
    exposureParts: { balance: parseMoney(cr.balance), deliveredNotInvoiced: parseMoney(cr.deliveredNotInvoiced), openOrders: parseMoney(cr.openOrders) },
    overdue,
    order: { amount: 0n, paymentTermsId: c.paymentTermsId, cashDiscountId: c.cashDiscountId, excludeFromCreditManagement: false },
    rules: common.rules,
    temporaryLimits: temporary === null ? [] : [{ amount: temporary, fromDate: asOf, toDate: asOf, postedSeq: 1 }],
    insurances: contribution === 0n ? [] : [{ identifier: 'insurance', value: contribution, updateCreditLimitPct: HUNDRED_PERCENT, effectiveDate: asOf, expirationDate: asOf, includedInExposure: false }],
    group: cr.group ? { id: cr.group.id, creditLimit: parseMoney(cr.group.limit), creditLimitToDate: null, membersExposure: parseMoney(cr.group.exposure), temporaryLimits: [] } : null,
    paymentTermsRanks: common.termRanks,
    cashDiscountRanks: common.discountRanks,
  };
}

/** The input of a held order's re-check: the order is the checked amount and leaves open orders (and the group's exposure). */
export function inputForHeldOrder(base: CreditCheckInput, o: OrderJson): CreditCheckInput {
  const dni = parseMoney(o.deliveredNotInvoiced);
  const open = parseMoney(o.amount) - parseMoney(o.invoicedAmount) - dni;
  const own: Money = exposureTotal(base.parameters.creditLimitType, { balance: 0n, deliveredNotInvoiced: dni, openOrders: open }, false);
  return {
    ...base,
    exposureParts: { ...base.exposureParts, deliveredNotInvoiced: base.exposureParts.deliveredNotInvoiced - dni, openOrders: base.exposureParts.openOrders - open },
    order: {
      amount: parseMoney(o.amount) - parseMoney(o.invoicedAmount),
      paymentTermsId: o.paymentTermsId ?? base.customer.paymentTermsId,
      cashDiscountId: o.cashDiscountId ?? base.customer.cashDiscountId,
      excludeFromCreditManagement: o.excludeFromCreditManagement,
    },
    group: base.group ? { ...base.group, membersExposure: base.group.membersExposure - own } : null,
  };
}

/** Oldest overdue due date and overdue amount from the customer's open items. */
export function overdueOf(items: readonly TransactionJson[], asOf: string): CreditCheckInput['overdue'] {
  let oldest: string | null = null;
  let amount = 0n;
  for (const t of items) {
    const open = parseMoney(t.openAmount);
    if (open > 0n && t.dueDate && t.dueDate < asOf) {
      amount += open;
      if (oldest === null || t.dueDate < oldest) oldest = t.dueDate;
    }
  }
  return { oldestOverdueDueDate: oldest, overdueAmount: amount };
}

/** Runs `f` over `xs` with at most `n` calls in flight. */
export async function mapLimit<T, R>(xs: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await f(xs[i]!);
      }
    }),
  );
  return out;
}

/**
 * Loads the preview context of the named customers (one summary read per customer; for those
 * with open, unforced holds also their open items and the held orders).
 */
export async function loadPreviewContext(client: CreditDeskClient, customerIds: readonly string[], asOf: string, onProgress?: (done: number, total: number) => void): Promise<PreviewContext> {
  const ids = [...new Set(customerIds)];
  const [common, holds, groups] = await Promise.all([
    loadCommon(client),
    client.all<HoldJson>('/api/v1/holds?status=onHold'),
    client.all<{ id: string }>('/api/v1/credit-groups'),
  ]);
  const holdsBy = new Map<string, HoldJson[]>();
  for (const h of holds) if (!h.forced) holdsBy.set(h.customerId, [...(holdsBy.get(h.customerId) ?? []), h]);
  const customers = new Map<string, CustomerContext>();
  const unknown = new Set<string>();
  let done = 0;
  await mapLimit(ids, 8, async (id) => {
    let c: CustomerCreditJson;
    try {
      c = await client.get<CustomerCreditJson>(`/api/v1/customers/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
        unknown.add(id);
        return;
      }
      throw e;
    }
    const held = holdsBy.get(id) ?? [];
    const overdue = held.length ? overdueOf(await client.all<TransactionJson>(`/api/v1/customers/${encodeURIComponent(id)}/transactions?open=true`), asOf) : { oldestOverdueDueDate: null, overdueAmount: 0n };
    const input = inputFromSummary(c, common, asOf, overdue);
    const holdInputs = await Promise.all(
      held.map(async (h) => ({ holdId: h.id, input: inputForHeldOrder(input, await client.get<OrderJson>(`/api/v1/sales-orders/${encodeURIComponent(h.salesOrderId)}`)) })),
    );
    customers.set(id, { customer: c, input, holds: holdInputs });
    onProgress?.(++done, ids.length);
  });
  return { asOf, customers, unknown, groupIds: new Set(groups.map((g) => g.id)) };
}

