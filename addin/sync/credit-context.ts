/**
 * What the local preview needs to run the shared credit check (shared/credit) for proposal rows:
 * `POST /api/v1/credit-context:batch` answers, for up to 50,000 customers per request, the very
 * engine input the server's journal `:validate` builds (money as decimal strings) and, per open
 * unforced hold, the fields in which its order's re-check input differs. Decoding it here is the
 * whole job: no figure is recomputed in the pane, so the preview equals `:validate`.
 */
import { parseRate, type Money } from '../../shared/money';
import { tryParseExchangeRate, type ExchangeRate } from '../../shared/currency';
import type {
  BlockingRule,
  CreditCheckInput,
  CreditLimitType,
  CreditOrder,
  Insurance,
  RuleType,
  TemporaryLimit,
} from '../../shared/credit/types';
import type { CreditDeskClient } from './api';
import type {
  BlockingRuleJson as RuleJson,
  CreditContextJson,
  CreditOrderJson as OrderJson,
  CustomerContextJson,
  ExposurePartsJson as ExposureJson,
  TemporaryLimitJson,
} from '../../shared/api/wire';
import { isId } from '../../shared/ids';

// The answer's types are the server's schema's (shared/api/wire.ts, types only).
export type { CreditContextJson, CustomerContextJson };

interface CustomerContext {
  name: string;
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

/** Ids per request: one request for 10,000 rows; the endpoint takes up to 50,000. */
export const CONTEXT_BATCH = 10_000;
const MONEY = /^-?\d+\.\d\d$/;

/** Money as the server formats it ("-0.05", exactly 2 decimals), without a float and without a range limit (sums may be large). */
function moneyFromJson(s: string): Money {
  if (!MONEY.test(s)) throw new Error(`credit context: "${s}" is not an amount`);
  return BigInt(s.replace('.', ''));
}

function ruleFromJson(r: RuleJson): BlockingRule {
  const threshold =
    r.creditLimitThreshold === null
      ? null
      : r.valueType === 'amount'
        ? moneyFromJson(r.creditLimitThreshold)
        : parseRate(r.creditLimitThreshold);
  return {
    id: r.id,
    ruleType: r.ruleType as RuleType,
    kind: r.kind,
    validFor: r.validFor,
    accountOrGroup: r.accountOrGroup,
    riskGroupId: r.riskGroupId,
    valueType: r.valueType as BlockingRule['valueType'],
    days: r.days,
    amount: r.amount === null ? null : moneyFromJson(r.amount),
    percent: r.percent === null ? null : parseRate(r.percent),
    creditLimitThreshold: threshold,
    accountStatusId: r.accountStatusId,
    paymentTermsId: r.paymentTermsId,
    releaseSalesOrder: r.releaseSalesOrder,
  };
}

const temporaryFromJson = (t: TemporaryLimitJson): TemporaryLimit => ({
  amount: moneyFromJson(t.amount),
  fromDate: t.fromDate,
  toDate: t.toDate,
  postedSeq: t.postedSeq,
});
const orderFromJson = (o: OrderJson): CreditOrder => ({
  amount: moneyFromJson(o.amount),
  paymentTermsId: o.paymentTermsId,
  cashDiscountId: o.cashDiscountId,
  excludeFromCreditManagement: o.excludeFromCreditManagement,
});
const exposureFromJson = (e: ExposureJson) => ({
  balance: moneyFromJson(e.balance),
  deliveredNotInvoiced: moneyFromJson(e.deliveredNotInvoiced),
  openOrders: moneyFromJson(e.openOrders),
});

/**
 * A credit group in another currency than the accounting currency: its currency and the rate the
 * check converts at on asOf (credit.md §3), as the server's engine input carries them. `rate: null`
 * (or no rate at all, from a server older than multi-currency): the group is in the accounting currency.
 */
function groupCurrencyFromJson(g: { currency?: string; rate?: string | null }): {
  currency?: string;
  rate?: ExchangeRate;
} {
  if (g.rate === null || g.rate === undefined || g.currency === undefined) return {};
  const rate = tryParseExchangeRate(g.rate);
  if (!rate.ok) throw new Error(`credit context: rate "${g.rate}" ${rate.message}`);
  return { currency: g.currency, rate: rate.value };
}

/** The setup every input shares, decoded once per answer (the server also shares one object). */
function commonFromJson(
  j: Pick<CreditContextJson, 'parameters' | 'rules' | 'paymentTermsRanks' | 'cashDiscountRanks'>,
) {
  return {
    parameters: { ...j.parameters, creditLimitType: j.parameters.creditLimitType as CreditLimitType },
    rules: j.rules.map(ruleFromJson),
    paymentTermsRanks: new Map(Object.entries(j.paymentTermsRanks)),
    cashDiscountRanks: new Map(Object.entries(j.cashDiscountRanks)),
  };
}

/** A customer's engine input and its held orders' re-check inputs, from its JSON. */
function customerContextFromJson(
  c: CustomerContextJson,
  asOf: string,
  common: ReturnType<typeof commonFromJson>,
): CustomerContext {
  const input: CreditCheckInput = {
    asOf,
    parameters: common.parameters,
    customer: {
      id: c.id,
      creditLimit: moneyFromJson(c.customer.creditLimit),
      creditLimitExpirationDate: c.customer.creditLimitExpirationDate,
      mandatoryCreditLimit: c.customer.mandatoryCreditLimit,
      unlimitedCredit: c.customer.unlimitedCredit,
      excludeFromCreditManagement: c.customer.excludeFromCreditManagement,
      ignoreUntilDate: c.customer.ignoreUntilDate,
      creditManagementGroupId: c.customer.creditManagementGroupId,
      accountStatusId: c.customer.accountStatusId,
      riskGroupId: c.customer.riskGroupId,
      paymentTermsId: c.customer.paymentTermsId,
      cashDiscountId: c.customer.cashDiscountId,
    },
    exposureParts: exposureFromJson(c.exposureParts),
    overdue: {
      oldestOverdueDueDate: c.overdue.oldestOverdueDueDate,
      overdueAmount: moneyFromJson(c.overdue.overdueAmount),
    },
    order: orderFromJson(c.order),
    rules: common.rules,
    temporaryLimits: c.temporaryLimits.map(temporaryFromJson),
    insurances: c.insurances.map((i): Insurance => ({
      identifier: i.identifier,
      value: moneyFromJson(i.value),
      updateCreditLimitPct: parseRate(i.updateCreditLimitPct),
      effectiveDate: i.effectiveDate,
      expirationDate: i.expirationDate,
      includedInExposure: i.includedInExposure,
    })),
    group: c.group
      ? {
          id: c.group.id,
          creditLimit: moneyFromJson(c.group.creditLimit),
          creditLimitToDate: c.group.creditLimitToDate,
          membersExposure: moneyFromJson(c.group.membersExposure),
          temporaryLimits: c.group.temporaryLimits.map(temporaryFromJson),
          ...groupCurrencyFromJson(c.group),
        }
      : null,
    paymentTermsRanks: common.paymentTermsRanks,
    cashDiscountRanks: common.cashDiscountRanks,
  };
  const holds = c.heldOrders.map((h) => ({
    holdId: h.holdId,
    input: {
      ...input,
      order: orderFromJson(h.order),
      exposureParts: exposureFromJson(h.exposureParts),
      group:
        input.group && h.groupMembersExposure !== null
          ? { ...input.group, membersExposure: moneyFromJson(h.groupMembersExposure) }
          : input.group,
    },
  }));
  return { name: c.name, input, holds };
}

/** Adds one `credit-context:batch` answer to a preview context. */
export function addContextJson(ctx: PreviewContext, j: CreditContextJson): PreviewContext {
  const common = commonFromJson(j);
  for (const c of j.customers) ctx.customers.set(c.id, customerContextFromJson(c, j.asOf, common));
  for (const id of j.unknownCustomerIds) ctx.unknown.add(id);
  for (const g of j.creditGroups) ctx.groupIds.add(g.id);
  return ctx;
}

export const emptyContext = (asOf: string): PreviewContext => ({
  asOf,
  customers: new Map(),
  unknown: new Set(),
  groupIds: new Set(),
});

/**
 * Loads the preview context of the named customers (and credit groups) in requests of
 * {@link CONTEXT_BATCH} ids: one request for 10,000 rows. Ids that are not ids at all are unknown
 * without asking (the server would refuse the whole request).
 */
export async function loadPreviewContext(
  client: CreditDeskClient,
  customerIds: readonly string[],
  asOf: string,
  onProgress?: (done: number, total: number) => void,
  creditGroupIds: readonly string[] = [],
): Promise<PreviewContext> {
  const ctx = emptyContext(asOf);
  const ids: string[] = [];
  for (const id of new Set(customerIds)) {
    if (isId(id)) ids.push(id);
    else ctx.unknown.add(id);
  }
  const groups = [...new Set(creditGroupIds)].filter(isId);
  let done = 0;
  for (let i = 0; i < Math.max(ids.length, groups.length); i += CONTEXT_BATCH) {
    const chunk = ids.slice(i, i + CONTEXT_BATCH);
    addContextJson(
      ctx,
      await client.post<CreditContextJson>('/api/v1/credit-context:batch', {
        customerIds: chunk,
        creditGroupIds: groups.slice(i, i + CONTEXT_BATCH),
        asOf,
      }),
    );
    done += chunk.length;
    onProgress?.(done, ids.length);
  }
  return ctx;
}
