import type { Context } from 'hono';
/**
 * `POST /api/v1/credit-context:batch`: what the add-in's local proposals preview needs for up to
 * 50,000 customers in one request — each customer's credit-check input exactly as the journal
 * `:validate` builds it (loadCreditInputs), and for each open, unforced hold the fields in which
 * the re-check input of its order differs (the input `:validate` loads with excludeOrderId).
 * Money is a decimal string with 2 decimals, rates a decimal string; nothing is written.
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
        value: MoneyOut,
        updateCreditLimitPct: RateOut,
        effectiveDate: DateOut,
        expirationDate: DateOut,
        includedInExposure: z.boolean(),
      }),
    ),
    group: z
      .object({
        id: z.string(),
        creditLimit: MoneyOut,
        creditLimitToDate: DateOut.nullable(),
        membersExposure: MoneyOut,
        temporaryLimits: z.array(TemporaryLimitJson),
      })
      .nullable(),
    heldOrders: z
      .array(
        z.object({
          holdId: z.string(),
          salesOrderId: z.string(),
          order: OrderJson,
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
    creditGroups: z.array(z.object({ id: z.string(), creditLimit: MoneyOut, creditLimitToDate: DateOut.nullable() })),
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
  payment_terms_id: string | null;
  cash_discount_id: string | null;
  exclude_from_credit_management: number;
}

/**
 * The re-check input of a held order, as loadCreditInput(excludeOrderId) builds it: the order is
 * the checked amount (its own terms, else the customer's), and an open order leaves the customer's
 * and the group's open-order exposure.
 */
function heldOrderJson(base: CreditCheckInput, h: HeldOrderRow): CustomerJson['heldOrders'][number] {
  const open = h.status === 'open';
  const dni = open ? toBigInt(h.delivered_not_invoiced) : 0n;
  const openOrders = open ? toBigInt(h.amount) - toBigInt(h.invoiced_amount) - toBigInt(h.delivered_not_invoiced) : 0n;
  const own = exposureTotal(
    base.parameters.creditLimitType,
    { balance: 0n, deliveredNotInvoiced: dni, openOrders },
    false,
  );
  return {
    holdId: h.holdId,
    salesOrderId: h.orderId,
    order: orderJson({
      amount: toBigInt(h.amount) - toBigInt(h.invoiced_amount),
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

function customerJson(name: string, input: CreditCheckInput, held: readonly HeldOrderRow[]): CustomerJson {
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
        }
      : null,
    heldOrders: held.map((h) => heldOrderJson(input, h)),
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
  const groups = new Map<string, { id: string; creditLimit: string; creditLimitToDate: string | null }>();
  for (const chunk of chunks(groupIds)) {
    for (const g of await r.db
      .selectFrom('credit_groups')
      .select(['id', 'credit_limit', 'credit_limit_to_date'])
      .where('id', 'in', chunk)
      .execute()) {
      groups.set(g.id, {
        id: g.id,
        creditLimit: formatMoney(toBigInt(g.credit_limit)),
        creditLimitToDate: g.credit_limit_to_date,
      });
    }
  }
  // The setup every input shares (the same cached values loadCreditInputs puts in each), sent once.
  // Rules as GET /blocking-rules answers them: every rule in id order, as activeRules reads them.
  const [params, rules, termRanks, discountRanks] = await Promise.all([
    getParameters(r),
    r.db.selectFrom('blocking_rules').selectAll().orderBy('id').execute(),
    ranksOf(r, paymentTerms),
    ranksOf(r, cashDiscounts),
  ]);
  return {
    asOf,
    parameters: creditParameters(params.values),
    rules: rules.map(ruleRowToJson),
    paymentTermsRanks: Object.fromEntries(termRanks),
    cashDiscountRanks: Object.fromEntries(discountRanks),
    customers: ids.flatMap((id) => {
      const input = inputs.get(id);
      return input ? [customerJson(names.get(id)!, input, held.get(id) ?? [])] : [];
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
        'Per known customer the engine input `:validate` uses (money as decimal strings) and its held orders’ re-check fields; setup (parameters, rules, ranks) once. Unknown customer and credit group ids are listed, not an error. Every role may read.',
      request: { body: jsonBody(CreditContextRequest) },
      responses: { 200: jsonResponse(CreditContextResponse), ...errorResponses },
    }),
    async (c) => c.json(await loadCreditContext(reader(c), c.req.valid('json'))),
  );
}
