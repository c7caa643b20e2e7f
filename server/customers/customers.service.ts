import type { Tx } from '../db/transaction';
import { ApiError, notFound, ruleViolation, zodDetails, type ErrorDetail } from '../http/errors';
import type { z } from '@hono/zod-openapi';
import type { BatchItemResult as BatchItemResultSchema } from '../http/schemas';
import { assertVersion, checkUpsert } from '../http/versioning';
import { formatMoney } from '../../shared/money';
import { customerCreditToJson } from '../../shared/api/credit';
import { evaluateCreditCheck } from '../../shared/credit/blocking-rules';
import { activeTemporaryLimit, totalCreditLimit } from '../../shared/credit/limits';
import { loadCreditInput } from '../credit/credit-check/credit-input';
import { rateBook } from '../exchange-rates/exchange-rates.service';
import { fromAccounting } from '../../shared/currency';
import { getParameters } from '../credit/parameters/parameters.service';
import type { Reader } from '../db/prepared-sql';
import { fromBool, toBigInt } from '../db/values';
import {
  CUSTOMER,
  lockRows,
  customerInputToColumns,
  customerRowToCustomer,
  findCustomer,
  findCustomersByIds,
  insertCustomers,
  riskInputsOf,
  updateCustomer,
  type CustomerColumns,
  type CustomerRow,
} from './customers.repository';
import { CustomerBatchItem, type CreditProfilePatch, type Customer, type CustomerInput } from './customers.schema';
import { setupRowsCached } from '../credit/setup/setup.resource';
import { accountStatuses, creditManagementGroups, reasonCodes } from '../credit/setup/setup.kinds';
import { enteredValueErrors, sortedEntries } from '../../shared/credit/risk-setup';
import { loadRiskSetup } from '../credit/risk/risk.repository';

export { lockRows } from './customers.repository';

function newRow(id: string, columns: CustomerColumns, now: string) {
  return {
    id,
    risk_score: null,
    risk_inputs: null,
    ...columns,
    credit_limit_date: now.slice(0, 10),
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
    ...(limitChanged ? { credit_limit_date: now.slice(0, 10) } : {}),
    updated_at: now,
    version: existing.version + 1,
  };
}

/**
 * The credit attributes (credit.md §1.2, §6), by input field and column. Credit staff set them
 * (PATCH /customers/{id}/credit-profile); the ERP feed may send them on a new customer, and on an
 * existing one only with their current values (an ERP re-sends full records): a different value
 * would undo a credit decision behind credit staff's back, so it is refused (403). Left out of a
 * PUT, they keep their values. Relaxing a control — excluding a customer from credit management,
 * or switching credit management off until a date — is credit staff's alone, on new customers too.
 */
const CREDIT_PROFILE = [
  ['accountStatusId', 'account_status_id'],
  ['statusReasonId', 'status_reason_id'],
  ['creditManagementGroupId', 'credit_management_group_id'],
  ['lastReviewDate', 'last_review_date'],
  ['nextScheduledReviewDate', 'next_scheduled_review_date'],
  ['creditRating', 'credit_rating'],
  ['notes', 'notes'],
  ['eligibleCreditLimit', 'eligible_credit_limit'],
  ['eligibleCreditLimitCurrency', 'eligible_credit_limit_currency'],
  ['eligibleCreditLimitDate', 'eligible_credit_limit_date'],
  ['mandatoryCreditLimit', 'mandatory_credit_limit'],
  ['excludeFromCreditManagement', 'exclude_from_credit_management'],
  ['ignoreUntilDate', 'ignore_until_date'],
] as const satisfies readonly (readonly [keyof CustomerInput, keyof CustomerColumns])[];

/**
 * The limit fields. With the parameter allowManualEditingOfCreditLimits off (credit.md §2.1) an
 * existing customer's limit changes only by posting an adjustment journal: the feed may repeat
 * the current values (left out, the flag and the expiry keep theirs) and a different one is a 422
 * naming the field and the parameter. A new customer arrives with its initial limit.
 */
const LIMITS = [
  ['creditLimit', 'credit_limit'],
  ['unlimitedCredit', 'unlimited_credit'],
  ['creditLimitExpirationDate', 'credit_limit_expiration_date'],
] as const satisfies readonly (readonly [keyof CustomerInput, keyof CustomerColumns])[];

const MONEY_COLUMNS = new Set<string>(['credit_limit', 'eligible_credit_limit']);
const FLAG_COLUMNS = new Set<string>(['unlimited_credit', 'mandatory_credit_limit', 'exclude_from_credit_management']);

/** A stored column as the API shows it, for messages: money with 2 decimals, flags as true/false, none for null. */
function shown(column: string, v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (MONEY_COLUMNS.has(column)) return formatMoney(toBigInt(v as string | number | bigint));
  if (FLAG_COLUMNS.has(column)) return String(Number(v) === 1);
  return String(v);
}

/** A stored column and a new value, equal whatever the driver's type (bigint as text or number, flags as 0/1). */
const same = (stored: unknown, next: unknown): boolean =>
  stored === null || stored === undefined
    ? next === null || next === undefined
    : next !== null && next !== undefined && String(stored) === String(next);

interface FeedOutcome {
  columns: CustomerColumns;
  /** Credit staff's to change (403). */
  forbidden: ErrorDetail[];
  /** Refused by a parameter (422). */
  refused: ErrorDetail[];
}

/** What a feed item writes over `existing` (or as a new customer), and what it may not (see CREDIT_PROFILE, LIMITS). */
function feedColumns(
  tx: Tx,
  existing: CustomerRow | undefined,
  input: CustomerInput,
  manualLimits: boolean,
): FeedOutcome {
  const columns = customerInputToColumns(input);
  const forbidden: ErrorDetail[] = [];
  const refused: ErrorDetail[] = [];
  const system = tx.actor.role === 'system';
  if (!existing) {
    if (!system && columns.exclude_from_credit_management === 1)
      forbidden.push({
        path: 'excludeFromCreditManagement',
        message:
          'only credit staff (credit_clerk, credit_manager) exclude a customer from credit management: PATCH /api/v1/customers/{id}/credit-profile',
      });
    if (!system && columns.ignore_until_date !== null)
      forbidden.push({
        path: 'ignoreUntilDate',
        message:
          'only credit staff switch credit management off for a customer: PATCH /api/v1/customers/{id}/credit-profile',
      });
    return { columns, forbidden, refused };
  }
  const kept = columns as Record<string, unknown>;
  const current = existing as Record<string, unknown>;
  for (const [field, column] of CREDIT_PROFILE) {
    if (input[field] === undefined) kept[column] = current[column];
    else if (!system && !same(current[column], kept[column])) {
      forbidden.push({
        path: field,
        message: `differs from the current ${shown(column, current[column])}: credit attributes are set by credit staff (PATCH /api/v1/customers/{id}/credit-profile); send the current value or leave the field out`,
      });
    }
  }
  if (!manualLimits && !system) {
    for (const [field, column] of LIMITS) {
      if (input[field] === undefined) kept[column] = current[column];
      else if (!same(current[column], kept[column])) {
        refused.push({
          path: field,
          message: `differs from the current ${shown(column, current[column])}: the parameter allowManualEditingOfCreditLimits is off, so limits change only by posting an adjustment journal`,
        });
      }
    }
  }
  return { columns, forbidden, refused };
}

/** Refuses a feed change with its details: 403 when it touches what credit staff own, else 422 for a parameter. */
function refuseFeed(outcome: Pick<FeedOutcome, 'forbidden' | 'refused'>, prefix = ''): void {
  const at = (e: ErrorDetail) => ({ path: `${prefix}${e.path}`, message: e.message });
  if (outcome.forbidden.length)
    throw new ApiError(
      'forbidden',
      `only credit staff change a customer's credit attributes: ${outcome.forbidden.map((e) => e.path).join(', ')}`,
      outcome.forbidden.map(at),
    );
  if (outcome.refused.length)
    throw new ApiError(
      'rule_violation',
      "the customer's credit limit changes only by posting an adjustment journal (parameter allowManualEditingOfCreditLimits is off)",
      outcome.refused.map(at),
    );
}

/** Creates or replaces a customer; replacing needs the version the caller read (If-Match). */
export async function upsertCustomer(
  tx: Tx,
  id: string,
  input: CustomerInput,
  ifMatch: number | undefined,
): Promise<{ customer: Customer; created: boolean }> {
  const existing = await findCustomer(tx.db, id, lockRows(tx));
  if (!existing && ifMatch !== undefined) throw notFound('customer', id);
  if (existing) checkUpsert('customer', id, existing, ifMatch, () => customerRowToCustomer(existing));
  const outcome = feedColumns(tx, existing, input, (await getParameters(tx)).values.allowManualEditingOfCreditLimits);
  refuseFeed(outcome);
  const { columns } = outcome;
  if (!existing) {
    const row = newRow(id, columns, tx.now);
    await insertCustomers(tx.db, [row]);
    const customer = customerRowToCustomer(row);
    tx.changed(CUSTOMER, id, 'create', 1, { action: 'customer.create', after: customer });
    return { customer, created: true };
  }
  const before = customerRowToCustomer(existing);
  const set = updatedColumns(existing, columns, tx.now);
  await updateCustomer(tx.db, id, set);
  const customer = customerRowToCustomer({ ...existing, ...set });
  tx.changed(CUSTOMER, id, 'update', set.version, { action: 'customer.update', before, after: customer });
  return { customer, created: false };
}

/** One item's answer of a batch feed: the type of the shared schema (server/http/schemas.ts). */
export type BatchItemResult = z.output<typeof BatchItemResultSchema>;

/**
 * The ERP feed: upserts every item unconditionally unless it carries a `version`. All or nothing:
 * any invalid item or stale version refuses the whole batch with every item's result.
 */
export async function upsertCustomerBatch(
  tx: Tx,
  rawItems: unknown[],
): Promise<{ results: BatchItemResult[]; created: number; updated: number }> {
  const results: BatchItemResult[] = [];
  const valid: { index: number; item: CustomerBatchItem }[] = [];
  const seen = new Set<string>();
  rawItems.forEach((raw, index) => {
    const parsed = CustomerBatchItem.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown } | null)?.id;
      results.push({
        index,
        ...(typeof id === 'string' ? { id } : {}),
        status: 'error',
        errors: zodDetails(parsed.error),
      });
      return;
    }
    if (seen.has(parsed.data.id)) {
      results.push({
        index,
        id: parsed.data.id,
        status: 'error',
        errors: [{ path: 'id', message: `customer ${parsed.data.id} appears more than once in this batch` }],
      });
      return;
    }
    seen.add(parsed.data.id);
    results.push({ index, id: parsed.data.id, status: 'ok', errors: [] });
    valid.push({ index, item: parsed.data });
  });

  const existing = await findCustomersByIds(
    tx.db,
    valid.map((v) => v.item.id),
    lockRows(tx),
  );
  const manualLimits = (await getParameters(tx)).values.allowManualEditingOfCreditLimits;
  const columnsOf = new Map<string, CustomerColumns>();
  let forbidden = false;
  for (const { index, item } of valid) {
    const row = existing.get(item.id);
    if (item.version !== undefined && !row)
      results[index] = {
        index,
        id: item.id,
        status: 'error',
        errors: [
          { path: 'version', message: `customer ${item.id} does not exist, so it has no version ${item.version}` },
        ],
      };
    else if (item.version !== undefined && row!.version !== item.version)
      results[index] = {
        index,
        id: item.id,
        status: 'error',
        errors: [{ path: 'version', message: `stale: the customer is at version ${row!.version}` }],
      };
    else {
      const { id: _id, version: _version, ...input } = item;
      const outcome = feedColumns(tx, row, input, manualLimits);
      if (outcome.forbidden.length || outcome.refused.length)
        results[index] = { index, id: item.id, status: 'error', errors: [...outcome.forbidden, ...outcome.refused] };
      forbidden ||= outcome.forbidden.length > 0;
      columnsOf.set(item.id, outcome.columns);
    }
  }
  if (results.some((r) => r.status === 'error')) {
    const details = results
      .filter((r) => r.status === 'error')
      .flatMap((r) => r.errors.map((e) => ({ path: `items.${r.index}.${e.path}`, message: e.message })));
    // Touching what credit staff own is a 403 for the whole batch; otherwise the usual 422.
    if (forbidden)
      throw new ApiError(
        'forbidden',
        "only credit staff change customers' credit attributes; nothing was saved",
        details,
        { items: results },
      );
    throw new ApiError('rule_violation', 'some items are invalid; nothing was saved', details, { items: results });
  }

  const inserts = [];
  let updated = 0;
  for (const { item } of valid) {
    const { id } = item;
    const columns = columnsOf.get(id)!;
    const row = existing.get(id);
    if (!row) {
      const created = newRow(id, columns, tx.now);
      inserts.push(created);
      tx.changed(CUSTOMER, id, 'create', 1, { action: 'customer.create', after: customerRowToCustomer(created) });
    } else {
      const set = updatedColumns(row, columns, tx.now);
      await updateCustomer(tx.db, id, set);
      updated++;
      tx.changed(CUSTOMER, id, 'update', set.version, {
        action: 'customer.update',
        before: customerRowToCustomer(row),
        after: customerRowToCustomer({ ...row, ...set }),
      });
    }
  }
  await insertCustomers(tx.db, inserts);
  return { results, created: inserts.length, updated };
}

/**
 * The customer with its credit summary: the credit check of an empty order (SPEC §5), in the
 * accounting currency, with the limit in the customer's own currency at today's rate (credit.md
 * §1.2). The customer itself is as every other answer gives it (PUT, lists, the 409's current):
 * figures that move with the rates live in `credit` only.
 */
export async function getCustomerWithCredit(reader: Reader, id: string) {
  const row = await findCustomer(reader.db, id);
  if (!row) throw notFound('customer', id);
  const asOf = reader.today;
  const input = await loadCreditInput(reader, {
    customerId: id,
    asOf,
    order: { amount: 0n, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
  });
  const r = evaluateCreditCheck(input);
  // The customer's own limit (credit.md §1.4): the active temporary limit replaces the base limit,
  // and active policies add their contributions; the engine's effectiveLimit may be the group's.
  const temporary = activeTemporaryLimit(input.temporaryLimits, asOf);
  const total = totalCreditLimit(input.customer, input.temporaryLimits, input.insurances, asOf);
  // The limit is in the accounting currency; shown in the customer's at today's rate (none: null).
  const rates = await rateBook(reader);
  const rate = rates.rate(row.currency, asOf);
  const inCustomerCurrency = rate === undefined ? null : fromAccounting(input.customer.creditLimit, rate);
  return {
    ...customerRowToCustomer(row),
    credit: customerCreditToJson(
      r,
      {
        baseCreditLimit: input.customer.creditLimit,
        activeTemporaryLimit: temporary,
        totalCreditLimit: total,
        creditGroupId: input.group?.id ?? null,
        customerCurrency: row.currency,
        creditLimitCustomerCurrency: inCustomerCurrency,
      },
      rates.accountingCurrency,
    ),
  };
}

/**
 * Credit staff's edit of a customer's credit attributes (credit.md §1.2, §6): account status,
 * credit management group, review dates, rating, notes, eligible limit, mandatory limit, the
 * exclusion from credit management and its end date, and the hand-entered risk inputs. Partial:
 * what is left out stays. The limit itself changes only through an adjustment journal. References
 * must exist (422); the change is one version, audited with what it changed.
 */
export async function updateCreditProfile(
  tx: Tx,
  id: string,
  patch: CreditProfilePatch,
  ifMatch: number,
): Promise<Customer> {
  const existing = await findCustomer(tx.db, id, lockRows(tx));
  if (!existing) throw notFound('customer', id);
  assertVersion(ifMatch, existing, customerRowToCustomer(existing));
  const errors: ErrorDetail[] = [];
  const requireRow = async (
    entity: string,
    field: keyof CreditProfilePatch,
    value: string | null | undefined,
    noun: string,
  ) => {
    if (value != null && !(await setupRowsCached(tx, entity)).has(value))
      errors.push({ path: field, message: `${noun} ${value} does not exist` });
  };
  await requireRow(accountStatuses.entity, 'accountStatusId', patch.accountStatusId, 'account status');
  await requireRow(
    creditManagementGroups.entity,
    'creditManagementGroupId',
    patch.creditManagementGroupId,
    'credit management group',
  );
  await requireRow(reasonCodes.entity, 'statusReasonId', patch.statusReasonId, 'reason code');
  let riskInputs: string | null | undefined;
  if (patch.riskInputs) {
    const merged: Record<string, string> = riskInputsOf(existing);
    for (const [ruleId, value] of Object.entries(patch.riskInputs)) {
      if (value === null) delete merged[ruleId];
      else merged[ruleId] = value;
    }
    const entered = Object.fromEntries(
      Object.entries(patch.riskInputs).filter((e): e is [string, string] => e[1] !== null),
    );
    const rules = new Map((await loadRiskSetup(tx.db)).rules.map((r) => [r.id, r]));
    errors.push(...enteredValueErrors(entered, rules, 'riskInputs'));
    riskInputs = Object.keys(merged).length ? JSON.stringify(Object.fromEntries(sortedEntries(merged))) : null;
  }
  if (errors.length) throw ruleViolation('the credit profile was not changed', errors);
  const columns: Partial<CustomerRow> = {};
  const put = <K extends keyof CustomerRow>(column: K, value: CustomerRow[K] | undefined) => {
    if (value !== undefined) columns[column] = value;
  };
  put('account_status_id', patch.accountStatusId);
  put('status_reason_id', patch.statusReasonId);
  put('credit_management_group_id', patch.creditManagementGroupId);
  put('last_review_date', patch.lastReviewDate);
  put('next_scheduled_review_date', patch.nextScheduledReviewDate);
  put('credit_rating', patch.creditRating);
  put('notes', patch.notes);
  put('eligible_credit_limit', patch.eligibleCreditLimit);
  put('eligible_credit_limit_currency', patch.eligibleCreditLimitCurrency);
  put('eligible_credit_limit_date', patch.eligibleCreditLimitDate);
  put(
    'mandatory_credit_limit',
    patch.mandatoryCreditLimit === undefined ? undefined : fromBool(patch.mandatoryCreditLimit),
  );
  put(
    'exclude_from_credit_management',
    patch.excludeFromCreditManagement === undefined ? undefined : fromBool(patch.excludeFromCreditManagement),
  );
  put('ignore_until_date', patch.ignoreUntilDate);
  put('risk_inputs', riskInputs);
  const before = customerRowToCustomer(existing);
  const set = { ...columns, updated_at: tx.now, version: existing.version + 1 };
  await updateCustomer(tx.db, id, set);
  const customer = customerRowToCustomer({ ...existing, ...set });
  const changedFields = (Object.keys(customer) as (keyof Customer)[]).filter(
    (k) => k !== 'version' && k !== 'updatedAt' && JSON.stringify(customer[k]) !== JSON.stringify(before[k]),
  );
  tx.changed(CUSTOMER, id, 'update', set.version, {
    action: 'customer.creditProfile',
    before: { ...Object.fromEntries(changedFields.map((k) => [k, before[k]])), version: before.version },
    after: { ...Object.fromEntries(changedFields.map((k) => [k, customer[k]])), version: customer.version },
  });
  return customer;
}
