import { z } from '@hono/zod-openapi';
import { DateIn, DateOut, idOf, MoneyOut, SinceQuery, Timestamp } from '../../http/schemas';

/** The OpenAPI tag of the aging routes. */
export const TAG = 'Collections';
const Criteria = z.enum(['dueDate', 'transactionDate', 'documentDate']);
const Placement = z.enum(['ownDate', 'oldestFirst']);

/**
 * Which currency the aging amounts are in (collections.md §2.3 Multi-currency): `accounting`, the
 * company view, every amount in the accounting currency (AC), summed from the open AC amounts
 * fixed at posting (never revalued); `customer`, each customer's row in its own currency, where an
 * item in that currency counts its own open amount and any other item its AC amount converted at
 * the exchange rate on the as-of date (rounded once per item).
 */
const AgingCurrencyEnum = z.enum(['accounting', 'customer']);
export type AgingCurrency = z.infer<typeof AgingCurrencyEnum>;
/** The `currency` query parameter of the aging reads. */
export const CurrencyQuery = AgingCurrencyEnum.default('accounting').openapi({
  description:
    "`accounting` (default): every amount in the accounting currency. `customer`: each customer's amounts in its own currency (an item in that currency at its own open amount, any other at its accounting amount converted at the rate on the as-of date); a customer whose currency has no rate on that date is a 422 naming the currency and date",
});
const CurrencyCode = z.string().openapi({ description: 'the ISO currency code every amount of this object is in' });

export const AgingRowSchema = z
  .object({
    id: z.string().openapi({ description: '<definitionId>:<customerId>' }),
    customerId: z.string(),
    name: z.string(),
    asOf: DateOut,
    currency: CurrencyCode.openapi({
      description:
        "the currency of every amount of the row: the run's accounting currency, or in the customer view the customer's currency (converted at the rate on asOf when the run wrote the row)",
    }),
    amountDue: MoneyOut,
    buckets: z
      .array(z.object({ label: z.string(), amount: MoneyOut }))
      .openapi({ description: 'every period of the definition, oldest first, zero amounts as "0.00"' }),
    unbucketedAmount: MoneyOut.meta({ description: 'the part of amountDue no period covers (warn when not zero)' }),
    indicator: z.string().nullable(),
    snapshotAt: Timestamp.openapi({
      description: 'when the run that wrote the row finished (its `runs` entry in the list)',
    }),
    stale: z.boolean().openapi({ description: 'a ledger change for this customer is newer than the snapshot' }),
    creditLimit: MoneyOut.nullable().openapi({ description: 'null = unlimited credit' }),
    remainingCredit: MoneyOut.nullable(),
    packingSlipAmount: MoneyOut,
    salesOrderAmount: MoneyOut,
    disputedAmount: MoneyOut,
    disputedCount: z.number(),
    version: z.number(),
  })
  .openapi('AgingRow');
export type AgingRowJson = z.infer<typeof AgingRowSchema>;

const OfferedPoolSchema = z.object({ id: z.string(), name: z.string(), isDefault: z.boolean() });

export const AgingListSchema = z
  .object({
    definitionId: z.string(),
    currencyView: AgingCurrencyEnum.openapi({
      description: 'the `currency` asked for: which currency the rows are in',
    }),
    periods: z.array(z.string()),
    poolId: z.string().nullable(),
    pools: z.array(OfferedPoolSchema),
    lastSeq: z.number(),
    runs: z.array(
      z.object({
        snapshotAt: Timestamp,
        asOf: DateOut,
        criteria: Criteria,
        creditPlacement: Placement,
        currency: z.string().openapi({
          description: "the run's accounting currency: the rows' currency in the company view",
        }),
        processedBy: z.string().nullable(),
      }),
    ),
    items: z.array(AgingRowSchema),
    removed: z.array(z.string()).optional(),
    nextCursor: z.string().nullable(),
  })
  .openapi('AgingList');

export const SnapshotBody = z
  .strictObject({
    definitionId: idOf('agingDefinition').optional().openapi({
      description: 'default: the parameter defaultAgingDefinitionId, else the first definition',
    }),
    asOf: DateIn.optional().openapi({ description: 'the aging date; default today' }),
    criteria: Criteria.default('dueDate'),
    creditPlacement: Placement.optional().openapi({ description: 'default: the parameter creditPlacement' }),
    poolId: idOf('pool').nullish().openapi({
      description: 'an agingSnapshot pool choosing the customers; default every customer',
    }),
    includeZeroBalance: z.boolean().default(false),
    updateCollectionStatus: z
      .boolean()
      .default(false)
      .openapi({ description: 'promised-to-pay items whose promise date is before asOf become promiseToPayBroken' }),
  })
  .openapi('AgingSnapshotRequest');

export const SnapshotResult = z
  .object({
    definitionId: z.string(),
    asOf: DateOut,
    customers: z.number(),
    removed: z.number(),
    statusChanges: z.number(),
    processedAt: Timestamp,
    durationMs: z.number(),
  })
  .openapi('AgingSnapshotResult');

export const AgingQuery = z.object({
  definitionId: idOf('agingDefinition').optional(),
  poolId: idOf('pool').optional(),
  currency: CurrencyQuery,
  since: SinceQuery,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(50_000)
    .default(100)
    .openapi({ description: 'page size, default 100, at most 50,000 (a workbook pulls its whole list at once)' }),
  cursor: z.string().max(200).optional(),
});

export const AgingRefreshBody = z
  .strictObject({ definitionId: idOf('agingDefinition').optional() })
  .openapi('AgingRefreshRequest');

export const PeriodsQuery = z.object({ asOf: DateIn.optional().openapi({ description: 'default today' }) });
export const PeriodsSchema = z.object({
  definitionId: z.string(),
  asOf: DateOut,
  periods: z.array(
    z.object({
      label: z.string(),
      unit: z.number(),
      interval: z.string(),
      indicator: z.string().nullable(),
      from: DateOut.nullable(),
      to: DateOut.nullable(),
    }),
  ),
});

export const PoolCustomersQuery = z.object({ definitionId: idOf('agingDefinition').optional() });
export const PoolCustomersSchema = z.object({
  poolId: z.string(),
  definitionId: z.string().nullable(),
  items: z.array(
    z.object({
      customerId: z.string(),
      name: z.string(),
      amountDue: MoneyOut.nullable().openapi({
        description: "the snapshot's amount due; null for an agingSnapshot pool",
      }),
      currency: z
        .string()
        .nullable()
        .openapi({ description: "amountDue's currency (the snapshot run's accounting currency), null with it" }),
    }),
  ),
});

export const AgingReportQuery = z.object({
  definitionId: idOf('agingDefinition').optional(),
  asOf: DateIn.optional().openapi({ description: 'the aging date; default today' }),
  balanceAsOf: DateIn.optional().openapi({
    description: 'whose open amounts: settlements dated after it are undone; default asOf',
  }),
  criteria: Criteria.default('dueDate'),
  creditPlacement: Placement.optional(),
  customerId: idOf('customer').optional(),
  currency: CurrencyQuery,
});

const ReportTotals = z.object({
  currency: CurrencyCode,
  amountDue: MoneyOut,
  buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })),
});

export const AgingReportSchema = z
  .object({
    definitionId: z.string(),
    asOf: DateOut,
    balanceAsOf: DateOut,
    criteria: Criteria,
    creditPlacement: Placement,
    currencyView: AgingCurrencyEnum.openapi({
      description: 'the `currency` asked for: which currency the rows are in',
    }),
    items: z.array(
      z.object({
        customerId: z.string(),
        name: z.string(),
        currency: CurrencyCode,
        amountDue: MoneyOut,
        buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })),
        unbucketedAmount: MoneyOut,
        indicator: z.string().nullable(),
      }),
    ),
    totals: ReportTotals.nullable().openapi({
      description:
        'the company view: the totals of every row, in the accounting currency; null in the customer view (rows in different currencies are never added up: see totalsByCurrency)',
    }),
    totalsByCurrency: z.array(ReportTotals).openapi({
      description:
        'the totals of the rows in each currency, by currency code: one entry (the accounting currency) in the company view',
    }),
  })
  .openapi('AgingReport');
