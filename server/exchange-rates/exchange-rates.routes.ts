import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { guard, CAN } from '../http/auth';
import { command } from '../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { decodeCursor, encodeCursor } from '../http/paging';
import { BatchItemResult } from '../http/schemas';
import { requestReader } from '../http/reader';
import { getParameters } from '../credit/parameters/parameters.service';
import { exchangeRateRowToJson, listExchangeRates, rateKey } from './exchange-rates.repository';
import {
  ExchangeRateBatchBody,
  ExchangeRateInput,
  ExchangeRateListQuery,
  ExchangeRateListSchema,
  ExchangeRateParams,
  ExchangeRateSchema,
} from './exchange-rates.schema';
import { putExchangeRate, putExchangeRateBatch } from './exchange-rates.service';

const tags = ['Currencies'];
const RATE_WRITERS = [...new Set([...CAN.setup, ...CAN.feedData])];

export function exchangeRateRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/exchange-rates',
      tags,
      summary: 'List exchange rates (by currency, then date)',
      description:
        'Each rate is accounting-currency units per 1 unit of the currency, from its date on: the rate on a date D is the latest one dated on or before D.',
      request: { query: ExchangeRateListQuery },
      responses: { 200: jsonResponse(ExchangeRateListSchema), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const reader = requestReader(c);
      const rows = await listExchangeRates(reader.db, {
        currency: q.currency,
        from: q.from,
        to: q.to,
        limit: q.limit,
        ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
      });
      const more = rows.length > q.limit;
      const items = more ? rows.slice(0, q.limit) : rows;
      return c.json({
        accountingCurrency: (await getParameters(reader)).values.accountingCurrency,
        items: items.map(exchangeRateRowToJson),
        nextCursor: more ? encodeCursor(rateKey(items[items.length - 1]!)) : null,
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(RATE_WRITERS, 'set exchange rates')],
      method: 'put',
      path: '/api/v1/exchange-rates/{currency}/{date}',
      tags,
      summary: 'Set the rate of a currency from a date on',
      description:
        'The rate is accounting-currency units per 1 unit of the currency (a decimal string with up to 10 decimals). Entries already posted keep the amounts they were booked at: a new rate is never applied to them (no revaluation).',
      request: { params: ExchangeRateParams, body: jsonBody(ExchangeRateInput) },
      responses: {
        200: jsonResponse(ExchangeRateSchema, 'replaced or unchanged'),
        201: jsonResponse(ExchangeRateSchema, 'created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { currency, date } = c.req.valid('param');
      const { rate } = c.req.valid('json');
      return command(c, async (tx) => {
        const r = await putExchangeRate(tx, { currency, date, rate });
        return { status: r.created ? 201 : 200, body: r.rate, version: r.rate.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(RATE_WRITERS, 'set exchange rates')],
      method: 'post',
      path: '/api/v1/exchange-rates:batch',
      tags,
      summary: 'Set many rates at once (all or nothing)',
      description:
        'Items `{currency, date, rate}`. Any invalid item refuses the whole batch with 422 and per-item results; nothing is saved. A rate re-sent unchanged is `unchanged: true`.',
      request: { body: jsonBody(ExchangeRateBatchBody) },
      responses: {
        200: jsonResponse(z.object({ changed: z.number(), items: z.array(BatchItemResult) })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { items } = c.req.valid('json');
      return command(c, async (tx) => ({ body: await putExchangeRateBatch(tx, items) }));
    },
  );
}
