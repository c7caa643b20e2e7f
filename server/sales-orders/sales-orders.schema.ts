import { z } from '@hono/zod-openapi';
import { Currency, DateIn, idOf, MoneyOut, NonNegativeMoneyIn, PositiveMoneyIn, Timestamp } from '../http/schemas';

const CHECKPOINTS = ['confirmation', 'pickingList', 'releaseToWarehouse', 'packingSlip', 'invoice'] as const;
export const ORDER_STATUSES = ['open', 'invoiced', 'canceled'] as const;

export const SalesOrderInput = z
  .strictObject({
    customerId: idOf('customer'),
    amount: NonNegativeMoneyIn,
    currency: Currency.optional().openapi({
      description:
        "the order's currency (default: the customer's); fixed once the order exists. Credit checks convert what is open to the accounting currency at the rate on the check date",
    }),
    paymentTermsId: idOf('paymentTerms').nullish(),
    cashDiscountId: idOf('cashDiscount').nullish(),
    excludeFromCreditManagement: z.boolean().optional().openapi({
      description:
        'credit staff decide it (PATCH /sales-orders/{id}/credit-management): the feed may repeat the current value or leave it out (kept), not change it',
    }),
  })
  .openapi('SalesOrderInput');

/** Credit staff's decision on one order (credit.md §6): exclude it from credit management, or not. */
export const OrderCreditManagementPatch = z
  .strictObject({ excludeFromCreditManagement: z.boolean() })
  .openapi('OrderCreditManagementPatch');
export type SalesOrderInput = z.output<typeof SalesOrderInput>;

export const PostingInput = z
  .strictObject({
    checkpoint: z.enum(CHECKPOINTS),
    postingType: z.enum(['posting', 'proForma']).default('posting'),
    asOf: DateIn.optional(),
    deliveredAmount: PositiveMoneyIn.optional().openapi({
      description:
        'packing slip: the amount delivered (default: everything not yet delivered); invoice: the amount invoiced (default: what was delivered, or the whole remainder when nothing was)',
    }),
  })
  .openapi('PostingInput');
export type PostingInput = z.output<typeof PostingInput>;

export const SalesOrderSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    amount: MoneyOut,
    currency: z.string(),
    deliveredNotInvoiced: MoneyOut,
    invoicedAmount: MoneyOut,
    openAmount: MoneyOut.meta({ description: 'neither delivered nor invoiced yet' }),
    status: z.enum(ORDER_STATUSES),
    paymentTermsId: z.string().nullable(),
    cashDiscountId: z.string().nullable(),
    excludeFromCreditManagement: z.boolean(),
    creditStatus: z
      .enum(['clear', 'onHold', 'rejected'])
      .openapi({ description: 'onHold while a credit hold is open; rejected after a hold was rejected' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('SalesOrder');
export type SalesOrder = z.infer<typeof SalesOrderSchema>;

export const PostingResultSchema = z
  .object({
    posted: z.boolean(),
    order: SalesOrderSchema,
    invoiceId: z.string().optional(),
    hold: z.unknown().optional(),
  })
  .openapi('PostingResult');

export const SalesOrderListSchema = z
  .object({ items: z.array(SalesOrderSchema), nextCursor: z.string().nullable() })
  .openapi('SalesOrderList');
