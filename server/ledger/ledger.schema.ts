import { z } from '@hono/zod-openapi';
import {
  Currency,
  DateIn,
  DateOut,
  idOf,
  MoneyIn,
  MoneyOut,
  PositiveMoneyIn,
  ShortText,
  Timestamp,
} from '../http/schemas';
import { withArticle } from '../../shared/words';

/** writeOff and nsfReversal are made only by the collections operations (collections.md §1.2). */
const TRANSACTION_TYPES = ['invoice', 'creditNote', 'payment', 'fee', 'interest', 'writeOff', 'nsfReversal'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];
/** Types the ERP feed may post; interest is only ever created by interest notes. */
const FEED_TYPES = ['invoice', 'creditNote', 'payment', 'fee'] as const;
const COLLECTION_STATUSES = ['notDisputed', 'disputed', 'promisedToPay', 'resolved', 'promiseToPayBroken'] as const;

/** Debits are positive, credits negative (collections.md §1.2). */
const DEBIT_TYPES: readonly TransactionType[] = ['invoice', 'fee', 'interest'];

export const TransactionInput = z
  .strictObject({
    id: idOf('transaction'),
    customerId: idOf('customer'),
    type: z.enum(FEED_TYPES),
    amount: MoneyIn.openapi({ description: 'signed: invoices and fees positive, payments and credit notes negative' }),
    currency: Currency.optional(),
    amountAccounting: MoneyIn.optional().openapi({
      description:
        'the amount in the accounting currency as the ERP booked it (same sign as amount); omitted: amount converted at the rate on transDate',
    }),
    transDate: DateIn,
    dueDate: DateIn.nullish(),
    documentDate: DateIn.nullish(),
    taxAmount: MoneyIn.optional(),
    bankAccountId: idOf('bankAccount').nullish(),
    paymentJournal: ShortText.nullish(),
  })
  .superRefine((t, ctx) => {
    const debit = DEBIT_TYPES.includes(t.type);
    if (debit && t.amount <= 0n)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `${withArticle(t.type)} must have a positive amount` });
    if (!debit && t.amount >= 0n)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `${withArticle(t.type)} must have a negative amount` });
    if (t.type !== 'payment' && (t.bankAccountId || t.paymentJournal))
      ctx.addIssue({
        code: 'custom',
        path: ['bankAccountId'],
        message: 'only payments carry a bank account or payment journal',
      });
    // An entry is made on its document date; it cannot fall due before that. transDate is the
    // posting date (collections.md §1.2), and an entry posted after its due date is normal: late
    // entry, and the open items an ERP loads at go-live with their original due dates. So only a
    // due date before the document date is refused (the feed answers 422, items.N.dueDate).
    if (t.dueDate && t.documentDate && t.dueDate < t.documentDate)
      ctx.addIssue({
        code: 'custom',
        path: ['dueDate'],
        message: `must not be before documentDate ${t.documentDate}: an entry is not due before it was made`,
      });
  });
export type TransactionInput = z.output<typeof TransactionInput>;

export const TransactionBatchBody = z
  .strictObject({ items: z.array(z.unknown()).min(1).max(50_000) })
  .openapi('TransactionBatch');

export const TransactionSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    type: z.enum(TRANSACTION_TYPES),
    amount: MoneyOut,
    openAmount: MoneyOut,
    currency: z.string(),
    amountAccounting: MoneyOut.meta({ description: 'amount in the accounting currency, fixed at posting' }),
    openAmountAccounting: MoneyOut.meta({ description: 'open amount in the accounting currency' }),
    transDate: DateOut,
    dueDate: DateOut.nullable(),
    documentDate: DateOut.nullable(),
    taxAmount: MoneyOut,
    bankAccountId: z.string().nullable(),
    paymentJournal: z.string().nullable(),
    collectionStatus: z.enum(COLLECTION_STATUSES),
    promiseDate: DateOut.nullable(),
    canceled: z.boolean(),
    closedDate: DateOut.nullable(),
    source: z.string(),
    sourceRef: z.string().nullable(),
    createdAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Transaction');
export type Transaction = z.infer<typeof TransactionSchema>;

export const TransactionListSchema = z
  .object({ items: z.array(TransactionSchema), nextCursor: z.string().nullable() })
  .openapi('TransactionList');

export const SettlementInput = z
  .strictObject({
    debitId: idOf('transaction'),
    creditId: idOf('payment'),
    amount: PositiveMoneyIn.openapi({ description: "in the debit's currency" }),
    date: DateIn,
  })
  .openapi('SettlementInput');

export const SettlementSchema = z
  .object({
    id: z.string(),
    debitId: z.string(),
    creditId: z.string(),
    amount: MoneyOut.meta({ description: "in the debit's currency" }),
    creditAmount: MoneyOut.meta({
      description:
        "what the credit's open amount moved, in the credit's currency (differs from amount only between two currencies, converted at the rates on date)",
    }),
    exchangeDifference: MoneyOut.meta({
      description:
        "the credit's AC movement minus the debit's (positive: realised exchange gain; negative: loss); it leaves the customer's balance for the general ledger",
    }),
    date: DateOut,
    debit: TransactionSchema,
    credit: TransactionSchema,
  })
  .openapi('Settlement');
