import { z } from '@hono/zod-openapi';
import { Currency, DateIn, idOf, MoneyOut, Name, NonNegativeMoneyIn } from '../../http/schemas';

export const CreditGroupInput = z
  .strictObject({
    name: Name,
    creditLimit: NonNegativeMoneyIn,
    currency: Currency,
    creditLimitToDate: DateIn.openapi({
      description: 'required: the group limit expires on this date, and members take it as their expiry',
    }),
    members: z.array(idOf('customer')).max(10_000).default([]),
  })
  .openapi('CreditGroupInput');
export type CreditGroupInput = z.output<typeof CreditGroupInput>;

export const CreditGroupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    creditLimit: MoneyOut,
    currency: z.string(),
    creditLimitToDate: z.string().nullable(),
    members: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .openapi('CreditGroup');
export type CreditGroup = z.infer<typeof CreditGroupSchema>;

export const CreditGroupListSchema = z.object({ items: z.array(CreditGroupSchema), nextCursor: z.string().nullable() });
