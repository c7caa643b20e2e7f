import { z } from '@hono/zod-openapi';
import {
  Currency,
  DateIn,
  DateOut,
  Id,
  idOf,
  MoneyOut,
  PositiveMoneyIn,
  ShortText,
  Timestamp,
} from '../../http/schemas';
import { RateIn } from '../blocking-rules/blocking-rules.schema';

/** 100 % as a Rate (4 implied decimals). */
const HUNDRED_PERCENT = 1_000_000n;

export const InsuranceInput = z
  .strictObject({
    identifier: z.enum(['insurance', 'guarantee']),
    typeId: idOf('insuranceType')
      .nullish()
      .openapi({ description: 'the guarantee/insurance type: insurer, broker or guarantor' }),
    coverageTypeId: idOf('coverageType')
      .nullish()
      .openapi({ description: 'insurance only; not allowed on a guarantee' }),
    identification: ShortText.nullish().openapi({ description: 'policy number' }),
    value: PositiveMoneyIn.openapi({
      type: 'string',
      example: '50000.00',
      description:
        'full value of the policy in its currency, greater than zero; the credit check converts it to the accounting currency at the rate on the check date (422 naming the currency and date when there is none)',
    }),
    currency: Currency.nullish().openapi({ description: "defaults to the customer's currency" }),
    updateCreditLimitPct: RateIn.refine((r) => r <= HUNDRED_PERCENT, 'must be between 0 and 100').openapi({
      type: 'string',
      example: '50',
      description: 'percentage of the value added to the credit limit, 0–100 with up to 4 decimals',
    }),
    effectiveDate: DateIn,
    expirationDate: DateIn.openapi({ description: 'inclusive; on or after effectiveDate' }),
    includedInExposure: z.boolean().default(false).openapi({
      description:
        'when true the full policy value is taken off the limit again (reduces the limit by the full policy value)',
    }),
  })
  .superRefine((v, ctx) => {
    if (v.identifier === 'guarantee' && v.coverageTypeId != null)
      ctx.addIssue({
        code: 'custom',
        path: ['coverageTypeId'],
        message: 'a guarantee has no coverage type (insurance only)',
      });
  })
  .openapi('InsuranceInput');
export type InsuranceInput = z.output<typeof InsuranceInput>;

export const InsuranceSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    identifier: z.enum(['insurance', 'guarantee']),
    typeId: z.string().nullable(),
    coverageTypeId: z.string().nullable(),
    identification: z.string().nullable(),
    value: MoneyOut,
    currency: z.string(),
    updateCreditLimitPct: z.string().openapi({ example: '50' }),
    effectiveDate: DateOut,
    expirationDate: DateOut,
    includedInExposure: z.boolean(),
    creditLimitContribution: MoneyOut.meta({
      description:
        "what the policy adds to the limit while it is active (negative when included in exposure), in the policy's currency; the credit check takes the value in the accounting currency at the rate on the check date",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Insurance');
export type InsuranceJson = z.infer<typeof InsuranceSchema>;

export const CustomerParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });
export const InsuranceParams = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' } }),
  insuranceId: Id.openapi({ param: { name: 'insuranceId', in: 'path' } }),
});
export const InsuranceListSchema = z.object({ items: z.array(InsuranceSchema), nextCursor: z.string().nullable() });
