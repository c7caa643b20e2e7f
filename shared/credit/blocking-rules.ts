import { daysBetween, type CalendarDate } from '../dates';
import { formatMoney, formatRate, percentOf, type Money, type Rate } from '../money';
import type { ExchangeRate } from '../currency';
import { activeTemporaryLimit, exposureTotal, limitIsChecked, totalCreditLimit } from './limits';
import { groupAmountInAccounting, inGroupCurrency } from './currencies';
import {
  RULE_TYPES,
  type BlockingRule,
  type CreditCheckInput,
  type CreditCheckResult,
  type CreditReason,
  type ReasonType,
  type RuleType,
  type Scope,
} from './types';

/**
 * A limit test: the amount used once the order is included, against a limit (group or customer),
 * both in the limit's currency.
 */
interface LimitTest {
  label: string;
  /** Used before the order. */
  exposure: Money;
  usedAfter: Money;
  limit: Money;
  /** The limit's currency when it is not the accounting currency, and its rate on the check date (a group's). */
  currency?: string;
  rate?: ExchangeRate;
}

/** Everything the rules measure, computed once per check. */
interface Measures {
  asOf: CalendarDate;
  orderAmount: Money;
  /** The limit tests in the order they run: the group first, then the customer (§3). Empty when no limit rule applies. */
  limitTests: LimitTest[];
  /** The customer's own used-after-order amount (for overdue-amount rules with an amount threshold). */
  usedAfter: Money;
  maxDaysOverdue: number;
  overdueAmount: Money;
  /** Days since the limit expired; null when the expiry date is blank. */
  daysExpired: number | null;
}

const LEVEL: Record<Scope, number> = { table: 3, group: 2, all: 1 };
const HUNDRED_PERCENT = 1_000_000n;

/** used / limit × 100 > pct, exactly (no rounding); a 0 limit counts as +∞ once anything is used (§4.3). */
function exceedsPercent(used: Money, limit: Money, pct: Rate): boolean {
  if (used <= 0n) return pct < 0n;
  if (limit <= 0n) return true;
  return used * HUNDRED_PERCENT > pct * limit;
}

const pctText = (used: Money, limit: Money): string => {
  const p = percentOf(used, limit);
  return p === null ? (used > 0n ? '∞' : '0') : formatRate(p);
};

/** An amount of a limit test, naming its currency when it is not the accounting currency. */
const amountText = (amount: Money, test: LimitTest): string =>
  test.currency === undefined ? formatMoney(amount) : `${formatMoney(amount)} ${test.currency}`;

function appliesTo(rule: BlockingRule, input: CreditCheckInput): boolean {
  const c = input.customer;
  if (rule.riskGroupId !== null && rule.riskGroupId !== c.riskGroupId) return false;
  switch (rule.validFor) {
    case 'all':
      return true;
    case 'table':
      return rule.accountOrGroup === c.id;
    case 'group':
      return rule.accountOrGroup !== null && rule.accountOrGroup === c.creditManagementGroupId;
  }
}

interface Finding {
  measured: string;
  threshold: string;
  explanation: string;
}

/** The blocking condition of a rule, or null when it does not fire (§4.3: measure > threshold). */
function blocks(rule: BlockingRule, m: Measures, input: CreditCheckInput): Finding | null {
  switch (rule.ruleType) {
    case 'daysOverdue': {
      const days = rule.days ?? 0;
      return m.maxDaysOverdue > days
        ? {
            measured: String(m.maxDaysOverdue),
            threshold: String(days),
            explanation: `oldest overdue invoice is ${m.maxDaysOverdue} days past due, more than ${days}`,
          }
        : null;
    }
    case 'accountStatus':
      return rule.accountStatusId !== null && input.customer.accountStatusId === rule.accountStatusId
        ? {
            measured: rule.accountStatusId,
            threshold: rule.accountStatusId,
            explanation: `account status is ${rule.accountStatusId}`,
          }
        : null;
    case 'termsOfPayment':
      return rule.paymentTermsId !== null && input.order.paymentTermsId === rule.paymentTermsId
        ? {
            measured: rule.paymentTermsId,
            threshold: rule.paymentTermsId,
            explanation: `order terms of payment are ${rule.paymentTermsId}`,
          }
        : null;
    case 'creditLimitExpired': {
      const days = rule.days ?? 0;
      if (m.daysExpired === null) {
        return input.parameters.ignoreCreditLimitExpiredRuleWhenBlank
          ? null
          : {
              measured: 'blank',
              threshold: String(days),
              explanation: 'the credit limit has no expiration date and blank dates are not ignored',
            };
      }
      return m.daysExpired > days
        ? {
            measured: String(m.daysExpired),
            threshold: String(days),
            explanation: `credit limit expired ${m.daysExpired} days ago, more than ${days}`,
          }
        : null;
    }
    case 'overdueAmount': {
      const amount = rule.amount ?? 0n;
      if (m.limitTests.length === 0 || m.overdueAmount <= amount) return null;
      const threshold = rule.creditLimitThreshold ?? 0n;
      if (rule.valueType === 'amount') {
        if (m.usedAfter <= threshold) return null;
        return {
          measured: formatMoney(m.overdueAmount),
          threshold: formatMoney(amount),
          explanation: `overdue ${formatMoney(m.overdueAmount)} > ${formatMoney(amount)} and ${formatMoney(m.usedAfter)} used after the order > ${formatMoney(threshold)}`,
        };
      }
      const test = m.limitTests.find((t) => exceedsPercent(t.usedAfter, t.limit, threshold));
      if (!test) return null;
      return {
        measured: formatMoney(m.overdueAmount),
        threshold: formatMoney(amount),
        explanation: `overdue ${formatMoney(m.overdueAmount)} > ${formatMoney(amount)} and ${pctText(test.usedAfter, test.limit)}% of the ${test.label} limit used after the order > ${formatRate(threshold)}%`,
      };
    }
    case 'salesOrder': {
      const amount = rule.amount ?? 0n;
      return m.orderAmount > amount
        ? {
            measured: formatMoney(m.orderAmount),
            threshold: formatMoney(amount),
            explanation: `order amount ${formatMoney(m.orderAmount)} is more than ${formatMoney(amount)}`,
          }
        : null;
    }
    case 'creditLimitUsed': {
      const pct = rule.percent ?? HUNDRED_PERCENT;
      const test = m.limitTests.find((t) => exceedsPercent(t.usedAfter, t.limit, pct));
      if (!test) return null;
      return {
        measured: pctText(test.usedAfter, test.limit),
        threshold: formatRate(pct),
        explanation: `${amountText(test.usedAfter, test)} of the ${test.label} limit ${amountText(test.limit, test)} used after the order = ${pctText(test.usedAfter, test.limit)}% > ${formatRate(pct)}%`,
      };
    }
  }
}

/** The condition of an exclusion: true when the measure is within its value (§4.3: measure ≤ value). */
function exclusionHolds(rule: BlockingRule, m: Measures, input: CreditCheckInput): boolean {
  switch (rule.ruleType) {
    case 'daysOverdue':
      return rule.valueType === 'amount'
        ? m.overdueAmount <= (rule.amount ?? 0n)
        : m.maxDaysOverdue <= (rule.days ?? 0);
    case 'accountStatus':
      return rule.accountStatusId !== null && input.customer.accountStatusId === rule.accountStatusId;
    case 'termsOfPayment':
      return rule.paymentTermsId !== null && input.order.paymentTermsId === rule.paymentTermsId;
    case 'creditLimitExpired':
      // A blank expiry cannot be measured in days, so no exclusion can vouch for it.
      return m.daysExpired !== null && m.daysExpired <= (rule.days ?? 0);
    case 'overdueAmount': {
      if (m.overdueAmount > (rule.amount ?? 0n)) return false;
      const threshold = rule.creditLimitThreshold ?? 0n;
      if (rule.valueType === 'amount') return m.usedAfter <= threshold;
      return m.limitTests.every((t) => !exceedsPercent(t.usedAfter, t.limit, threshold));
    }
    case 'salesOrder':
      return m.orderAmount <= (rule.amount ?? 0n);
    case 'creditLimitUsed': {
      const pct = rule.percent ?? HUNDRED_PERCENT;
      return m.limitTests.length > 0 && m.limitTests.every((t) => !exceedsPercent(t.usedAfter, t.limit, pct));
    }
  }
}

/** A ranked parameter check (§4.3 rows 8 and 9): a missing rank skips the check. */
function rankIncreased(
  ranks: ReadonlyMap<string, number> | undefined,
  orderValue: string | null,
  defaultValue: string | null,
): { order: number; default: number } | null {
  if (!ranks || orderValue === null || defaultValue === null) return null;
  const order = ranks.get(orderValue);
  const base = ranks.get(defaultValue);
  if (order === undefined || base === undefined) return null;
  return order > base ? { order, default: base } : null;
}

/** Where the customer stands against its limits with the order included, before any rule runs. */
export interface CreditPosition extends Pick<
  CreditCheckResult,
  'exposure' | 'effectiveLimit' | 'availableCredit' | 'percentAfterOrder' | 'group'
> {
  /** The limit tests in the order they run: the group first, then the customer (§3). */
  limitTests: LimitTest[];
  /** The customer's own exposure once the order is included. */
  usedAfter: Money;
}

/**
 * The limit half of the credit check (credit.md §1.9, §3): exposure, the customer's and the
 * group's limit tests, and the binding figures shown to people (the tightest test). The check
 * below starts from it; the journal preview (adjustments.ts) needs only this half, with no order
 * (`orderAmount` stands in for the input's order amount).
 *
 * Currencies: the customer's figures and the order amount are in the accounting currency (AC). A
 * credit group's test runs in the group's currency (§3): its members' exposure and the order
 * amount are each converted to it once (./currencies.ts). The binding figures are in AC: when the
 * group binds, its limit and available credit are converted back, each once.
 */
export function creditPosition(input: CreditCheckInput, orderAmount: Money = input.order.amount): CreditPosition {
  const { customer, parameters: params, asOf } = input;
  const total = exposureTotal(params.creditLimitType, input.exposureParts, customer.mandatoryCreditLimit);
  const exposure = { ...input.exposureParts, total };

  // Limits: the customer's own, and the shared group limit checked first (§3).
  const limit = totalCreditLimit(customer, input.temporaryLimits, input.insurances, asOf);
  const usedAfter = total + orderAmount;
  const typeChecksLimit = limitIsChecked(params.creditLimitType, customer.mandatoryCreditLimit);
  const ownManaged = typeChecksLimit && !customer.unlimitedCredit && (limit !== 0n || customer.mandatoryCreditLimit);
  const groupApplies =
    typeChecksLimit && !customer.unlimitedCredit && params.checkCustomerCreditGroupsCreditLimit && input.group != null;
  const group = groupApplies ? input.group! : null;
  const limitTests: LimitTest[] = [];
  let groupPosition: CreditPosition['group'] = null;
  if (group) {
    const rate = group.rate;
    const groupLimit = activeTemporaryLimit(group.temporaryLimits, asOf) ?? group.creditLimit;
    const groupExposure = inGroupCurrency(group.membersExposure, rate);
    const foreign = rate !== undefined && group.currency !== undefined ? { currency: group.currency, rate } : {};
    limitTests.push({
      label: `credit group ${group.id}`,
      exposure: groupExposure,
      usedAfter: groupExposure + inGroupCurrency(orderAmount, rate),
      limit: groupLimit,
      ...foreign,
    });
    groupPosition = {
      id: group.id,
      limit: groupLimit,
      exposure: groupExposure,
      ...(foreign.currency === undefined ? {} : { currency: foreign.currency }),
    };
  }
  if (ownManaged) limitTests.push({ label: 'customer', exposure: total, usedAfter, limit });

  // The binding figures shown to people: the tightest of the limit tests, compared in AC.
  let effectiveLimit: Money | null = null;
  let availableCredit: Money | null = null;
  let percentAfterOrder: Rate | null = null;
  for (const t of limitTests) {
    const available = groupAmountInAccounting(t.limit - t.exposure, t.rate);
    if (availableCredit === null || available < availableCredit) {
      availableCredit = available;
      effectiveLimit = groupAmountInAccounting(t.limit, t.rate);
      percentAfterOrder = percentOf(t.usedAfter, t.limit);
    }
  }
  if (limitTests.length === 0 && !customer.unlimitedCredit && typeChecksLimit) {
    // A 0 limit that is not mandatory and has no group: no credit-limit rule runs (§3 [assume]).
    effectiveLimit = limit;
    availableCredit = limit - total;
  }
  return {
    exposure,
    effectiveLimit,
    availableCredit,
    percentAfterOrder: limitTests.length ? percentAfterOrder : null,
    group: groupPosition,
    limitTests,
    usedAfter,
  };
}

/**
 * The credit check of one sales order (credit.md §1.9, §3, §4): preconditions, the release pass,
 * then every rule type with exclusions from more specific levels; every triggered reason is kept.
 * The "at least one blocking rule" precondition counts an enabled payment-terms or
 * settlement-discount ranking parameter as a rule (§4.3 rows 8 and 9).
 * Pure: the server's posting and the add-in's preview call this same function.
 * @example
 * evaluateCreditCheck({ asOf: '2025-06-30', parameters, customer, exposureParts, overdue, order: { amount: 250000n, … }, rules })
 * // → { held: true, reasons: [{ ruleType: 'creditLimitUsed', measured: '105', threshold: '100', … }], … }
 */
export function evaluateCreditCheck(input: CreditCheckInput): CreditCheckResult {
  const { customer, parameters: params, asOf, order } = input;
  const position = creditPosition(input);
  const { limitTests, usedAfter } = position;

  // Preconditions (§4.1).
  if (!params.creditManagementEnabled)
    return checkResult(position, false, [], 'credit management is switched off', false);
  if (customer.excludeFromCreditManagement)
    return checkResult(position, false, [], 'the customer is excluded from credit management', false);
  if (order.excludeFromCreditManagement)
    return checkResult(position, false, [], 'the order is excluded from credit management', false);
  if (customer.ignoreUntilDate && asOf < customer.ignoreUntilDate)
    return checkResult(
      position,
      false,
      [],
      `credit management is off for this customer until ${customer.ignoreUntilDate}`,
      false,
    );
  // The ranking checks (§4.3 rows 8 and 9) are parameters, not rule rows, but they are blocking
  // rules all the same (§4.4 "including 8 and 9"; §8 E22/E23 hold with only the parameter on).
  const rankChecksOn = params.paymentTermsIncreased || params.settlementDiscountIncreased;
  if (input.rules.length === 0 && !rankChecksOn)
    return checkResult(position, false, [], 'no blocking rules are set up', false);

  const m: Measures = {
    asOf,
    orderAmount: order.amount,
    limitTests: params.checkCreditLimitOnSalesOrder ? limitTests : [],
    usedAfter,
    maxDaysOverdue: input.overdue.oldestOverdueDueDate
      ? Math.max(0, daysBetween(input.overdue.oldestOverdueDueDate, asOf))
      : 0,
    overdueAmount: input.overdue.overdueAmount,
    daysExpired: customer.creditLimitExpirationDate ? daysBetween(customer.creditLimitExpirationDate, asOf) : null,
  };
  // The overdue-amount rule's limit half uses limit tests whatever checkCreditLimitOnSalesOrder says.
  const overdueMeasures: Measures = params.checkCreditLimitOnSalesOrder ? m : { ...m, limitTests };
  const plan = rulePlan(input.rules);

  // 1. Release pass: a true "release sales order" exclusion ends the check, nothing held.
  for (const rule of plan.releasers) {
    if (
      appliesTo(rule, input) &&
      exclusionHolds(rule, rule.ruleType === 'overdueAmount' ? overdueMeasures : m, input)
    ) {
      return checkResult(position, false, [], `released by exclusion rule ${rule.id} (${rule.ruleType})`);
    }
  }

  // 2. Block pass: per rule type, levels from the most specific; an exclusion overrides only a
  //    block of its own type and value type from a more specific level.
  const reasons: CreditReason[] = [];
  for (const { type, blockers, exclusions } of plan.types) {
    const measures = type === 'overdueAmount' ? overdueMeasures : m;
    for (const rule of blockers) {
      if (!appliesTo(rule, input)) continue;
      const finding = blocks(rule, measures, input);
      if (!finding) continue;
      if (suppressed(rule, exclusions, measures, input)) continue;
      reasons.push({ ruleType: type, ruleId: rule.id, ...finding });
      break; // one reason per rule type
    }
  }

  // Parameter checks (rows 8 and 9): ranks of the order's terms against the customer's defaults.
  if (params.paymentTermsIncreased)
    rankReason(
      reasons,
      'paymentTermsIncreased',
      'payment terms',
      rankIncreased(input.paymentTermsRanks, order.paymentTermsId, customer.paymentTermsId),
    );
  if (params.settlementDiscountIncreased)
    rankReason(
      reasons,
      'settlementDiscountIncreased',
      'cash discount',
      rankIncreased(input.cashDiscountRanks, order.cashDiscountId, customer.cashDiscountId),
    );

  return checkResult(position, reasons.length > 0, reasons, null);
}

function checkResult(
  position: CreditPosition,
  held: boolean,
  reasons: CreditReason[],
  note: string | null,
  checked = true,
): CreditCheckResult {
  return {
    checked,
    held,
    reasons,
    note,
    exposure: position.exposure,
    effectiveLimit: position.effectiveLimit,
    availableCredit: position.availableCredit,
    percentAfterOrder: position.percentAfterOrder,
    group: position.group,
  };
}

/** Whether an applicable exclusion of the rule's type and value type, from a more specific level, holds. */
function suppressed(
  rule: BlockingRule,
  exclusions: readonly BlockingRule[],
  m: Measures,
  input: CreditCheckInput,
): boolean {
  for (const e of exclusions) {
    if (
      (e.valueType ?? null) === (rule.valueType ?? null) &&
      LEVEL[e.validFor] > LEVEL[rule.validFor] &&
      appliesTo(e, input) &&
      exclusionHolds(e, m, input)
    )
      return true;
  }
  return false;
}

function rankReason(
  reasons: CreditReason[],
  ruleType: ReasonType,
  what: string,
  hit: { order: number; default: number } | null,
): void {
  if (hit)
    reasons.push({
      ruleType,
      ruleId: null,
      measured: String(hit.order),
      threshold: String(hit.default),
      explanation: `the order's ${what} rank ${hit.order} is above the customer's default rank ${hit.default}`,
    });
}

/**
 * A rule list arranged for the check: the release exclusions in list order, and per rule type its
 * blocking rules from the most specific level (stable within a level) and its other exclusions.
 * Which of them apply depends on the customer, so that is decided per check.
 */
interface RulePlan {
  releasers: BlockingRule[];
  types: { type: RuleType; blockers: BlockingRule[]; exclusions: BlockingRule[] }[];
}

/** Plans are kept per rule list: the server hands every check the same cached list, which must not be changed in place. */
const plans = new WeakMap<readonly BlockingRule[], RulePlan>();

function rulePlan(rules: readonly BlockingRule[]): RulePlan {
  let plan = plans.get(rules);
  if (plan) return plan;
  plan = {
    releasers: rules.filter((r) => r.kind === 'exclusion' && r.releaseSalesOrder),
    types: RULE_TYPES.map((type) => ({
      type: type as RuleType,
      blockers: rules
        .filter((r) => r.ruleType === type && r.kind === 'blocking')
        .sort((a, b) => LEVEL[b.validFor] - LEVEL[a.validFor]),
      exclusions: rules.filter((r) => r.ruleType === type && r.kind === 'exclusion' && !r.releaseSalesOrder),
    })).filter((t) => t.blockers.length > 0),
  };
  plans.set(rules, plan);
  return plan;
}

/** The hold list's summary: the single reason's type, or "multiple" (§5). */
export function summaryReason(reasons: readonly { ruleType: string }[]): string | null {
  if (reasons.length === 0) return null;
  return reasons.length === 1 ? reasons[0]!.ruleType : 'multiple';
}

/**
 * Summarises open debit items for the overdue rules: the oldest past-due due date and the
 * remaining amount past due on `asOf`.
 */
export function summarizeOverdue(
  items: Iterable<{ dueDate: CalendarDate | null; openAmount: Money }>,
  asOf: CalendarDate,
): { oldestOverdueDueDate: CalendarDate | null; overdueAmount: Money } {
  let oldest: CalendarDate | null = null;
  let amount = 0n;
  for (const i of items) {
    if (i.openAmount <= 0n || i.dueDate === null || i.dueDate >= asOf) continue;
    amount += i.openAmount;
    if (oldest === null || i.dueDate < oldest) oldest = i.dueDate;
  }
  return { oldestOverdueDueDate: oldest, overdueAmount: amount };
}
