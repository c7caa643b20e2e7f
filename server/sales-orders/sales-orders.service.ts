import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Tx } from '../db/transaction';
import { ApiError, notFound, ruleViolation } from '../http/errors';
import { assertVersion, checkUpsert } from '../http/versioning';
import { requireCustomer, appendTransactions } from '../ledger/ledger.service';
import { findTransaction } from '../ledger/ledger.repository';
import { requireOrdersWithinCeiling } from '../ledger/ceiling';
import { lockRows } from '../customers/customers.service';
import { addDays } from '../../shared/dates';
import { formatMoney } from '../../shared/money';
import { toBigInt } from '../db/values';
import {
  findSalesOrder,
  salesOrderRowToSalesOrder,
  saveSalesOrder,
  undeliveredAmount,
  type SalesOrderRow,
} from './sales-orders.repository';
import type { PostingInput, SalesOrder, SalesOrderInput } from './sales-orders.schema';
import { setupRowsCached } from '../credit/setup/setup.resource';
import { accountStatuses, paymentTerms } from '../credit/setup/setup.kinds';

export const SALES_ORDER = 'salesOrder';

export async function requireSalesOrder(
  tx: { db: Kysely<Database> },
  id: string,
  lock = false,
): Promise<SalesOrderRow> {
  const row = await findSalesOrder(tx.db, id, lock);
  if (!row) throw notFound('sales order', id);
  return row;
}

/**
 * Whether an order is excluded from credit management is credit staff's decision (credit.md §6,
 * PATCH …/credit-management): the feed may repeat the current value or leave it out (kept; false
 * on a new order), and a different value is a 403. The server itself (seeding) is not the feed.
 */
function feedExclusion(tx: Tx, existing: SalesOrderRow | undefined, wanted: boolean | undefined): 0 | 1 {
  const current = existing ? (existing.exclude_from_credit_management === 1 ? 1 : 0) : 0;
  if (wanted === undefined) return current;
  const next = wanted ? 1 : 0;
  if (next !== current && tx.actor.role !== 'system') {
    throw new ApiError(
      'forbidden',
      wanted
        ? 'only credit staff (credit_clerk, credit_manager) exclude a sales order from credit management: PATCH /api/v1/sales-orders/{id}/credit-management'
        : 'credit staff excluded this order from credit management; only they include it again: PATCH /api/v1/sales-orders/{id}/credit-management',
      [
        {
          path: 'excludeFromCreditManagement',
          message: `differs from the current ${current === 1}: credit staff decide it; send the current value or leave it out`,
        },
      ],
    );
  }
  return next;
}

/** Credit staff exclude an order from credit management or include it again (If-Match). */
export async function setOrderCreditManagement(
  tx: Tx,
  id: string,
  exclude: boolean,
  ifMatch: number,
): Promise<SalesOrder> {
  const existing = await requireSalesOrder(tx, id, lockRows(tx));
  const before = salesOrderRowToSalesOrder(existing);
  assertVersion(ifMatch, existing, before);
  if (existing.status !== 'open')
    throw ruleViolation(`sales order ${id} is ${existing.status} and can no longer be changed`);
  const row: SalesOrderRow = {
    ...existing,
    exclude_from_credit_management: exclude ? 1 : 0,
    updated_at: tx.now,
    version: existing.version + 1,
  };
  await saveSalesOrder(tx.db, row, false);
  const order = salesOrderRowToSalesOrder(row);
  tx.changed(SALES_ORDER, id, 'update', row.version, {
    action: exclude ? 'salesOrder.exclude' : 'salesOrder.include',
    before,
    after: order,
  });
  return order;
}

/** Creates an order, or changes an open one (If-Match required); the amount never drops below what is delivered or invoiced. */
export async function upsertSalesOrder(
  tx: Tx,
  id: string,
  input: SalesOrderInput,
  ifMatch: number | undefined,
): Promise<{ order: SalesOrder; created: boolean }> {
  const customer = await requireCustomer(tx, input.customerId);
  const existing = await findSalesOrder(tx.db, id, lockRows(tx));
  if (existing) checkUpsert('sales order', id, existing, ifMatch, () => salesOrderRowToSalesOrder(existing));
  const exclusion = feedExclusion(tx, existing, input.excludeFromCreditManagement);
  // What is not yet invoiced counts towards the customer's ceiling (server/ledger/ceiling.ts).
  await requireOrdersWithinCeiling(
    tx,
    input.customerId,
    id,
    input.amount - (existing ? toBigInt(existing.invoiced_amount) : 0n),
  );
  if (!existing) {
    if (ifMatch !== undefined) throw notFound('sales order', id);
    const row: SalesOrderRow = {
      id,
      customer_id: input.customerId,
      amount: input.amount,
      currency: input.currency ?? customer.currency,
      delivered_not_invoiced: 0n,
      invoiced_amount: 0n,
      status: 'open',
      payment_terms_id: input.paymentTermsId ?? null,
      cash_discount_id: input.cashDiscountId ?? null,
      exclude_from_credit_management: exclusion,
      invoice_count: 0,
      credit_status: 'clear',
      last_pass_checkpoint: null,
      last_pass_date: null,
      released_amount: null,
      created_at: tx.now,
      updated_at: tx.now,
      version: 1,
    };
    await saveSalesOrder(tx.db, row, true);
    const order = salesOrderRowToSalesOrder(row);
    tx.changed(SALES_ORDER, id, 'create', 1, { action: 'salesOrder.create', after: order });
    return { order, created: true };
  }
  const before = salesOrderRowToSalesOrder(existing);
  if (existing.status !== 'open')
    throw ruleViolation(`sales order ${id} is ${existing.status} and can no longer be changed`);
  if (existing.customer_id !== input.customerId)
    throw ruleViolation('the customer of an existing order cannot change', [
      { path: 'customerId', message: `the order belongs to ${existing.customer_id}` },
    ]);
  if (input.currency !== undefined && input.currency !== existing.currency)
    throw ruleViolation('the currency of an existing order cannot change', [
      { path: 'currency', message: `the order is in ${existing.currency}` },
    ]);
  const committed = toBigInt(existing.invoiced_amount) + toBigInt(existing.delivered_not_invoiced);
  if (input.amount < committed)
    throw ruleViolation(
      `the amount cannot be below what is already delivered or invoiced (${formatMoney(committed)})`,
      [{ path: 'amount', message: `at least ${formatMoney(committed)}` }],
    );
  const invoiced = toBigInt(existing.invoiced_amount);
  const row: SalesOrderRow = {
    ...existing,
    amount: input.amount,
    // Lowering the amount to what is already invoiced leaves nothing to deliver or invoice: the order is done.
    status: invoiced > 0n && input.amount === invoiced ? 'invoiced' : existing.status,
    payment_terms_id: input.paymentTermsId ?? null,
    cash_discount_id: input.cashDiscountId ?? null,
    exclude_from_credit_management: exclusion,
    updated_at: tx.now,
    version: existing.version + 1,
  };
  await saveSalesOrder(tx.db, row, false);
  const order = salesOrderRowToSalesOrder(row);
  tx.changed(SALES_ORDER, id, 'update', row.version, { action: 'salesOrder.update', before, after: order });
  return { order, created: false };
}

/**
 * Cancels an open order (If-Match). Its open hold, if any, is canceled by the holds feature:
 * callers go through ./order-flow.ts (cancelSalesOrder), which does both.
 */
export async function cancelOrder(tx: Tx, id: string, ifMatch: number): Promise<SalesOrder> {
  const existing = await requireSalesOrder(tx, id, lockRows(tx));
  const before = salesOrderRowToSalesOrder(existing);
  assertVersion(ifMatch, existing, before);
  if (existing.status !== 'open')
    throw ruleViolation(`sales order ${id} is ${existing.status}; only open orders can be canceled`);
  if (toBigInt(existing.delivered_not_invoiced) > 0n)
    throw ruleViolation(`sales order ${id} has delivered goods not yet invoiced; invoice them first`);
  const row: SalesOrderRow = {
    ...existing,
    status: 'canceled',
    credit_status: 'clear',
    updated_at: tx.now,
    version: existing.version + 1,
  };
  await saveSalesOrder(tx.db, row, false);
  const order = salesOrderRowToSalesOrder(row);
  tx.changed(SALES_ORDER, id, 'update', row.version, { action: 'salesOrder.cancel', before, after: order });
  return order;
}

/**
 * The customer's account status can stop postings outright (credit.md §1.6, `invoicingAndDeliveryHold`):
 * `invoice` stops invoice postings, `all` stops every posting of the customer's orders, pro forma
 * included; so does the customer's own invoicingAndDeliveryOnHold (a collection letter's block).
 * Decision: a 422 that names the status, not a credit hold. The status is the account's state, not
 * a credit decision: no release can let a posting through, only changing the status can (as in
 * D365, where such a posting is refused). It applies to orders excluded from credit management too,
 * and to the posting a release "with posting" runs.
 */
async function refuseAccountStatusHold(
  tx: Tx,
  customerId: string,
  posting: Pick<PostingInput, 'checkpoint' | 'postingType'>,
): Promise<void> {
  const customer = await requireCustomer(tx, customerId);
  const status = customer.account_status_id
    ? (await setupRowsCached(tx, accountStatuses.entity)).get(customer.account_status_id)
    : undefined;
  const hold =
    customer.invoicing_and_delivery_on_hold === 1
      ? 'all'
      : ((status?.invoicingAndDeliveryHold as string | undefined) ?? 'no');
  const invoice = posting.checkpoint === 'invoice' && posting.postingType === 'posting';
  if (hold === 'all' || (hold === 'invoice' && invoice)) {
    const why =
      customer.invoicing_and_delivery_on_hold === 1 && !(status && status.invoicingAndDeliveryHold === 'all')
        ? 'is on invoicing and delivery hold'
        : `has account status ${customer.account_status_id}, whose invoicing and delivery hold is "${hold}"`;
    throw ruleViolation(
      `customer ${customerId} ${why}: ${hold === 'all' ? 'no posting of its orders' : 'no invoice posting'} until that changes`,
      [{ path: 'checkpoint', message: `refused by the account status (${hold})` }],
    );
  }
}

/** What refuses any posting of an order, before a credit check: an order that is not open, an account status hold. */
export async function refusePosting(
  tx: Tx,
  order: SalesOrderRow,
  posting: Pick<PostingInput, 'checkpoint' | 'postingType'>,
): Promise<void> {
  if (order.status !== 'open') throw ruleViolation(`sales order ${order.id} is ${order.status} and cannot be posted`);
  await refuseAccountStatusHold(tx, order.customer_id, posting);
}

/**
 * The effect of posting an order through a checkpoint, once nothing refuses it (refusePosting)
 * and the credit gate let it through: ./order-flow.ts (postSalesOrder) runs the three in order,
 * and a release "with posting" runs the posting its hold blocked. Pro forma postings change
 * nothing. A packing slip moves amounts to delivered-not-invoiced; an invoice creates the ledger
 * invoice and closes the order once everything is invoiced.
 */
export async function applyPosting(
  tx: Tx,
  existing: SalesOrderRow,
  input: PostingInput & { asOf: string },
): Promise<{ posted: true; order: SalesOrder; invoiceId?: string }> {
  const { id } = existing;
  const { asOf } = input;
  if (input.postingType === 'proForma') return { posted: true, order: salesOrderRowToSalesOrder(existing) };

  const before = salesOrderRowToSalesOrder(existing);
  const undelivered = undeliveredAmount(existing);
  const dni = toBigInt(existing.delivered_not_invoiced);
  let row: SalesOrderRow;
  let invoiceId: string | undefined;
  if (input.checkpoint === 'packingSlip') {
    const delivered = input.deliveredAmount ?? undelivered;
    if (delivered <= 0n || delivered > undelivered)
      throw ruleViolation(`at most ${formatMoney(undelivered)} is left to deliver`, [
        { path: 'deliveredAmount', message: `must be between 0.01 and ${formatMoney(undelivered)}` },
      ]);
    row = { ...existing, delivered_not_invoiced: dni + delivered };
  } else if (input.checkpoint === 'invoice') {
    const remaining = undelivered + dni;
    const amount = input.deliveredAmount ?? (dni > 0n ? dni : remaining);
    if (amount <= 0n || amount > remaining)
      throw ruleViolation(`at most ${formatMoney(remaining)} is left to invoice`, [
        { path: 'deliveredAmount', message: `must be between 0.01 and ${formatMoney(remaining)}` },
      ]);
    const invoiced = toBigInt(existing.invoiced_amount) + amount;
    const count = existing.invoice_count + 1;
    invoiceId = `${id}-INV${count}`;
    // The ledger id may already be taken (e.g. fed by the ERP): refuse instead of failing on the key.
    if (await findTransaction(tx.db, invoiceId)) {
      throw ruleViolation(`ledger entry ${invoiceId} already exists; the order cannot be invoiced under that id`, [
        { path: 'checkpoint', message: `transaction ${invoiceId} already exists` },
      ]);
    }
    const customer = await requireCustomer(tx, existing.customer_id);
    // Due after the payment terms' days: the order's terms, else the customer's; due at once without terms.
    const termsId = existing.payment_terms_id ?? customer.payment_terms_id;
    const terms = termsId ? (await setupRowsCached(tx, paymentTerms.entity)).get(termsId) : undefined;
    const dueDate = addDays(asOf, typeof terms?.days === 'number' ? terms.days : 0);
    await appendTransactions(tx, [
      {
        id: invoiceId,
        customerId: existing.customer_id,
        type: 'invoice',
        amount,
        currency: existing.currency,
        transDate: asOf,
        dueDate,
        documentDate: asOf,
        source: 'salesOrder',
        sourceRef: id,
      },
    ]);
    row = {
      ...existing,
      invoiced_amount: invoiced,
      // Invoicing consumes what was delivered first.
      delivered_not_invoiced: dni > amount ? dni - amount : 0n,
      invoice_count: count,
      status: invoiced === toBigInt(existing.amount) ? 'invoiced' : 'open',
    };
  } else {
    // Confirmation, picking list and release to warehouse change no amounts: the check is their effect.
    return { posted: true, order: before };
  }
  row = { ...row, updated_at: tx.now, version: existing.version + 1 };
  await saveSalesOrder(tx.db, row, false);
  const order = salesOrderRowToSalesOrder(row);
  tx.changed(SALES_ORDER, id, 'update', row.version, {
    action: `salesOrder.post.${input.checkpoint}`,
    before,
    after: order,
  });
  return { posted: true, order, ...(invoiceId ? { invoiceId } : {}) };
}
