import { z } from '@hono/zod-openapi';
import { DateIn, idOf, LongText, MoneyIn, MoneyOut, ShortText } from '../../http/schemas';

export const JOURNAL_TYPES = ['creditLimit', 'temporary'] as const;
export const JOURNAL_STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'posted'] as const;

/** A line as sent: the shape is checked here, the business rules (dates, ids, duplicates) per line in the service. */
export const JournalLineInput = z
  .strictObject({
    customerId: idOf('customer').nullish(),
    creditGroupId: idOf('creditGroup').nullish(),
    newCreditLimit: MoneyIn,
    newExpirationDate: DateIn.nullish(),
    newFromDate: DateIn.nullish(),
    newToDate: DateIn.nullish(),
  })
  .openapi('JournalLineInput');
export type JournalLineInput = z.output<typeof JournalLineInput>;

/**
 * A journal takes up to 50,000 lines in one body. Its longest lines (64-character ids, the largest
 * amount, three dates) take about 300 bytes of JSON, so 50,000 of them are some 15 MB: creating,
 * validating and adding lines take the batch feeds' 32 MB body limit, not the 1 MB of other routes
 * (server/app.ts `takesBatchBody`). The two limits agree: every body of 50,000 lines fits.
 */
const MAX_JOURNAL_LINES = 50_000;
const LINES_DESCRIPTION = `at most 50,000 lines; journal creation, validation and adding lines accept JSON bodies up to 32 MB (other routes: 1 MB), room for 50,000 lines of the longest form`;

export const JournalBody = z
  .strictObject({
    type: z.enum(JOURNAL_TYPES),
    description: ShortText.default(''),
    lines: z.array(z.unknown()).max(MAX_JOURNAL_LINES).default([]).openapi({ description: LINES_DESCRIPTION }),
  })
  .openapi('AdjustmentJournalInput');

export const LinesBody = z
  .strictObject({
    lines: z.array(z.unknown()).min(1).max(MAX_JOURNAL_LINES).openapi({ description: LINES_DESCRIPTION }),
  })
  .openapi('AdjustmentJournalLines');

const DatesChange = z.strictObject({
  mode: z.enum(['absolute', 'relative']),
  newExpirationDate: DateIn.optional(),
  newFromDate: DateIn.optional(),
  newToDate: DateIn.optional(),
  days: z
    .number()
    .int()
    .min(-36500)
    .max(36500)
    .optional()
    .openapi({ description: 'relative: days added to the current expiry, or to the current from/to' }),
});

export const GenerateBody = z
  .strictObject({
    mode: z.enum(['customers', 'creditGroups', 'automatic']),
    filter: z
      .strictObject({
        customerIds: z.array(idOf('customer')).max(50_000).optional(),
        creditManagementGroupId: idOf('creditManagementGroup').optional(),
        riskGroupId: idOf('riskGroup').optional(),
        customerGroup: idOf('customerGroup').optional(),
        creditGroupIds: z.array(idOf('creditGroup')).max(10_000).optional(),
      })
      .optional(),
    valueType: z.enum(['fixed', 'percentage']).default('fixed'),
    value: z.union([z.string(), z.number()]).default(0).openapi({
      type: 'string',
      description: 'fixed: a signed amount; percentage: a signed percentage (up to 4 decimals)',
    }),
    roundOff: MoneyIn.optional().refine((m) => m === undefined || m > 0n, 'must be greater than zero'),
    roundingForm: z.enum(['normal', 'up', 'down']).default('normal'),
    dates: DatesChange.optional(),
  })
  .openapi('GenerateInput');
export type GenerateBody = z.output<typeof GenerateBody>;

export const RejectBody = z.strictObject({ comment: LongText }).openapi('JournalRejectInput');
export const PostBody = z.strictObject({ postingDate: DateIn.optional() }).openapi('JournalPostInput');

const JournalLineSchema = z
  .object({
    lineNo: z.number(),
    customerId: z.string().nullable(),
    creditGroupId: z.string().nullable(),
    currency: z.string().nullable().openapi({
      example: 'USD',
      description:
        "the currency of the line's limits: the accounting currency for a customer, the group's currency for a credit group (null once that group no longer exists)",
    }),
    currentCreditLimit: MoneyOut.nullable(),
    newCreditLimit: MoneyOut,
    newExpirationDate: z.string().nullable(),
    newFromDate: z.string().nullable(),
    newToDate: z.string().nullable(),
    approvalStatus: z.string(),
  })
  .openapi('AdjustmentJournalLine');

export const JournalSchema = z
  .object({
    id: z.string(),
    type: z.enum(JOURNAL_TYPES),
    description: z.string(),
    status: z.enum(JOURNAL_STATUSES),
    createdBy: z.string().nullable(),
    submittedBy: z.string().nullable(),
    submittedAt: z.string().nullable(),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    rejectedBy: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    rejectComment: z.string().nullable(),
    postedBy: z.string().nullable(),
    postedAt: z.string().nullable(),
    postingDate: z.string().nullable(),
    lineCount: z.number(),
    lines: z.array(JournalLineSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .openapi('AdjustmentJournal');

export const ValidationSchema = z
  .object({
    valid: z.boolean(),
    lines: z.array(
      z.object({
        index: z.number(),
        status: z.enum(['ok', 'error']),
        errors: z.array(z.object({ path: z.string(), message: z.string() })),
        customerId: z.string().nullable(),
        creditGroupId: z.string().nullable(),
        currency: z.string().nullable().openapi({
          description:
            "the currency of the line's limits: the accounting currency for a customer (and of the projected figures), the group's for a credit group; null for an unknown group",
        }),
        currentCreditLimit: MoneyOut.nullable(),
        newCreditLimit: MoneyOut.nullable(),
        currentAvailableCredit: MoneyOut.nullable(),
        projectedAvailableCredit: MoneyOut.nullable(),
        projectedPercentUsed: z.string().nullable(),
        releasableHolds: z.array(z.string()),
      }),
    ),
  })
  .openapi('AdjustmentJournalValidation');
