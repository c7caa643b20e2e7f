import type { Context } from 'hono';
/**
 * `POST /api/v1/credit-context:batch`: what the add-in's local proposals preview needs for up to
 * 50,000 customers in one request — each customer's credit-check input exactly as the journal
 * `:validate` builds it (loadCreditInputs), and for each open, unforced hold the fields in which
 * the re-check input of its order differs (the input `:validate` loads with excludeOrderId).
 * Money is a decimal string with 2 decimals, rates a decimal string; nothing is written.
 * Every amount is in the accounting currency (GET /parameters), converted on `asOf` as the check
 * converts it, except a credit group's limits (in `group.currency`, with `group.rate`).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard } from '../../http/auth';
import { ROLES } from '../../db/transaction';
import type { Reader } from '../../db/prepared-sql';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { DateIn, DateOut, idOf, MoneyOut } from '../../http/schemas';
import { groupBy, toBigInt } from '../../db/values';
import type { CreditCheckInput, CreditOrder, TemporaryLimit } from '../../../shared/credit/types';
import { exposureTotal } from '../../../shared/credit/limits';
import { formatMoney, formatRate } from '../../../shared/money';
import { formatExchangeRate } from '../../../shared/currency';
import { ordersInAccounting } from '../../../shared/credit/currencies';
import { rateBook, type RateBook } from '../../exchange-rates/exchange-rates.service';
import { ruleRowToJson } from '../blocking-rules/blocking-rules.service';
import { BlockingRuleSchema } from '../blocking-rules/blocking-rules.schema';
import { creditParameters, getParameters } from '../parameters/parameters.service';
import { cashDiscounts, paymentTerms, ranksOf } from '../setup/setup.kinds';
import { loadCreditInputs } from './credit-input';

/** Ids per SQL `IN` list: SQLite binds at most 32,766 variables per statement. */
const CHUNK = 500;
const MAX_CONTEXT_IDS = 50_000;

const CreditContextRequest = z
  .strictObject({
    customerIds: z.array(idOf('customer')).max(MAX_CONTEXT_IDS),
    creditGroupIds: z.array(idOf('creditGroup')).max(MAX_CONTEXT_IDS).optional(),
    asOf: DateIn.optional().openapi({ description: 'the preview date; default today (UTC), as `:validate` uses' }),
  })
  .openapi('CreditContextRequest');

const RateOut = z.string().openapi({ example: '100', description: 'decimal string, at most 4 decimals' });
const TemporaryLimitJson = z.object({
  amount: MoneyOut,
  fromDate: DateOut,
  toDate: DateOut,
  postedSeq: z.number().int(),
});
const OrderJson = z.object({
  amount: MoneyOut,
  paymentTermsId: z.string().nullable(),
  cashDiscountId: z.string().nullable(),
  excludeFromCreditManagement: z.boolean(),
});
const ExposureJson = z.object({ balance: MoneyOut, deliveredNotInvoiced: MoneyOut, openOrders: MoneyOut });

const CustomerContextJson = z
  .object({
    id: z.string(),
    name: z.string(),
    customer: z.object({
      creditLimit: MoneyOut,
      creditLimitExpirationDate: DateOut.nullable(),
      mandatoryCreditLimit: z.boolean(),
      unlimitedCredit: z.boolean(),
      excludeFromCreditManagement: z.boolean(),
      ignoreUntilDate: DateOut.nullable(),
      creditManagementGroupId: z.string().nullable(),
      accountStatusId: z.string().nullable(),
      riskGroupId: z.string().nullable(),
      paymentTermsId: z.string().nullable(),
      cashDiscountId: z.string().nullable(),
    }),
    exposureParts: ExposureJson,
    overdue: z.object({ oldestOverdueDueDate: DateOut.nullable(), overdueAmount: MoneyOut }),
    order: OrderJson.openapi({ description: 'no order: amount 0 with the customer’s terms and discount' }),
    temporaryLimits: z.array(TemporaryLimitJson),
    insurances: z.array(
      z.object({
        identifier: z.enum(['insurance', 'guarantee']),
        value: MoneyOut.meta({
          description: "in the accounting currency: the policy's value converted at the rate on asOf",
        }),
        updateCreditLimitPct: RateOut,
        effectiveDate: DateOut,
        expirationDate: DateOut,
        includedInExposure: z.boolean(),
      }),
    ),
    group: z
      .object({
        id: z.string(),
        creditLimit: MoneyOut.meta({ description: "in the group's currency" }),
        creditLimitToDate: DateOut.nullable(),
        membersExposure: MoneyOut.meta({
          description: "in the accounting currency: the check converts it to the group's currency at `rate`",
        }),
        temporaryLimits: z.array(TemporaryLimitJson),
        currency: z.string().openapi({ example: 'EUR', description: "the group's currency" }),
        rate: z.string().nullable().openapi({
          example: '1.0825',
          description:
            'accounting-currency units per 1 unit of the group currency on asOf (the engine input’s `rate`); null when the group is in the accounting currency',
        }),
      })
      .nullable(),
    heldOrders: z
      .array(
        z.object({
          holdId: z.string(),
          salesOrderId: z.string(),
          order: OrderJson.openapi({
            description: "the order's remaining amount in the accounting currency (converted at the rate on asOf)",
          }),
          exposureParts: ExposureJson,
          groupMembersExposure: MoneyOut.nullable(),
        }),
      )
      .openapi({
        description:
          'open, unforced holds: the re-check input is the customer’s with these fields replaced (the order leaves open orders and the group’s exposure)',
      }),
  })
  .openapi('CustomerCreditContext');

export const CreditContextResponse = z
  .object({
    asOf: DateOut,
    parameters: z.object({
      creditManagementEnabled: z.boolean(),
      creditLimitType: z.enum(['none', 'balance', 'balancePlusPackingSlip', 'balancePlusAll']),
      checkCreditLimitOnSalesOrder: z.boolean(),
      checkCustomerCreditGroupsCreditLimit: z.boolean(),
      ignoreCreditLimitExpiredRuleWhenBlank: z.boolean(),
      paymentTermsIncreased: z.boolean(),
      settlementDiscountIncreased: z.boolean(),
    }),
    rules: z.array(BlockingRuleSchema).openapi({ description: 'every rule, as GET /blocking-rules lists them' }),
    paymentTermsRanks: z.record(z.string(), z.number()),
    cashDiscountRanks: z.record(z.string(), z.number()),
    customers: z
      .array(CustomerContextJson)
      .openapi({ description: 'known customers, in the order asked (duplicates once)' }),
    creditGroups: z.array(
      z.object({ id: z.string(), creditLimit: MoneyOut, currency: z.string(), creditLimitToDate: DateOut.nullable() }),
    ),
    unknownCustomerIds: z.array(z.string()),
    unknownCreditGroupIds: z.array(z.string()),
  })
  .openapi('CreditContext');

type ContextJson = z.infer<typeof CreditContextResponse>;
type CustomerJson = ContextJson['customers'][number];

const temporaryJson = (t: TemporaryLimit) => ({
  amount: formatMoney(t.amount),
  fromDate: t.fromDate,
  toDate: t.toDate,
  postedSeq: t.postedSeq,
});
const orderJson = (o: CreditOrder) => ({
  amount: formatMoney(o.amount),
  paymentTermsId: o.paymentTermsId,
  cashDiscountId: o.cashDiscountId,
  excludeFromCreditManagement: o.excludeFromCreditManagement,
});

interface HeldOrderRow {
  holdId: string;
  customerId: string;
  orderId: string;
  status: string;
  amount: number | string | bigint;
  invoiced_amount: number | string | bigint;
  delivered_not_invoiced: number | string | bigint;
  currency: string;
  payment_terms_id: string | null;
  cash_discount_id: string | null;
  exclude_from_credit_management: number;
}

/**
 * The re-check input of a held order, as loadCreditInput(excludeOrderId) builds it: the order is
 * the checked amount (its own terms, else the customer's), and an open order leaves the customer's
 * and the group's open-order exposure. An order in another currency is converted as the check
 * converts it (one rounding per part of each order), so taking it out is exact.
 */
function heldOrderJson(
  base: CreditCheckInput,
  h: HeldOrderRow,
  rates: RateBook,
  asOf: string,
): CustomerJson['heldOrders'][number] {
  const open = h.status === 'open';
  const rateOf = (currency: string) => rates.require(currency, asOf, 'asOf');
  const { deliveredNotInvoiced: dni, openOrders } = ordersInAccounting(
    open
      ? [
          {
            currency: h.currency,
            deliveredNotInvoiced: toBigInt(h.delivered_not_invoiced),
            openOrders: toBigInt(h.amount) - toBigInt(h.invoiced_amount) - toBigInt(h.delivered_not_invoiced),
          },
        ]
      : [],
    rateOf,
  );
  const own = exposureTotal(
    base.parameters.creditLimitType,
    { balance: 0n, deliveredNotInvoiced: dni, openOrders },
    false,
  );
  const remaining = toBigInt(h.amount) - toBigInt(h.invoiced_amount);
  return {
    holdId: h.holdId,
    salesOrderId: h.orderId,
    order: orderJson({
      amount: remaining === 0n ? 0n : rates.toAccounting(remaining, h.currency, asOf, 'asOf'),
      paymentTermsId: h.payment_terms_id ?? base.customer.paymentTermsId,
      cashDiscountId: h.cash_discount_id ?? base.customer.cashDiscountId,
      excludeFromCreditManagement: Number(h.exclude_from_credit_management) === 1,
    }),
    exposureParts: {
      balance: formatMoney(base.exposureParts.balance),
      deliveredNotInvoiced: formatMoney(base.exposureParts.deliveredNotInvoiced - dni),
      openOrders: formatMoney(base.exposureParts.openOrders - openOrders),
    },
    groupMembersExposure: base.group ? formatMoney(base.group.membersExposure - own) : null,
  };
}

function customerJson(
  name: string,
  input: CreditCheckInput,
  held: readonly HeldOrderRow[],
  rates: RateBook,
): CustomerJson {
  const c = input.customer;
  return {
    id: c.id,
    name,
    customer: {
      creditLimit: formatMoney(c.creditLimit),
      creditLimitExpirationDate: c.creditLimitExpirationDate,
      mandatoryCreditLimit: c.mandatoryCreditLimit,
      unlimitedCredit: c.unlimitedCredit,
      excludeFromCreditManagement: c.excludeFromCreditManagement,
      ignoreUntilDate: c.ignoreUntilDate ?? null,
      creditManagementGroupId: c.creditManagementGroupId,
      accountStatusId: c.accountStatusId,
      riskGroupId: c.riskGroupId,
      paymentTermsId: c.paymentTermsId,
      cashDiscountId: c.cashDiscountId,
    },
    exposureParts: {
      balance: formatMoney(input.exposureParts.balance),
      deliveredNotInvoiced: formatMoney(input.exposureParts.deliveredNotInvoiced),
      openOrders: formatMoney(input.exposureParts.openOrders),
    },
    overdue: {
      oldestOverdueDueDate: input.overdue.oldestOverdueDueDate,
      overdueAmount: formatMoney(input.overdue.overdueAmount),
    },
    order: orderJson(input.order),
    temporaryLimits: (input.temporaryLimits ?? []).map(temporaryJson),
    insurances: (input.insurances ?? []).map((i) => ({
      identifier: i.identifier,
      value: formatMoney(i.value),
      updateCreditLimitPct: formatRate(i.updateCreditLimitPct),
      effectiveDate: i.effectiveDate,
      expirationDate: i.expirationDate,
      includedInExposure: i.includedInExposure,
    })),
    group: input.group
      ? {
          id: input.group.id,
          creditLimit: formatMoney(input.group.creditLimit),
          creditLimitToDate: input.group.creditLimitToDate,
          membersExposure: formatMoney(input.group.membersExposure),
          temporaryLimits: (input.group.temporaryLimits ?? []).map(temporaryJson),
          currency: input.group.currency ?? rates.accountingCurrency,
          rate: input.group.rate === undefined ? null : formatExchangeRate(input.group.rate),
        }
      : null,
    heldOrders: held.map((h) => heldOrderJson(input, h, rates, input.asOf)),
  };
}

const chunks = <T>(xs: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));

/** The credit context of the named customers and credit groups on `asOf` (see the module note). */
async function loadCreditContext(r: Reader, q: z.infer<typeof CreditContextRequest>): Promise<ContextJson> {
  const asOf = q.asOf ?? r.today;
  const ids = [...new Set(q.customerIds)];
  const groupIds = [...new Set(q.creditGroupIds ?? [])];
  const names = new Map<string, string>();
  const held = new Map<string, HeldOrderRow[]>();
  for (const chunk of chunks(ids)) {
    for (const c of await r.db.selectFrom('customers').select(['id', 'name']).where('id', 'in', chunk).execute())
      names.set(c.id, c.name);
    // The holds `:validate` re-checks: open and not forced (the pane lists the releasable ones sorted).
    const rows = await r.db
      .selectFrom('holds')
      .innerJoin('sales_orders', 'sales_orders.id', 'holds.sales_order_id')
      .select([
        'holds.id as holdId',
        'holds.customer_id as customerId',
        'sales_orders.id as orderId',
        'sales_orders.status',
        'sales_orders.amount',
        'sales_orders.invoiced_amount',
        'sales_orders.delivered_not_invoiced',
        'sales_orders.currency',
        'sales_orders.payment_terms_id',
        'sales_orders.cash_discount_id',
        'sales_orders.exclude_from_credit_management',
      ])
      .where('holds.status', '=', 'onHold')
      .where('holds.forced', '=', 0)
      .where('holds.customer_id', 'in', chunk)
      .execute();
    groupBy(rows as HeldOrderRow[], (h) => h.customerId, undefined, held);
  }
  const inputs = await loadCreditInputs(
    r,
    ids.filter((id) => names.has(id)),
    asOf,
  );
  const groups = new Map<string, ContextJson['creditGroups'][number]>();
  for (const chunk of chunks(groupIds)) {
    for (const g of await r.db
      .selectFrom('credit_groups')
      .select(['id', 'credit_limit', 'currency', 'credit_limit_to_date'])
      .where('id', 'in', chunk)
      .execute()) {
      groups.set(g.id, {
        id: g.id,
        creditLimit: formatMoney(toBigInt(g.credit_limit)),
        currency: g.currency,
        creditLimitToDate: g.credit_limit_to_date,
      });
    }
  }
  // The setup every input shares (the same cached values loadCreditInputs puts in each), sent once.
  // Rules as GET /blocking-rules answers them: every rule in id order, as activeRules reads them.
  const [params, rules, termRanks, discountRanks, rates] = await Promise.all([
    getParameters(r),
    r.db.selectFrom('blocking_rules').selectAll().orderBy('id').execute(),
    ranksOf(r, paymentTerms),
    ranksOf(r, cashDiscounts),
    rateBook(r),
  ]);
  return {
    asOf,
    parameters: creditParameters(params.values),
    rules: rules.map(ruleRowToJson),
    paymentTermsRanks: Object.fromEntries(termRanks),
    cashDiscountRanks: Object.fromEntries(discountRanks),
    customers: ids.flatMap((id) => {
      const input = inputs.get(id);
      return input ? [customerJson(names.get(id)!, input, held.get(id) ?? [], rates)] : [];
    }),
    creditGroups: groupIds.flatMap((id) => (groups.has(id) ? [groups.get(id)!] : [])),
    unknownCustomerIds: ids.filter((id) => !inputs.has(id)),
    unknownCreditGroupIds: groupIds.filter((id) => !groups.has(id)),
  };
}

export function creditContextRoutes(app: OpenAPIHono<AppEnv>, reader: (c: Context<AppEnv>) => Reader): void {
  register(
    app,
    createRoute({
      middleware: [guard(ROLES, 'read credit-check inputs')],
      method: 'post',
      path: '/api/v1/credit-context:batch',
      idempotencyKey: false,
      tags: ['Credit management'],
      summary: 'Credit-check inputs of up to 50,000 customers (the add-in’s local preview; no side effects)',
      description:
        'Per known customer the engine input `:validate` uses (money as decimal strings, in the accounting currency; a credit group’s limits in its own currency, with the rate the check converts at) and its held orders’ re-check fields; setup (parameters, rules, ranks) once. Unknown customer and credit group ids are listed, not an error. A currency without a rate on asOf is a 422 naming it. Every role may read.',
      request: { body: jsonBody(CreditContextRequest) },
      responses: { 200: jsonResponse(CreditContextResponse), ...errorResponses },
    }),
    async (c) => c.json(await loadCreditContext(reader(c), c.req.valid('json'))),
  );
}
