import { z } from '@hono/zod-openapi';
import { Currency, DateIn, DateOut, Timestamp } from '../http/schemas';
import { pageQuery } from '../http/paging';
import { tryParseExchangeRate } from '../../shared/currency';

/** A rate in a request: "1.0825" (or 1.0825), up to 10 decimals, greater than 0; parsed to a scaled bigint. */
const ExchangeRateIn = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const r = tryParseExchangeRate(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r.value;
  })
  .openapi({
    type: 'string',
    example: '1.0825',
    description: 'accounting-currency units per 1 unit of the currency; a decimal with up to 10 decimals',
  });

export const ExchangeRateParams = z.object({
  currency: Currency.openapi({ param: { name: 'currency', in: 'path' }, example: 'EUR' }),
  date: DateIn.openapi({ param: { name: 'date', in: 'path' }, example: '2026-01-01' }),
});

export const ExchangeRateInput = z.strictObject({ rate: ExchangeRateIn }).openapi('ExchangeRateInput');

export const ExchangeRateItem = z.strictObject({ currency: Currency, date: DateIn, rate: ExchangeRateIn });
export type ExchangeRateItem = z.output<typeof ExchangeRateItem>;

export const ExchangeRateBatchBody = z
  .strictObject({ items: z.array(z.unknown()).min(1).max(50_000) })
  .openapi('ExchangeRateBatch');

export const ExchangeRateSchema = z
  .object({
    currency: z.string(),
    date: DateOut,
    rate: z.string().openapi({ example: '1.0825' }),
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('ExchangeRate');
export type ExchangeRateJson = z.infer<typeof ExchangeRateSchema>;

export const ExchangeRateListQuery = z.object({
  currency: Currency.optional(),
  from: DateIn.optional(),
  to: DateIn.optional(),
  ...pageQuery,
});

export const ExchangeRateListSchema = z
  .object({ accountingCurrency: z.string(), items: z.array(ExchangeRateSchema), nextCursor: z.string().nullable() })
  .openapi('ExchangeRateList');
