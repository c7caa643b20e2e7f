import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Tx } from '../db/transaction';
import { ApiError, notFound, zodDetails, type ErrorDetail } from '../http/errors';
import { checkUpsert } from '../http/versioning';
import { todayUtc } from '../../shared/dates';
import { formatMoney, formatRate } from '../../shared/money';
import { evaluateCreditCheck } from '../../shared/credit/blocking-rules';
import { activeTemporaryLimit, totalCreditLimit } from '../../shared/credit/limits';
import { loadCreditInput } from '../credit/credit-check/credit-input';
import type { Reader } from '../db/hot';
import { toBigInt } from '../db/values';
import {
  customerInputToColumns,
  customerRowToCustomer,
  findCustomer,
  findCustomersByIds,
  insertCustomers,
  updateCustomer,
  type CustomerColumns,
  type CustomerRow,
} from './customers.repository';
import { CustomerBatchItem, type Customer, type CustomerInput } from './customers.schema';

export const CUSTOMER = 'customer';

/**
 * Whether reads that precede a change take row locks. PostgreSQL runs transactions concurrently
 * (READ COMMITTED), so without the lock two changes based on the same version would both pass the
 * version check and one would be lost; SQLite runs one write transaction at a time.
 */
export const lockRows = (tx: Tx): boolean => tx.dialect === 'postgres';

function newRow(id: string, columns: CustomerColumns, now: string) {
  return {
    id,
    risk_score: null,
    ...columns,
    credit_limit_date: todayUtc(new Date(now)),
    risk_group_id: null,
    invoicing_and_delivery_on_hold: 0,
    collection_letter_level: 0,
    collection_letter_date: null,
    created_at: now,
    updated_at: now,
    version: 1,
  };
}

/** The update of an existing row; the credit-limit date moves only when the limit does. */
function updatedColumns(existing: CustomerRow, columns: CustomerColumns, now: string) {
  const limitChanged = toBigInt(existing.credit_limit) !== columns.credit_limit;
  return {
    ...columns,
    ...(limitChanged ? { credit_limit_date: todayUtc(new Date(now)) } : {}),
    updated_at: now,
    version: existing.version + 1,
  };
}

/** Creates or replaces a customer; replacing needs the version the caller read (If-Match). */
export async function upsertCustomer(tx: Tx, id: string, input: CustomerInput, ifMatch: number | undefined): Promise<{ customer: Customer; created: boolean }> {
  const existing = await findCustomer(tx.db, id, lockRows(tx));
  const columns = customerInputToColumns(input);
  if (!existing) {
    if (ifMatch !== undefined) throw notFound('customer', id);
    const row = newRow(id, columns, tx.now);
    await insertCustomers(tx.db, [row]);
    const customer = customerRowToCustomer(row);
    tx.changed(CUSTOMER, id, 'create', 1, { action: 'customer.create', after: customer });
    return { customer, created: true };
  }
  const before = customerRowToCustomer(existing);
  checkUpsert('customer', id, existing, ifMatch, () => before);
  const set = updatedColumns(existing, columns, tx.now);
  await updateCustomer(tx.db, id, set);
  const customer = customerRowToCustomer({ ...existing, ...set });
  tx.changed(CUSTOMER, id, 'update', set.version, { action: 'customer.update', before, after: customer });
  return { customer, created: false };
}

export interface BatchItemResult {
  index: number;
  id?: string;
  status: 'ok' | 'error';
  errors: ErrorDetail[];
}

/**
 * The ERP feed: upserts every item unconditionally unless it carries a `version`. All or nothing:
 * any invalid item or stale version refuses the whole batch with every item's result.
 */
export async function upsertCustomerBatch(tx: Tx, rawItems: unknown[]): Promise<{ results: BatchItemResult[]; created: number; updated: number }> {
  const results: BatchItemResult[] = [];
  const valid: { index: number; item: CustomerBatchItem }[] = [];
  const seen = new Set<string>();
  rawItems.forEach((raw, index) => {
    const parsed = CustomerBatchItem.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown } | null)?.id;
      results.push({ index, ...(typeof id === 'string' ? { id } : {}), status: 'error', errors: zodDetails(parsed.error) });
      return;
    }
    if (seen.has(parsed.data.id)) {
      results.push({ index, id: parsed.data.id, status: 'error', errors: [{ path: 'id', message: `customer ${parsed.data.id} appears more than once in this batch` }] });
      return;
    }
    seen.add(parsed.data.id);
    results.push({ index, id: parsed.data.id, status: 'ok', errors: [] });
    valid.push({ index, item: parsed.data });
  });

  const existing = await findCustomersByIds(tx.db, valid.map((v) => v.item.id), lockRows(tx));
  for (const { index, item } of valid) {
    const row = existing.get(item.id);
    if (item.version === undefined) continue;
    if (!row) results[index] = { index, id: item.id, status: 'error', errors: [{ path: 'version', message: `customer ${item.id} does not exist, so it has no version ${item.version}` }] };
    else if (row.version !== item.version) results[index] = { index, id: item.id, status: 'error', errors: [{ path: 'version', message: `stale: the customer is at version ${row.version}` }] };
  }
  if (results.some((r) => r.status === 'error')) {
    throw new ApiError('rule_violation', 'some items are invalid; nothing was saved', results.filter((r) => r.status === 'error').flatMap((r) => r.errors.map((e) => ({ path: `items.${r.index}.${e.path}`, message: e.message }))), { items: results });
  }

  const inserts = [];
  let updated = 0;
  for (const { item } of valid) {
    const { id, version: _version, ...input } = item;
    const columns = customerInputToColumns(input);
    const row = existing.get(id);
    if (!row) {
      const created = newRow(id, columns, tx.now);
      inserts.push(created);
      tx.changed(CUSTOMER, id, 'create', 1, { action: 'customer.create', after: customerRowToCustomer(created) });
    } else {
      const set = updatedColumns(row, columns, tx.now);
      await updateCustomer(tx.db, id, set);
      updated++;
      tx.changed(CUSTOMER, id, 'update', set.version, { action: 'customer.update', before: customerRowToCustomer(row), after: customerRowToCustomer({ ...row, ...set }) });
    }
  }
  await insertCustomers(tx.db, inserts);
  return { results, created: inserts.length, updated };
}

/** The customer with its credit summary: the credit check of an empty order (SPEC §5). */
export async function getCustomerWithCredit(reader: Reader, id: string) {
  const row = await findCustomer(reader.db, id);
  if (!row) throw notFound('customer', id);
  const asOf = todayUtc();
  const input = await loadCreditInput(reader, { customerId: id, asOf, order: { amount: 0n, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false } });
  const r = evaluateCreditCheck(input);
  // The customer's own limit (credit.md §1.4): the active temporary limit replaces the base limit,
  // and active policies add their contributions; the engine's effectiveLimit may be the group's.
  const temporary = activeTemporaryLimit(input.temporaryLimits, asOf);
  const total = totalCreditLimit(input.customer, input.temporaryLimits, input.insurances, asOf);
  return {
    ...customerRowToCustomer(row),
    credit: {
      baseCreditLimit: formatMoney(input.customer.creditLimit),
      activeTemporaryLimit: temporary === null ? null : formatMoney(temporary),
      insuranceContribution: formatMoney(total - (temporary ?? input.customer.creditLimit)),
      totalCreditLimit: formatMoney(total),
      balance: formatMoney(r.exposure.balance),
      deliveredNotInvoiced: formatMoney(r.exposure.deliveredNotInvoiced),
      openOrders: formatMoney(r.exposure.openOrders),
      exposure: formatMoney(r.exposure.total),
      effectiveLimit: r.effectiveLimit === null ? null : formatMoney(r.effectiveLimit),
      availableCredit: r.availableCredit === null ? null : formatMoney(r.availableCredit),
      percentUsed: r.percentAfterOrder === null ? null : formatRate(r.percentAfterOrder),
      creditGroupId: input.group?.id ?? null,
      group: r.group ? { id: r.group.id, limit: formatMoney(r.group.limit), exposure: formatMoney(r.group.exposure) } : null,
    },
  };
}
