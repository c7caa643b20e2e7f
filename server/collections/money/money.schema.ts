import { z } from '@hono/zod-openapi';
import { DateIn, DateOut, idOf, LongText, MoneyOut, PositiveMoneyIn, Timestamp } from '../../http/schemas';
import { TransactionSchema } from '../../ledger/ledger.schema';

// Collections money (collections.md §1.11–§1.16, §3.1–§3.5): what the routes take and answer.

const ADJUSTMENT_STATUSES = ['none', 'waived', 'reinstated', 'reversed'] as const;

export const FeeSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    interestNoteId: z.string().nullable(),
    code: z.string(),
    source: z.enum(['manual', 'interestNote', 'nsf']),
    sourceRef: z.string().nullable(),
    amount: MoneyOut,
    currency: z.string(),
    date: DateOut.nullable().openapi({ description: 'posting date (null on a draft note)' }),
    transactionId: z.string().nullable().openapi({
      description: 'the ledger entry now carrying the charge (the reinstating debit after a reinstatement)',
    }),
    adjustmentStatus: z.enum(ADJUSTMENT_STATUSES),
    waivedAmount: MoneyOut.nullable(),
    createdAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Fee');
export type FeeJson = z.infer<typeof FeeSchema>;

const InterestLineSchema = z
  .object({
    id: z.string(),
    lineNo: z.number().int(),
    transactionId: z.string().openapi({ description: 'the invoice charged' }),
    baseAmount: MoneyOut,
    fromDate: DateOut.openapi({ description: 'the window is (fromDate, toDate]: fromDate itself is not charged' }),
    toDate: DateOut,
    days: z.number().int(),
    rate: z.string(),
    formula: z.string(),
    interestAmount: MoneyOut,
    chargeTransactionId: z.string().nullable(),
    adjustmentStatus: z.enum(ADJUSTMENT_STATUSES),
    waivedAmount: MoneyOut.nullable(),
  })
  .openapi('InterestNoteLine');

export const InterestNoteSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    interestCodeId: z.string(),
    currency: z.string(),
    fromDate: DateOut.nullable(),
    toDate: DateOut,
    noteDate: DateOut,
    status: z.enum(['created', 'posted', 'canceled']),
    adjustmentStatus: z.enum([...ADJUSTMENT_STATUSES, 'partial']),
    postedDate: DateOut.nullable(),
    lines: z.array(InterestLineSchema),
    fees: z.array(FeeSchema),
    totalAmount: MoneyOut,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('InterestNote');
export type InterestNoteJson = z.infer<typeof InterestNoteSchema>;

export const AdjustmentHistorySchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    interestNoteId: z.string().nullable(),
    target: z.enum(['interestNote', 'interestLine', 'fee']),
    targetRef: z.string(),
    action: z.enum(['waive', 'reinstate', 'reverse']),
    amount: MoneyOut,
    currency: z.string(),
    adjustmentTransactionIds: z.array(z.string()),
    date: DateOut,
    userId: z.string().nullable(),
    at: Timestamp,
  })
  .openapi('AdjustmentHistory');
export type AdjustmentHistoryJson = z.infer<typeof AdjustmentHistorySchema>;

const WriteOffLineSchema = z
  .object({
    lineNo: z.number().int(),
    lineType: z.enum(['customer', 'ledger', 'tax']),
    accountId: z.string().nullable(),
    currency: z.string(),
    postingProfile: z.string().nullable(),
    debit: MoneyOut,
    credit: MoneyOut,
    transactionId: z.string().nullable().openapi({ description: 'customer lines, once posted: the ledger entry' }),
  })
  .openapi('WriteOffLine');

export const WriteOffSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    status: z.enum(['unposted', 'posted', 'reversed']),
    date: DateOut,
    reasonCode: z.string(),
    comment: z.string().nullable(),
    separateSalesTax: z.boolean(),
    lines: z.array(WriteOffLineSchema),
    items: z.array(z.object({ transactionId: z.string(), openAmount: MoneyOut })),
    postedDate: DateOut.nullable(),
    reversedDate: DateOut.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('WriteOff');
export type WriteOffJson = z.infer<typeof WriteOffSchema>;

export const NsfSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    paymentId: z.string(),
    reversalTransactionId: z.string(),
    bankAccountId: z.string(),
    date: DateOut,
    reasonCode: z.string(),
    comment: z.string().nullable(),
    feeAmount: MoneyOut,
    feeJournal: z.string().nullable().openapi({ description: "the bank account's NSF journal the fee is booked in" }),
    // A union, not .nullable(): a nullable $ref renders as allOf [ref, {type: [object, null]}], which null cannot match.
    fee: z.union([FeeSchema, z.null()]),
    reopenedSettlements: z.array(
      z.object({
        settlementId: z.string(),
        reversalId: z.string(),
        debitId: z.string(),
        creditId: z.string(),
        amount: MoneyOut,
      }),
    ),
    payment: TransactionSchema,
    userId: z.string().nullable(),
    at: Timestamp,
  })
  .openapi('NsfRecord');
export type NsfJson = z.infer<typeof NsfSchema>;

// Request bodies

export const CalculateBody = z
  .strictObject({
    customerIds: z
      .array(idOf('customer'))
      .min(1)
      .max(10_000)
      .optional()
      .openapi({ description: 'left out: every customer with an interest code' }),
    toDate: DateIn,
    fromDate: DateIn.nullish().openapi({
      description: 'left out: from the start (periods already charged by posted notes are never charged twice)',
    }),
  })
  .superRefine((v, ctx) => {
    if (v.fromDate && v.fromDate > v.toDate)
      ctx.addIssue({ code: 'custom', path: ['fromDate'], message: 'must not be after toDate' });
  })
  .openapi('InterestCalculateInput');

export const DateBody = z.strictObject({ date: DateIn.optional() });
export const AdjustBody = z
  .strictObject({
    lineId: idOf('interestLine').optional().openapi({ description: 'one line of the note' }),
    feeId: idOf('fee').optional().openapi({ description: 'one fee of the note' }),
    date: DateIn.optional().openapi({
      description: 'the action date (default today): the waive window is counted to it',
    }),
  })
  .superRefine((v, ctx) => {
    if (v.lineId !== undefined && v.feeId !== undefined)
      ctx.addIssue({ code: 'custom', path: ['feeId'], message: 'name a line or a fee, not both' });
  })
  .openapi('InterestNoteAdjustInput');

export const FeeBody = z
  .strictObject({
    customerId: idOf('customer'),
    amount: PositiveMoneyIn,
    date: DateIn,
    code: idOf('chargeCode').openapi({ description: 'the charge code, e.g. "LATE"' }),
  })
  .openapi('FeeInput');

export const WriteOffBody = z
  .strictObject({
    customerId: idOf('customer'),
    transactionIds: z
      .array(idOf('transaction'))
      .min(1)
      .max(10_000)
      .optional()
      .openapi({ description: 'left out: every open transaction of the customer' }),
    reasonCode: idOf('reasonCode')
      .optional()
      .openapi({ description: 'a writeOff reason; default: the parameter writeOffReasonCode' }),
    comment: LongText.nullish(),
    date: DateIn,
  })
  .openapi('WriteOffInput');

export const NsfBody = z
  .strictObject({ reasonCode: idOf('reasonCode'), date: DateIn, comment: LongText.nullish() })
  .openapi('NsfInput');
