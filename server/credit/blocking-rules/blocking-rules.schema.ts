import { z } from '@hono/zod-openapi';
import { RULE_TYPES } from '../../../shared/credit/types';
import { tryParseRate } from '../../../shared/money';
import { idOf, MoneyOut, NonNegativeMoneyIn, ShortText } from '../../http/schemas';

/** A percentage or rate with up to 4 decimals: "100", 92.5. Parsed to a Rate bigint. */
export const RateIn = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const r = tryParseRate(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r.value;
  })
  .refine((r) => r >= 0n, 'must not be negative')
  .openapi({ type: 'string', example: '100', description: 'decimal with up to 4 decimals' });

/**
 * A blocking or exclusion rule (credit.md §4.2). Threshold fields by `ruleType`:
 * daysOverdue → valueType "days" + days (exclusions may use "amount" + amount);
 * accountStatus → accountStatusId; termsOfPayment → paymentTermsId; creditLimitExpired → days;
 * overdueAmount → amount + valueType "percent"|"amount" + creditLimitThreshold;
 * salesOrder → amount; creditLimitUsed → percent.
 * Amounts are in the accounting currency, as the exposure and order amounts they are compared
 * with (orders in other currencies are converted at the rate on the check date).
 */
const AMOUNT_DESCRIPTION =
  "in the accounting currency: the overdue amount, the order amount (an order in another currency converted at the rate on the check date) and the customer's exposure are compared in it";

export const BlockingRuleInput = z
  .strictObject({
    ruleType: z.enum(RULE_TYPES as [string, ...string[]]),
    kind: z.enum(['blocking', 'exclusion']),
    validFor: z.enum(['table', 'group', 'all']).default('all'),
    accountOrGroup: idOf('customer')
      .nullish()
      .openapi({ description: 'validFor table: a customer; group: a credit management group' }),
    riskGroupId: idOf('riskGroup').nullish(),
    valueType: z.enum(['days', 'amount', 'percent']).nullish(),
    days: z.number().int().min(0).max(36500).nullish(),
    amount: NonNegativeMoneyIn.nullish().openapi({ description: AMOUNT_DESCRIPTION }),
    percent: RateIn.nullish(),
    creditLimitThreshold: z.union([z.string(), z.number()]).nullish().openapi({
      type: 'string',
      description:
        'overdueAmount only: a percentage (valueType percent) or an amount in the accounting currency (valueType amount)',
    }),
    accountStatusId: idOf('accountStatus').nullish(),
    paymentTermsId: idOf('paymentTerms').nullish(),
    releaseSalesOrder: z.boolean().default(false),
    description: ShortText.nullish(),
  })
  .openapi('BlockingRuleInput');
export type BlockingRuleInput = z.output<typeof BlockingRuleInput>;

export const BlockingRuleSchema = z
  .object({
    id: z.string(),
    ruleType: z.string(),
    kind: z.enum(['blocking', 'exclusion']),
    validFor: z.enum(['table', 'group', 'all']),
    accountOrGroup: z.string().nullable(),
    riskGroupId: z.string().nullable(),
    valueType: z.string().nullable(),
    days: z.number().nullable(),
    amount: MoneyOut.nullable().openapi({ description: AMOUNT_DESCRIPTION }),
    percent: z.string().nullable(),
    creditLimitThreshold: z.string().nullable(),
    accountStatusId: z.string().nullable(),
    paymentTermsId: z.string().nullable(),
    releaseSalesOrder: z.boolean(),
    description: z.string().nullable(),
    sentence: z
      .string()
      .openapi({ description: 'the rule in words, e.g. "Block when overdue > 3000.00 AND usage > 70% of limit"' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .openapi('BlockingRule');
export type BlockingRuleJson = z.infer<typeof BlockingRuleSchema>;
