import { z } from '@hono/zod-openapi';
import { Currency, DateIn, Id, ID_EXAMPLES, idOf, MoneyIn, NonNegativeMoneyIn } from '../../http/schemas';
import { LIMIT_OPERATORS, SCORING_GROUP_TYPES, type LimitOperator } from '../../../shared/credit/risk';

/** The OpenAPI tag of risk scoring. */
export const TAG = 'Risk scoring';
const Description = z.string().trim().min(1).max(200);
/** A score or a numeric input: a decimal with at most 2 decimals. */
const Decimal2 = MoneyIn.openapi({
  type: 'string',
  example: '30.00',
  description: 'decimal string or number with at most 2 decimals',
});
/** A label or a decimal, compared with a customer's input. Numbers are taken by their exact text. */
const ValueIn = z
  .union([z.string().trim().min(1).max(100), z.number()])
  .transform((v) => String(v))
  .openapi({ type: 'string', example: 'STD' });

export const RiskGroupInput = z
  .strictObject({
    description: Description,
    fromScore: Decimal2,
    toScore: Decimal2,
    indicator: z
      .string()
      .trim()
      .min(1)
      .max(30)
      .nullish()
      .openapi({ description: 'icon or colour shown with the group, e.g. "red"' }),
  })
  .openapi('RiskGroupInput');

const RangeLineIn = z.strictObject({
  fromValue: Decimal2.nullish().openapi({ description: 'lowest input of the line (inclusive); null = no lower bound' }),
  toValue: Decimal2.nullish().openapi({ description: 'highest input of the line (inclusive); null = no upper bound' }),
  score: Decimal2,
});
const ValueLineIn = z.strictObject({ value: ValueIn, score: Decimal2 });
const scoringBase = {
  description: Description,
  groupType: z.enum(SCORING_GROUP_TYPES).openapi({ description: 'the input the group scores (credit.md §1.7)' }),
};
export const ScoringRuleInput = z
  .discriminatedUnion('scoreType', [
    z.strictObject({ ...scoringBase, scoreType: z.literal('range'), lines: z.array(RangeLineIn).max(500) }),
    z.strictObject({ ...scoringBase, scoreType: z.literal('userDefined'), lines: z.array(ValueLineIn).max(500) }),
  ])
  .openapi('ScoringRuleInput');
export type ScoringRuleInput = z.output<typeof ScoringRuleInput>;

/** Accepted spellings of the operators, stored as the symbols of credit.md §2.3. */
const OPERATOR_SPELLINGS: Record<string, LimitOperator> = {
  '=': '=',
  '≠': '≠',
  '!=': '≠',
  '<>': '≠',
  '<': '<',
  '≤': '≤',
  '<=': '≤',
  '>': '>',
  '≥': '≥',
  '>=': '≥',
};
const OperatorIn = z
  .enum(Object.keys(OPERATOR_SPELLINGS) as [string, ...string[]])
  .transform((o) => OPERATOR_SPELLINGS[o]!)
  .openapi({ description: `one of ${LIMIT_OPERATORS.join(' ')} (or != <> <= >=)`, example: '≥' });

export const AutomaticLimitSetupInput = z
  .strictObject({
    riskGroupId: idOf('riskGroup'),
    currency: Currency,
    maxRevenue: NonNegativeMoneyIn.openapi({
      description: 'the setup applies only to customers whose revenue is at most this',
    }),
    lines: z
      .array(
        z.strictObject({
          scoringRuleId: idOf('scoringRule'),
          operator: OperatorIn,
          value: ValueIn,
          creditLimit: NonNegativeMoneyIn,
        }),
      )
      .min(1)
      .max(200)
      .openapi({ description: 'ORed: the highest limit among the matching lines applies' }),
  })
  .openapi('AutomaticLimitSetupInput');

export const RiskScoresUpdateInput = z
  .strictObject({
    customerIds: z
      .array(idOf('customer'))
      .max(50_000)
      .optional()
      .openapi({ description: 'the customers to score; all customers when left out' }),
    asOf: DateIn.optional().openapi({ description: 'the date the inputs are computed for (default today, UTC)' }),
    userDefined: z
      .record(Id, z.record(Id, ValueIn))
      .optional()
      .openapi({
        description: 'hand-entered inputs by customer id and scoring-rule id, for userDefined and country groups',
        example: { [ID_EXAMPLES.customer]: { [ID_EXAMPLES.scoringRule]: 'strong' } },
      }),
  })
  .openapi('RiskScoresUpdateInput');
export type RiskScoresUpdateInput = z.output<typeof RiskScoresUpdateInput>;

const ContributionSchema = z.object({
  scoringRuleId: z.string(),
  groupType: z.string(),
  input: z.string().nullable(),
  score: z.string(),
});
const ScoredCustomerSchema = z.object({
  customerId: z.string(),
  riskScore: z.string(),
  riskGroupId: z.string().nullable(),
  changed: z.boolean(),
  version: z.number(),
  contributions: z.array(ContributionSchema),
});
export const RiskScoresUpdateResult = z
  .object({ updated: z.number(), asOf: z.string(), customers: z.array(ScoredCustomerSchema) })
  .openapi('RiskScoresUpdateResult');
export type ScoredCustomer = z.infer<typeof ScoredCustomerSchema>;
