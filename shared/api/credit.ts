/**
 * The credit check's answer on the wire, defined once: `POST /api/v1/credit-check` answers
 * {@link CreditCheckResultSchema}, and the `credit` of `GET /api/v1/customers/{id}` is the same
 * answer for an empty order plus the limit breakdown ({@link CustomerCreditSchema}, SPEC §5).
 *
 * Plain zod (no server import, no `.openapi()`: `.meta({ id })` names the OpenAPI component), so
 * the server's routes document these schemas and the add-in takes its types from them with
 * `import type` (erased: nothing of this reaches the pane's bundle).
 */
import { z } from 'zod';
import { formatMoney, type Money } from '../money';
import { PERCENT_DESCRIPTION, percentJson } from './percent';
import type { CreditCheckResult } from '../credit/types';

export { percentJson } from './percent';

/** Money in an answer: a decimal string with exactly 2 decimals (SPEC §4). */
export const MoneyJson = z.string().meta({ example: '1234.50', description: 'decimal string with exactly 2 decimals' });

export const PercentJson = z
  .string()
  .regex(/^-?\d+(\.\d{1,4})?$/)
  .nullable()
  .meta({ example: '50.2812', description: PERCENT_DESCRIPTION });

const moneyOrNull = (m: Money | null): string | null => (m === null ? null : formatMoney(m));

const CreditExposureSchema = z
  .object({
    balance: MoneyJson,
    deliveredNotInvoiced: MoneyJson,
    openOrders: MoneyJson,
    total: MoneyJson.meta({
      description: 'the exposure the limit is checked against, by the creditLimitType parameter (credit.md §1.9)',
    }),
  })
  .meta({
    id: 'CreditExposure',
    description: "the customer's exposure without the order being checked (credit.md §1.9)",
  });

const CreditGroupPositionSchema = z
  .object({
    id: z.string(),
    limit: MoneyJson,
    exposure: MoneyJson.meta({
      description:
        "Σ of the members' exposure (order excluded), converted from the accounting currency to the group's at the rate on the check date",
    }),
    currency: z.string().meta({ example: 'EUR', description: "the group's currency: limit and exposure are in it" }),
  })
  .nullable()
  .meta({
    description:
      "the credit group's limit as the credit check applies it, in the group's currency (credit.md §3): null when the customer has no group, is unlimited, or the checkCustomerCreditGroupsCreditLimit parameter is off",
  });

const CreditReasonSchema = z
  .object({
    ruleType: z.string(),
    ruleId: z.string().nullable(),
    measured: z.string(),
    threshold: z.string(),
    explanation: z.string(),
  })
  .meta({ id: 'CreditReason' });

const creditCheckFields = {
  currency: z.string().meta({
    example: 'USD',
    description:
      'the accounting currency: every amount of the answer is in it (exposure, limits, available credit; orders in other currencies converted at the rate on the check date), except `group`, which is in the group’s currency',
  }),
  held: z.boolean(),
  checked: z.boolean().meta({ description: 'false when a precondition switched the check off (see note)' }),
  note: z.string().nullable(),
  reasons: z.array(CreditReasonSchema),
  exposure: CreditExposureSchema,
  effectiveLimit: MoneyJson.nullable().meta({
    description:
      "the binding limit: the customer's totalCreditLimit or its credit group's limit (converted to the accounting currency), whichever leaves less available credit; null = unlimited",
  }),
  availableCredit: MoneyJson.nullable(),
  percentAfterOrder: PercentJson,
  group: CreditGroupPositionSchema,
};

export const CreditCheckResultSchema = z.object(creditCheckFields).meta({ id: 'CreditCheckResult' });
export type CreditCheckResultJson = z.output<typeof CreditCheckResultSchema>;

/**
 * The customer's `credit` (SPEC §5): the credit check of an empty order in the credit check's own
 * shape, plus the customer's own limit breakdown (credit.md §1.4).
 */
export const CustomerCreditSchema = z
  .object({
    ...creditCheckFields,
    percentUsed: PercentJson.meta({
      description: `credit.md §1.9 percentUsed = exposure / effectiveLimit × 100, which is percentAfterOrder for the empty order; ${PERCENT_DESCRIPTION}`,
    }),
    baseCreditLimit: MoneyJson.meta({ description: "the customer's own credit limit (creditLimit)" }),
    activeTemporaryLimit: MoneyJson.nullable().meta({
      description: 'the temporary limit that replaces the base limit today; null when none is active',
    }),
    insuranceContribution: MoneyJson.meta({
      description:
        'Σ of what active insurances and guarantees add to the limit; negative when policies included in exposure take off their full value',
    }),
    totalCreditLimit: MoneyJson.meta({
      description: "the customer's own total limit: (activeTemporaryLimit ?? baseCreditLimit) + insuranceContribution",
    }),
    creditGroupId: z.string().nullable().meta({
      description:
        'the customer credit group the customer belongs to (credit.md §1.5), whether or not group limits are checked',
    }),
    customerCurrency: z.string().meta({ example: 'EUR', description: "the customer's currency" }),
    creditLimitCustomerCurrency: MoneyJson.nullable().meta({
      description:
        "credit.md §1.2: the base credit limit (in the accounting currency) in the customer's currency at today's rate, rounded half-up once; null when that currency has no rate on or before today",
    }),
  })
  .meta({
    id: 'CustomerCredit',
    description:
      "the credit check of an empty order, in the credit check's own shape, plus the limit breakdown (SPEC §5)",
  });
export type CustomerCreditJson = z.output<typeof CustomerCreditSchema>;

/**
 * A credit check's answer as JSON: money as 2-decimal strings, percentages by {@link percentJson};
 * `accountingCurrency` names the currency of its amounts (a group's own currency, when it has one).
 */
export function creditResultToJson(r: CreditCheckResult, accountingCurrency: string): CreditCheckResultJson {
  return {
    currency: accountingCurrency,
    held: r.held,
    checked: r.checked,
    note: r.note,
    reasons: r.reasons.map((x) => ({
      ruleType: x.ruleType,
      ruleId: x.ruleId,
      measured: x.measured,
      threshold: x.threshold,
      explanation: x.explanation,
    })),
    exposure: {
      balance: formatMoney(r.exposure.balance),
      deliveredNotInvoiced: formatMoney(r.exposure.deliveredNotInvoiced),
      openOrders: formatMoney(r.exposure.openOrders),
      total: formatMoney(r.exposure.total),
    },
    effectiveLimit: moneyOrNull(r.effectiveLimit),
    availableCredit: moneyOrNull(r.availableCredit),
    percentAfterOrder: percentJson(r.percentAfterOrder),
    group: r.group
      ? {
          id: r.group.id,
          limit: formatMoney(r.group.limit),
          exposure: formatMoney(r.group.exposure),
          currency: r.group.currency ?? accountingCurrency,
        }
      : null,
  };
}

/** The limit breakdown of a customer (credit.md §1.4), computed by the caller from the engine's input. */
export interface LimitBreakdown {
  baseCreditLimit: Money;
  activeTemporaryLimit: Money | null;
  totalCreditLimit: Money;
  creditGroupId: string | null;
  customerCurrency: string;
  /** The base limit in the customer's currency (credit.md §1.2); null when there is no rate. */
  creditLimitCustomerCurrency: Money | null;
}

/** The customer's `credit`: the empty order's check result and the limit breakdown. */
export function customerCreditToJson(
  r: CreditCheckResult,
  limits: LimitBreakdown,
  accountingCurrency: string,
): CustomerCreditJson {
  const check = creditResultToJson(r, accountingCurrency);
  return {
    ...check,
    percentUsed: check.percentAfterOrder,
    baseCreditLimit: formatMoney(limits.baseCreditLimit),
    activeTemporaryLimit: moneyOrNull(limits.activeTemporaryLimit),
    insuranceContribution: formatMoney(
      limits.totalCreditLimit - (limits.activeTemporaryLimit ?? limits.baseCreditLimit),
    ),
    totalCreditLimit: formatMoney(limits.totalCreditLimit),
    creditGroupId: limits.creditGroupId,
    customerCurrency: limits.customerCurrency,
    creditLimitCustomerCurrency: moneyOrNull(limits.creditLimitCustomerCurrency),
  };
}
