import { z } from '@hono/zod-openapi';
import { CHECKPOINTS } from '../../../shared/credit/checkpoints';
import { Currency, idOf, MoneyOut, NonNegativeMoneyIn } from '../../http/schemas';

/** Every parameter with its default (credit.md §1–§4, collections.md §1.16). */
export const parameterFields = {
  // Credit management
  creditManagementEnabled: z.boolean().default(true),
  creditLimitType: z.enum(['none', 'balance', 'balancePlusPackingSlip', 'balancePlusAll']).default('balancePlusAll'),
  checkCreditLimitOnSalesOrder: z.boolean().default(true),
  checkCustomerCreditGroupsCreditLimit: z.boolean().default(true),
  ignoreCreditLimitExpiredRuleWhenBlank: z.boolean().default(true),
  paymentTermsIncreased: z.boolean().default(false),
  settlementDiscountIncreased: z.boolean().default(false),
  automaticallyRelease: z.enum(['no', 'withPosting', 'withoutPosting']).default('no'),
  autoReleaseReasonCode: idOf('reasonCode').nullable().default(null),
  recheckAfterReleaseWhenValueIncreased: z.boolean().default(true),
  modifiedOrderReleaseReasonCode: idOf('reasonCode').nullable().default(null),
  canceledOrderReasonCode: idOf('reasonCode').nullable().default(null),
  requireReleaseApproval: z.boolean().default(false),
  requireAdjustmentApproval: z.boolean().default(false),
  /** Per-line approval (credit.md §6 workflow 2): a submitted line raising a limit by more than this needs its own approval; null = off. */
  adjustmentLineApprovalAmount: NonNegativeMoneyIn.nullable().default(null),
  allowManualEditingOfCreditLimits: z.boolean().default(true),
  accountingCurrency: Currency.default('USD'),
  // Collections
  defaultAgingDefinitionId: idOf('agingDefinition').nullable().default(null),
  creditPlacement: z.enum(['ownDate', 'oldestFirst']).default('ownDate'),
  writeOffReasonCode: idOf('reasonCode').nullable().default(null),
  writeOffAccountId: idOf('writeOffAccount').nullable().default('WRITEOFF'),
  separateSalesTax: z.boolean().default(false),
  waiveLimits: z
    .array(z.strictObject({ currency: Currency, amount: NonNegativeMoneyIn }))
    .max(50)
    .default([]),
  minDaysToAllowWaive: z.number().int().min(0).max(36500).default(0),
  maxDaysToAllowWaive: z.number().int().min(0).max(36500).nullable().default(null),
  adjustmentInvoiceDate: z.enum(['interestNoteDate', 'systemDate']).default('interestNoteDate'),
  createCollectionLetterPer: z.enum(['transaction', 'customer']).default('transaction'),
};

export const ParametersSchema = z.object(parameterFields);
export type Parameters = z.output<typeof ParametersSchema>;

/** PUT body: any subset of the parameters, merged into the stored ones. */
export const ParametersPatch = z
  .strictObject(
    Object.fromEntries(
      Object.entries(parameterFields).map(([k, v]) => [k, (v as z.ZodDefault<z.ZodType>).removeDefault().optional()]),
    ) as {
      [K in keyof typeof parameterFields]: z.ZodOptional<
        (typeof parameterFields)[K] extends z.ZodDefault<infer T> ? T : never
      >;
    },
  )
  .openapi('ParametersPatch');

export const ParametersOut = z
  .object({
    ...Object.fromEntries(Object.keys(parameterFields).map((k) => [k, z.unknown()])),
    waiveLimits: z.array(z.object({ currency: z.string(), amount: MoneyOut })),
    version: z.number(),
  })
  .openapi('Parameters');

const CheckpointRow = z.strictObject({
  checkpoint: z.enum(CHECKPOINTS as [string, ...string[]]),
  posting: z.boolean(),
  proForma: z.boolean(),
  graceDays: z.number().int().min(0).max(365).nullable().default(null),
});
export const CheckpointsBody = z.array(CheckpointRow).max(5).openapi('Checkpoints');
