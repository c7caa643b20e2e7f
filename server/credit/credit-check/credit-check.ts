import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard } from '../../http/auth';
import { ROLES } from '../../db/transaction';
import { requestReader } from '../../http/reader';
import { errorResponses, jsonBody, jsonInput, jsonResponse, register, registerHot } from '../../http/openapi';
import { DateIn, Id, MoneyOut, NonNegativeMoneyIn } from '../../http/schemas';
import { evaluateCreditCheck } from '../../../shared/credit/blocking-rules';
import type { CreditCheckResult } from '../../../shared/credit/types';
import { todayUtc } from '../../../shared/dates';
import { formatMoney, formatRate } from '../../../shared/money';
import { loadCreditInput, loadCreditInputNow, type CreditQuery } from './credit-input';
import { creditContextRoutes } from './credit-context';

export const CreditReasonSchema = z.object({ ruleType: z.string(), ruleId: z.string().nullable(), measured: z.string(), threshold: z.string(), explanation: z.string() }).openapi('CreditReason');

export const CreditCheckResultSchema = z
  .object({
    held: z.boolean(),
    checked: z.boolean().openapi({ description: 'false when a precondition switched the check off (see note)' }),
    note: z.string().nullable(),
    reasons: z.array(CreditReasonSchema),
    exposure: z.object({ balance: MoneyOut, deliveredNotInvoiced: MoneyOut, openOrders: MoneyOut, total: MoneyOut }),
    effectiveLimit: MoneyOut.nullable().openapi({ description: 'null = unlimited' }),
    availableCredit: MoneyOut.nullable(),
    percentAfterOrder: z.string().nullable(),
    group: z.object({ id: z.string(), limit: MoneyOut, exposure: MoneyOut }).nullable(),
  })
  .openapi('CreditCheckResult');

/** The answer of a credit check as JSON: money as 2-decimal strings, percentages as decimals. */
export function creditResultToJson(r: CreditCheckResult) {
  return {
    held: r.held,
    checked: r.checked,
    note: r.note,
    reasons: r.reasons.map((x) => ({ ruleType: x.ruleType, ruleId: x.ruleId, measured: x.measured, threshold: x.threshold, explanation: x.explanation })),
    exposure: {
      balance: formatMoney(r.exposure.balance),
      deliveredNotInvoiced: formatMoney(r.exposure.deliveredNotInvoiced),
      openOrders: formatMoney(r.exposure.openOrders),
      total: formatMoney(r.exposure.total),
    },
    effectiveLimit: r.effectiveLimit === null ? null : formatMoney(r.effectiveLimit),
    availableCredit: r.availableCredit === null ? null : formatMoney(r.availableCredit),
    percentAfterOrder: r.percentAfterOrder === null ? null : formatRate(r.percentAfterOrder),
    group: r.group ? { id: r.group.id, limit: formatMoney(r.group.limit), exposure: formatMoney(r.group.exposure) } : null,
  };
}

export const CreditCheckInputSchema = z
  .strictObject({
    customerId: Id,
    orderAmount: NonNegativeMoneyIn,
    paymentTermsId: Id.nullish(),
    cashDiscountId: Id.nullish(),
    asOf: DateIn.optional(),
    excludeOrderId: Id.nullish(),
  })
  .openapi('CreditCheckInput');

export function creditCheckRoutes(app: OpenAPIHono<AppEnv>): void {
  registerHot(
    app,
    createRoute({ middleware: [guard(ROLES, 'run a credit check')],
      method: 'post',
      path: '/api/v1/credit-check',
      tags: ['Credit management'],
      summary: 'What-if credit check of an order amount (no side effects)',
      description: 'Runs the same pure function as sales-order posting and the add-in preview. The order being checked is left out of open orders via excludeOrderId.',
      request: { body: jsonBody(CreditCheckInputSchema) },
      responses: { 200: jsonResponse(CreditCheckResultSchema), ...errorResponses },
    }),
    async (c) => {
      const q = await jsonInput(c, CreditCheckInputSchema);
      const reader = requestReader(c);
      const query: CreditQuery = {
        customerId: q.customerId,
        asOf: q.asOf ?? todayUtc(),
        excludeOrderId: q.excludeOrderId ?? null,
        order: { amount: q.orderAmount, paymentTermsId: q.paymentTermsId ?? null, cashDiscountId: q.cashDiscountId ?? null, excludeFromCreditManagement: false },
      };
      // Synchronous on SQLite once the setup is cached; the awaited path reads the setup first.
      const input = loadCreditInputNow(reader, query) ?? (await loadCreditInput(reader, query));
      return c.json(creditResultToJson(evaluateCreditCheck(input)));
    },
  );
  // The add-in's bulk read of the same inputs (credit-context.ts).
  creditContextRoutes(app, requestReader);
}
