import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard } from '../../http/auth';
import { ROLES } from '../../db/transaction';
import { requestReader } from '../../http/reader';
import { errorResponses, jsonBody, jsonInput, jsonResponse, registerHot } from '../../http/openapi';
import { Currency, DateIn, idOf, NonNegativeMoneyIn } from '../../http/schemas';
import { evaluateCreditCheck } from '../../../shared/credit/blocking-rules';
import { CreditCheckResultSchema, creditResultToJson } from '../../../shared/api/credit';
import { accountingCurrency, loadCreditInput, loadCreditInputNow, type CreditQuery } from './credit-input';
import { creditContextRoutes } from './credit-context';

// The answer's schema and its JSON are the wire module's (shared/api/credit.ts): the customer's
// `credit` reuses them, and the add-in takes its types from them.

const CreditCheckInputSchema = z
  .strictObject({
    customerId: idOf('customer'),
    orderAmount: NonNegativeMoneyIn,
    currency: Currency.optional().openapi({
      description:
        "the currency of orderAmount (default: the customer's, as a sales order's); converted to the accounting currency at the rate on asOf (422 naming the currency and date when there is none)",
    }),
    paymentTermsId: idOf('paymentTerms').nullish(),
    cashDiscountId: idOf('cashDiscount').nullish(),
    asOf: DateIn.optional(),
    excludeOrderId: idOf('salesOrder').nullish(),
  })
  .openapi('CreditCheckInput');

export function creditCheckRoutes(app: OpenAPIHono<AppEnv>): void {
  registerHot(
    app,
    createRoute({
      middleware: [guard(ROLES, 'run a credit check')],
      method: 'post',
      path: '/api/v1/credit-check',
      idempotencyKey: false,
      tags: ['Credit management'],
      summary: 'What-if credit check of an order amount (no side effects)',
      description:
        'Runs the same pure function as sales-order posting and the add-in preview. The order being checked is left out of open orders via excludeOrderId. Every amount of the answer is in the accounting currency (`currency`), a credit group’s in the group’s.',
      request: { body: jsonBody(CreditCheckInputSchema) },
      responses: { 200: jsonResponse(CreditCheckResultSchema), ...errorResponses },
    }),
    async (c) => {
      const q = await jsonInput(c, CreditCheckInputSchema);
      const reader = requestReader(c);
      const query: CreditQuery = {
        customerId: q.customerId,
        asOf: q.asOf ?? reader.today,
        excludeOrderId: q.excludeOrderId ?? null,
        ...(q.currency ? { orderCurrency: q.currency } : {}),
        order: {
          amount: q.orderAmount,
          paymentTermsId: q.paymentTermsId ?? null,
          cashDiscountId: q.cashDiscountId ?? null,
          excludeFromCreditManagement: false,
        },
      };
      // Synchronous on SQLite once the setup is cached; the awaited path reads the setup first.
      const input = loadCreditInputNow(reader, query) ?? (await loadCreditInput(reader, query));
      return c.json(creditResultToJson(evaluateCreditCheck(input), await accountingCurrency(reader)));
    },
  );
  // The add-in's bulk read of the same inputs (credit-context.ts).
  creditContextRoutes(app, requestReader);
}
