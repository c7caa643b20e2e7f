import { z } from '@hono/zod-openapi';
import { idOf } from '../../http/schemas';
import { CustomerWithCreditSchema } from '../../customers/customers.schema';
import { TransactionSchema } from '../../ledger/ledger.schema';
import { ActivitySchema } from '../activities/activities.schema';
import { CaseSchema } from '../cases/cases.schema';
import { AdjustmentHistorySchema, FeeSchema, InterestNoteSchema } from '../money/money.schema';
import { CurrencyQuery } from '../aging/aging.schema';

/**
 * The Collections page of one customer in one call (collections.md §3.6, §5 coordinator
 * workspace; SPEC §5): the customer with its credit summary, the current snapshot row and a live
 * aging computed now from the open items with the same pure function, the transactions with their
 * collection status and cases, activities and cases, interest notes (drafts too), posted fees and
 * the adjustment history (collections money operations).
 */
const Bucket = z.object({ label: z.string(), amount: z.string() });

export const CollectionsPageSchema = z
  .object({
    customer: CustomerWithCreditSchema,
    summary: z.object({
      currency: z.string().openapi({ description: 'the currency of overdueAmount and disputedAmount' }),
      openInvoices: z.number(),
      overdueAmount: z.string(),
      oldestOverdueDays: z.number().nullable(),
      disputedAmount: z.string(),
      monthsAsCustomer: z.number().nullable(),
    }),
    aging: z.object({
      definitionId: z.string(),
      periods: z.array(z.string()),
      snapshot: z
        .record(z.string(), z.unknown())
        .nullable()
        .openapi({ description: 'the current snapshot row (as in GET /aging), or null when the customer has none' }),
      live: z.object({
        asOf: z.string(),
        currency: z.string().openapi({ description: 'the currency of every amount of the live aging' }),
        criteria: z.string(),
        creditPlacement: z.string(),
        amountDue: z.string(),
        buckets: z.array(Bucket),
        unbucketedAmount: z.string(),
        indicator: z.string().nullable(),
      }),
    }),
    transactions: z.array(TransactionSchema.extend({ caseIds: z.array(z.string()) })),
    activities: z.array(ActivitySchema),
    cases: z.array(CaseSchema),
    interestNotes: z.array(InterestNoteSchema),
    fees: z.array(FeeSchema),
    adjustmentHistory: z.array(AdjustmentHistorySchema),
  })
  .openapi('CustomerCollectionsPage');

export const CollectionsPageQuery = z.object({
  definitionId: idOf('agingDefinition').optional().openapi({
    description: 'default: the parameter defaultAgingDefinitionId, else the first definition',
  }),
  transactions: z
    .enum(['open', 'all'])
    .default('open')
    .openapi({ description: 'open items only (default), or open and closed' }),
  currency: CurrencyQuery.openapi({
    description:
      "`accounting` (default): the summary, snapshot and live aging in the accounting currency. `customer`: in the customer's currency (the live aging and summary at the rate on today, the snapshot row as its run converted it); no rate is a 422 naming the currency and date",
  }),
});
