import type { ExchangeRate } from '../currency';
import type { CalendarDate } from '../dates';
import type { Money, Rate } from '../money';

/** Which amounts count as exposure (credit.md §1.9). */
export type CreditLimitType = 'none' | 'balance' | 'balancePlusPackingSlip' | 'balancePlusAll';

/** The credit-management parameters the check reads (credit.md §4, SPEC §5 parameters). */
export interface CreditParameters {
  creditManagementEnabled: boolean;
  creditLimitType: CreditLimitType;
  checkCreditLimitOnSalesOrder: boolean;
  checkCustomerCreditGroupsCreditLimit: boolean;
  ignoreCreditLimitExpiredRuleWhenBlank: boolean;
  paymentTermsIncreased: boolean;
  settlementDiscountIncreased: boolean;
}

export const DEFAULT_CREDIT_PARAMETERS: CreditParameters = {
  creditManagementEnabled: true,
  creditLimitType: 'balancePlusAll',
  checkCreditLimitOnSalesOrder: true,
  checkCustomerCreditGroupsCreditLimit: true,
  ignoreCreditLimitExpiredRuleWhenBlank: true,
  paymentTermsIncreased: false,
  settlementDiscountIncreased: false,
};

/** The customer's credit profile, as the check needs it. */
export interface CreditCustomer {
  id: string;
  /** In the accounting currency (credit.md §1.2), as every customer figure of the check. */
  creditLimit: Money;
  creditLimitExpirationDate: CalendarDate | null;
  mandatoryCreditLimit: boolean;
  unlimitedCredit: boolean;
  excludeFromCreditManagement: boolean;
  ignoreUntilDate?: CalendarDate | null;
  creditManagementGroupId: string | null;
  accountStatusId: string | null;
  riskGroupId: string | null;
  paymentTermsId: string | null;
  cashDiscountId: string | null;
}

/** A temporary limit: replaces the base limit while fromDate ≤ asOf ≤ toDate (§1.3). */
export interface TemporaryLimit {
  amount: Money;
  fromDate: CalendarDate;
  toDate: CalendarDate;
  /** Order of posting: when windows overlap, the most recently posted wins. */
  postedSeq: number;
}

/** Insurance or guarantee on a customer (§1.4). `updateCreditLimitPct` is a percentage Rate (50% = 500000n). */
export interface Insurance {
  identifier: 'insurance' | 'guarantee';
  /** In the accounting currency as the check takes it: the policy's own value converted on the check date (./currencies.ts). */
  value: Money;
  updateCreditLimitPct: Rate;
  effectiveDate: CalendarDate;
  expirationDate: CalendarDate;
  includedInExposure: boolean;
}

/** The three amounts exposure is made of, excluding the order being checked (§1.9), in the accounting currency. */
export interface ExposureParts {
  balance: Money;
  deliveredNotInvoiced: Money;
  openOrders: Money;
}

/** What the days-overdue and overdue-amount rules measure, from the open debit items. */
interface OverdueSummary {
  /** The earliest due date among open debits that are past due, or null when nothing is overdue. */
  oldestOverdueDueDate: CalendarDate | null;
  /** The remaining amount of open debits with dueDate < asOf. */
  overdueAmount: Money;
}

/**
 * A customer credit group sharing one limit (§1.5, §3). Its limit and temporary limits are in the
 * group's currency; the check converts the members' exposure and the order amount to it.
 */
export interface CreditGroupState {
  id: string;
  creditLimit: Money;
  creditLimitToDate: CalendarDate | null;
  /**
   * Σ of every member's exposure (this customer included), the order being checked excluded, in
   * the accounting currency: the check converts it to the group currency at `rate`.
   */
  membersExposure: Money;
  /** A temporary limit of the group, when one is posted. */
  temporaryLimits?: TemporaryLimit[];
  /** The group's currency when it is not the accounting currency (absent: the group is in the accounting currency). */
  currency?: string;
  /** With `currency`: accounting-currency units per 1 unit of it on the check date (shared/currency.ts). */
  rate?: ExchangeRate;
}

export type RuleType =
  | 'daysOverdue'
  | 'accountStatus'
  | 'termsOfPayment'
  | 'creditLimitExpired'
  | 'overdueAmount'
  | 'salesOrder'
  | 'creditLimitUsed';
export const RULE_TYPES: readonly RuleType[] = [
  'daysOverdue',
  'accountStatus',
  'termsOfPayment',
  'creditLimitExpired',
  'overdueAmount',
  'salesOrder',
  'creditLimitUsed',
];
export type ReasonType = RuleType | 'paymentTermsIncreased' | 'settlementDiscountIncreased';
export type ValueType = 'days' | 'amount' | 'percent';
export type Scope = 'table' | 'group' | 'all';

/** A blocking or exclusion rule (§4.2). Threshold fields are read by `ruleType`. */
export interface BlockingRule {
  id: string;
  ruleType: RuleType;
  kind: 'blocking' | 'exclusion';
  validFor: Scope;
  /** The customer (table) or credit management group (group); null for all. */
  accountOrGroup: string | null;
  riskGroupId: string | null;
  valueType: ValueType | null;
  days: number | null;
  /** In the accounting currency, as the exposure and order amounts it is compared with. */
  amount: Money | null;
  /** A percentage Rate (100% = 1000000n): creditLimitUsed threshold. */
  percent: Rate | null;
  /** overdueAmount: the credit-limit threshold, a percentage Rate (valueType percent) or money in minor units of the accounting currency (valueType amount). */
  creditLimitThreshold: bigint | null;
  accountStatusId: string | null;
  paymentTermsId: string | null;
  releaseSalesOrder: boolean;
}

/** The order being checked. */
export interface CreditOrder {
  /** Remaining (not yet invoiced) amount of this order, in the accounting currency (converted from the order's on the check date). */
  amount: Money;
  paymentTermsId: string | null;
  cashDiscountId: string | null;
  excludeFromCreditManagement: boolean;
}

/** Everything the credit check needs, as plain data: the server and the add-in build the same input. */
export interface CreditCheckInput {
  asOf: CalendarDate;
  parameters: CreditParameters;
  customer: CreditCustomer;
  exposureParts: ExposureParts;
  overdue: OverdueSummary;
  order: CreditOrder;
  rules: readonly BlockingRule[];
  temporaryLimits?: readonly TemporaryLimit[];
  insurances?: readonly Insurance[];
  group?: CreditGroupState | null;
  /** Ranks of payment terms and cash discounts (§1.6); a missing rank skips that check. */
  paymentTermsRanks?: ReadonlyMap<string, number>;
  cashDiscountRanks?: ReadonlyMap<string, number>;
}

export interface CreditReason {
  ruleType: ReasonType;
  ruleId: string | null;
  /** What was measured, in the rule's unit: days as an integer, money and percentages as decimal strings. */
  measured: string;
  threshold: string;
  /** One sentence a person can read: why this reason fired. */
  explanation: string;
}

export interface CreditCheckResult {
  /** False when a precondition switched the check off (excluded customer or order, no rules, …). */
  checked: boolean;
  held: boolean;
  reasons: CreditReason[];
  /** Why the check did not run, or why nothing was held although rules fired (release exclusion). */
  note: string | null;
  /** In the accounting currency, as effectiveLimit and availableCredit (a binding group limit converted back to it). */
  exposure: ExposureParts & { total: Money };
  /** The binding limit: the lower of the customer's and the group's when both apply; null = unlimited. */
  effectiveLimit: Money | null;
  availableCredit: Money | null;
  /** Percent of the binding limit used once the order is included (4 decimals); null when unlimited or when the limit is 0. */
  percentAfterOrder: Rate | null;
  /** The group's limit and its members' exposure in the group's currency (`currency` absent: the accounting currency). */
  group: { id: string; limit: Money; exposure: Money; currency?: string } | null;
}
