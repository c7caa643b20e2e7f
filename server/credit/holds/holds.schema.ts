import { z } from '@hono/zod-openapi';
import { DateIn, idOf, LongText, MoneyOut } from '../../http/schemas';
import { HOLD_STATUSES } from './holds.repository';

const HoldReasonSchema = z.object({
  ruleType: z.string(),
  ruleId: z.string().nullable(),
  active: z.boolean(),
  measured: z.string(),
  threshold: z.string(),
  explanation: z.string(),
});
export const HoldSchema = z
  .object({
    id: z.string(),
    salesOrderId: z.string(),
    customerId: z.string(),
    checkpoint: z.string().nullable(),
    postingType: z.string().nullable(),
    heldAt: z.string(),
    asOf: z.string(),
    orderAmount: MoneyOut.meta({
      description: "what was left to invoice when the order was held, in the order's currency (`currency`)",
    }),
    currency: z.string().openapi({
      example: 'EUR',
      description:
        "the order's currency, which orderAmount is in; the reasons' exposure figures are in the accounting currency",
    }),
    status: z.enum(HOLD_STATUSES),
    summaryReason: z.string(),
    reasons: z.array(HoldReasonSchema),
    forced: z.boolean(),
    releaseReasonCode: z.string().nullable(),
    reviewDate: z.string().nullable(),
    releaseMode: z.string().nullable(),
    releasedBy: z.string().nullable(),
    releasedAt: z.string().nullable(),
    rejectReasonCode: z.string().nullable(),
    comment: z.string().nullable(),
    rejectedBy: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    pending: z.unknown().nullable(),
    version: z.number(),
  })
  .openapi('Hold');

export const ReleaseBody = z
  .strictObject({
    reasonCode: idOf('reasonCode'),
    reviewDate: DateIn,
    mode: z.enum(['withPosting', 'withoutPosting']).default('withoutPosting'),
    asOf: DateIn.optional().openapi({ description: 'the release date (default today): the grace window starts here' }),
    comment: LongText.nullish().openapi({ description: 'why: kept on the hold and in the audit trail' }),
  })
  .openapi('ReleaseInput');
export const RejectBody = z
  .strictObject({ reasonCode: idOf('reasonCode'), comment: LongText.nullish() })
  .openapi('RejectInput');
export const ReleaseItem = ReleaseBody.extend({ holdId: idOf('hold'), version: z.number().int().min(1) });
export const RejectItem = RejectBody.extend({ holdId: idOf('hold'), version: z.number().int().min(1) });
export const DecisionResult = z.object({ hold: HoldSchema, posting: z.unknown().optional() });
/**
 * The answer of `holds:release-batch` and `holds:reject-batch`: one item per item sent, in order.
 * A version conflict carries the hold as it is now in `current` (as a single release's 409 does).
 */
export const BatchResult = z.object({
  items: z.array(
    z.object({
      index: z.number(),
      holdId: z.string().optional(),
      status: z.enum(['ok', 'error']),
      version: z.number().optional(),
      hold: HoldSchema.optional(),
      errors: z.array(z.object({ path: z.string(), message: z.string() })),
      code: z.string().optional(),
      current: HoldSchema.optional().openapi({ description: 'version_conflict: the hold as it is now' }),
    }),
  ),
});
