import { z } from '@hono/zod-openapi';
import { DateIn, DateOut, idOf, MoneyOut, SinceQuery, Timestamp } from '../../http/schemas';

/** The OpenAPI tag of the aging routes. */
export const TAG = 'Collections';
const Criteria = z.enum(['dueDate', 'transactionDate', 'documentDate']);
const Placement = z.enum(['ownDate', 'oldestFirst']);

export const AgingRowSchema = z
  .object({
    id: z.string().openapi({ description: '<definitionId>:<customerId>' }),
    customerId: z.string(),
    name: z.string(),
    asOf: DateOut,
    amountDue: MoneyOut,
    buckets: z
      .array(z.object({ label: z.string(), amount: MoneyOut }))
      .openapi({ description: 'every period of the definition, oldest first, zero amounts as "0.00"' }),
    unbucketedAmount: MoneyOut.openapi({ description: 'the part of amountDue no period covers (warn when not zero)' }),
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
        currency: z.string(),
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
  items: z.array(z.object({ customerId: z.string(), name: z.string(), amountDue: MoneyOut.nullable() })),
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
});

export const AgingReportSchema = z
  .object({
    definitionId: z.string(),
    asOf: DateOut,
    balanceAsOf: DateOut,
    criteria: Criteria,
    creditPlacement: Placement,
    items: z.array(
      z.object({
        customerId: z.string(),
        name: z.string(),
        amountDue: MoneyOut,
        buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })),
        unbucketedAmount: MoneyOut,
        indicator: z.string().nullable(),
      }),
    ),
    totals: z.object({ amountDue: MoneyOut, buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })) }),
  })
  .openapi('AgingReport');
