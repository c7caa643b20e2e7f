import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Tx } from '../db/transaction';
import { ApiError, notFound, ruleViolation, zodDetails } from '../http/errors';
import { findCustomer, findCustomersByIds } from '../customers/customers.repository';
import { lockRows, type BatchItemResult } from '../customers/customers.service';
import { toBigInt } from '../db/values';
import { formatMoney, minMoney } from '../../shared/money';
import {
  findTransaction,
  findTransactionsByIds,
  insertSettlements,
  insertTransactions,
  movedOpenAmount,
  reserveSettlementIds,
  saveOpenAmounts,
  transactionRowToTransaction,
  type SettlementRow,
  type TransactionRow,
} from './ledger.repository';
import { TransactionInput } from './ledger.schema';
import { ledgerCeilingErrors, requireLedgerRoom } from './ceiling';
import { missingRateMessage, rateBook } from '../exchange-rates/exchange-rates.service';
import { accountingShare, convertCurrency, toAccounting } from '../../shared/currency';
import type { RateBook } from '../exchange-rates/exchange-rates.service';

export const TRANSACTION = 'transaction';
const SETTLEMENT = 'settlement';

export interface NewTransaction {
  id: string;
  customerId: string;
  type: string;
  /** In `currency` (TC). */
  amount: bigint;
  currency: string;
  /** In the accounting currency; omitted: `amount` converted at the rate on `transDate` (422 when there is none). */
  amountAccounting?: bigint;
  transDate: string;
  dueDate?: string | null;
  documentDate?: string | null;
  taxAmount?: bigint;
  bankAccountId?: string | null;
  paymentJournal?: string | null;
  source: string;
  sourceRef?: string | null;
}

/** The row of a new ledger entry: fully open, not disputed, version 1. */
function newTransactionRow(t: NewTransaction & { amountAccounting: bigint }, now: string): TransactionRow {
  return {
    id: t.id,
    customer_id: t.customerId,
    type: t.type,
    amount: t.amount,
    open_amount: t.amount,
    currency: t.currency,
    amount_accounting: t.amountAccounting,
    open_amount_accounting: t.amountAccounting,
    trans_date: t.transDate,
    due_date: t.dueDate ?? null,
    document_date: t.documentDate ?? null,
    tax_amount: t.taxAmount ?? 0n,
    bank_account_id: t.bankAccountId ?? null,
    payment_journal: t.paymentJournal ?? null,
    source: t.source,
    source_ref: t.sourceRef ?? null,
    collection_status: 'notDisputed',
    promise_date: null,
    promise_amount: null,
    canceled: 0,
    closed_date: null,
    created_at: now,
    version: 1,
  };
}

/**
 * Appends ledger entries, recording each in the change log and the audit trail. Entries that
 * would take their customer's open items past the ceiling are refused (422, server/ledger/ceiling.ts)
 * unless `ceiling` says why not to look: `checked` (the caller named each refused item itself) or
 * `settledAtOnce` (an entry the caller settles in the same command, which closes as much as it
 * opens: a write-off entry, an NSF reversal).
 */
export async function appendTransactions(
  tx: Tx,
  entries: NewTransaction[],
  options: { ceiling?: 'check' | 'checked' | 'settledAtOnce' } = {},
): Promise<TransactionRow[]> {
  const book = entries.some((e) => e.amountAccounting === undefined) ? await rateBook(tx) : undefined;
  const converted = entries.map((e) => ({
    ...e,
    amountAccounting: e.amountAccounting ?? book!.toAccounting(e.amount, e.currency, e.transDate, 'transDate'),
  }));
  if ((options.ceiling ?? 'check') === 'check') await requireLedgerRoom(tx, converted);
  const rows = converted.map((e) => newTransactionRow(e, tx.now));
  await insertTransactions(tx.db, rows);
  for (const row of rows)
    tx.changed(TRANSACTION, row.id, 'create', 1, {
      action: 'transaction.create',
      after: transactionRowToTransaction(row),
    });
  return rows;
}

/**
 * The fields the feed sent, compared with a stored entry to recognise a harmless re-send. The AC
 * amount counts only when the feed sent one: a re-send converted today may meet a rate corrected
 * since, and the stored entry is never revalued (collections.md §2.3).
 */
function sameEntry(row: TransactionRow, t: TransactionInput, currency: string): boolean {
  return (
    row.customer_id === t.customerId &&
    row.type === t.type &&
    toBigInt(row.amount) === t.amount &&
    row.currency === currency &&
    (t.amountAccounting === undefined || toBigInt(row.amount_accounting) === t.amountAccounting) &&
    row.trans_date === t.transDate &&
    row.due_date === (t.dueDate ?? null) &&
    row.document_date === (t.documentDate ?? null) &&
    toBigInt(row.tax_amount) === (t.taxAmount ?? 0n) &&
    row.bank_account_id === (t.bankAccountId ?? null) &&
    row.payment_journal === (t.paymentJournal ?? null)
  );
}

/**
 * The ERP feed of ledger entries. All or nothing. An entry that already exists with the same
 * values is accepted unchanged (re-sends are harmless); with different values it is refused:
 * the ledger is never edited, corrections are new entries.
 *
 * Each entry is kept in its currency (TC, the customer's when the feed sends none) and in the
 * accounting currency (AC): `amountAccounting` as the ERP booked it, or else `amount` converted
 * at the rate on `transDate` (none dated on or before it: the item is refused naming the
 * currency and date). An AC entry's two amounts are equal; a sent AC amount has the entry's sign.
 */
export async function postTransactionBatch(
  tx: Tx,
  rawItems: unknown[],
): Promise<{ results: BatchItemResult[]; created: number }> {
  const parsed = rawItems.map((raw) => TransactionInput.safeParse(raw));
  const ok = parsed.flatMap((p) => (p.success ? [p.data] : []));
  const customers = await findCustomersByIds(tx.db, [...new Set(ok.map((t) => t.customerId))]);
  const book = await rateBook(tx);
  const existing = await findTransactionsByIds(
    tx.db,
    ok.map((t) => t.id),
  );
  const seen = new Set<string>();
  const fresh: NewTransaction[] = [];
  const results = parsed.map((p, index): BatchItemResult => {
    if (!p.success) {
      const id = (rawItems[index] as { id?: unknown } | null)?.id;
      return { index, ...(typeof id === 'string' ? { id } : {}), status: 'error', errors: zodDetails(p.error) };
    }
    const t = p.data;
    const fail = (path: string, message: string) => ({
      index,
      id: t.id,
      status: 'error' as const,
      errors: [{ path, message }],
    });
    const customer = customers.get(t.customerId);
    if (!customer) return fail('customerId', `customer ${t.customerId} does not exist`);
    if (seen.has(t.id)) return fail('id', `transaction ${t.id} appears more than once in this batch`);
    seen.add(t.id);
    const currency = t.currency ?? customer.currency;
    const stored = existing.get(t.id);
    if (stored) {
      if (sameEntry(stored, t, currency)) return { index, id: t.id, status: 'ok', errors: [], unchanged: true };
      return fail(
        'id',
        `transaction ${t.id} already exists with other values; ledger entries are never edited, post a correcting entry instead`,
      );
    }
    let amountAccounting = t.amountAccounting;
    if (amountAccounting === undefined) {
      const rate = book.rate(currency, t.transDate);
      if (rate === undefined) return fail('transDate', missingRateMessage(currency, t.transDate));
      amountAccounting = currency === book.accountingCurrency ? t.amount : toAccounting(t.amount, rate);
    } else if (currency === book.accountingCurrency && amountAccounting !== t.amount) {
      return fail(
        'amountAccounting',
        `must equal amount (${formatMoney(t.amount)}): ${currency} is the accounting currency`,
      );
    } else if (amountAccounting > 0n !== t.amount > 0n || amountAccounting === 0n) {
      return fail('amountAccounting', `must have the sign of amount (${formatMoney(t.amount)})`);
    }
    fresh.push({ ...t, currency, amountAccounting, source: 'feed' });
    return { index, id: t.id, status: 'ok', errors: [] };
  });
  // Only a batch whose items are otherwise valid is measured against the ceiling: its new items in order.
  if (!results.some((r) => r.status === 'error')) {
    const indexOf = results.filter((r) => r.status === 'ok' && !r.unchanged).map((r) => r.index);
    for (const { index, error } of await ledgerCeilingErrors(tx, fresh))
      results[indexOf[index]!] = { index: indexOf[index]!, id: fresh[index]!.id, status: 'error', errors: [error] };
  }
  if (results.some((r) => r.status === 'error')) {
    throw new ApiError(
      'rule_violation',
      'some items are invalid; nothing was saved',
      results.flatMap((r) => r.errors.map((e) => ({ path: `items.${r.index}.${e.path}`, message: e.message }))),
      { items: results },
    );
  }
  await appendTransactions(tx, fresh, { ceiling: 'checked' });
  return { results, created: fresh.length };
}

export interface SettlementInput {
  debitId: string;
  creditId: string;
  amount: bigint;
  date: string;
}

/**
 * Settles `amount` of a debit (invoice, fee, interest) against a credit (payment, credit note).
 * Settlements are append-only rows; the open amounts are their running projection.
 */
export async function settle(tx: Tx, input: SettlementInput) {
  return (await settleAll(tx, [input]))[0]!;
}

/**
 * A settlement recorded through the API (POST /settlements): as {@link settle}, and never dated
 * before either transaction was posted (its `transDate`): interest portions and the historical
 * aging count from settlement dates, and a payment cannot settle an invoice on a day neither
 * existed (issue 18). The commands that settle as part of their work (write-off, NSF, waive) date
 * their settlements from inputs they have already checked against the same dates.
 */
export async function recordSettlement(tx: Tx, input: SettlementInput) {
  const rows = await findTransactionsByIds(tx.db, [input.debitId, input.creditId], lockRows(tx));
  for (const [id, path] of [
    [input.debitId, 'debitId'],
    [input.creditId, 'creditId'],
  ] as const) {
    const row = rows.get(id);
    if (row && input.date < row.trans_date)
      throw ruleViolation(`a settlement cannot be dated before transaction ${id} was posted (${row.trans_date})`, [
        {
          path: 'date',
          message: `must be ${row.trans_date} or later (the ${path === 'debitId' ? 'debit' : 'credit'}'s posting date)`,
        },
      ]);
  }
  return settle(tx, input);
}

/**
 * Settlements in order, each exactly as if settled alone one after the other (a write-off closes
 * 20,000 invoices against one entry): every row involved is read and locked once, each settlement
 * is checked and applied to the rows in memory, and then the settlement rows and each row's final
 * open amount are written in bulk. Every step keeps its own version, change-log entry and audit
 * row, as one settlement at a time would. The first settlement that fails its checks refuses the
 * whole command (the unit of work rolls back).
 *
 * Currencies (issue 20; collections.md §1.2, §2.3):
 * - `amount` is in the debit's currency. A credit in another currency moves the same value at
 *   the rates on the settlement date: `creditAmount = round(amount × rate(debit) ÷ rate(credit))`,
 *   rounded half-up once (a missing rate is a 422 naming the currency and date). Settling the
 *   most the credit can cover closes the credit exactly (the rounding never leaves a cent open).
 * - Each side's open AC amount moves by its share of what it had open, rounded half-up once
 *   (`accountingShare` in shared/currency.ts); a side closed in TC is closed in AC, so no AC
 *   residue is ever left on an entry.
 * - Entries keep the AC they were booked at, so the two sides' AC movements differ when the rates
 *   did: `exchangeDifference = creditAmountAccounting − debitAmountAccounting` (positive: a realised
 *   exchange gain, negative: a loss) is stored on the settlement and answered with it. It leaves
 *   the customer's balance (both sides move by their own AC) and belongs in the general ledger's
 *   realised gain/loss account, which the ERP posts; CreditDesk reports it and keeps nothing open.
 */
export async function settleAll(tx: Tx, inputs: readonly SettlementInput[]) {
  // Locked before their open amounts are read: concurrent settlements of the same entry queue up
  // instead of both settling the same open amount.
  const rows = await findTransactionsByIds(
    tx.db,
    inputs.flatMap((i) => [i.debitId, i.creditId]),
    lockRows(tx),
  );
  const ids = await reserveSettlementIds(tx, inputs.length);
  let book: RateBook | undefined;
  const written: Parameters<typeof insertSettlements>[1][number][] = [];
  const out = [];
  for (const [n, input] of inputs.entries()) {
    const debit = rows.get(input.debitId);
    if (!debit) throw notFound('transaction', input.debitId);
    const credit = rows.get(input.creditId);
    if (!credit) throw notFound('transaction', input.creditId);
    if (debit.currency !== credit.currency) book ??= await rateBook(tx);
    const m = settlementMovement(debit, credit, input.amount, input.date, book);
    const id = String(ids[n]!);
    written.push({
      id: ids[n]!,
      debitId: debit.id,
      creditId: credit.id,
      amount: input.amount,
      ...m,
      date: input.date,
      reversesId: null,
      createdAt: tx.now,
      createdBy: tx.actor.userId,
    });
    const newDebit = movedOpenAmount(debit, -input.amount, -m.debitAmountAccounting, input.date);
    const newCredit = movedOpenAmount(credit, m.creditAmount, m.creditAmountAccounting, input.date);
    rows.set(debit.id, newDebit);
    rows.set(credit.id, newCredit);
    const settlement = {
      id,
      debitId: debit.id,
      creditId: credit.id,
      amount: formatMoney(input.amount),
      creditAmount: formatMoney(m.creditAmount),
      exchangeDifference: formatMoney(m.creditAmountAccounting - m.debitAmountAccounting),
      date: input.date,
      debit: transactionRowToTransaction(newDebit),
      credit: transactionRowToTransaction(newCredit),
    };
    tx.changed(TRANSACTION, debit.id, 'update', newDebit.version, {
      action: 'transaction.settle',
      before: transactionRowToTransaction(debit),
      after: settlement.debit,
    });
    tx.changed(TRANSACTION, credit.id, 'update', newCredit.version, {
      action: 'transaction.settle',
      before: transactionRowToTransaction(credit),
      after: settlement.credit,
    });
    tx.changed(SETTLEMENT, id, 'create', 1, {
      action: 'settlement.create',
      after: {
        id,
        debitId: debit.id,
        creditId: credit.id,
        amount: settlement.amount,
        creditAmount: settlement.creditAmount,
        exchangeDifference: settlement.exchangeDifference,
        date: input.date,
      },
    });
    out.push(settlement);
    await tx.pace.step();
  }
  await insertSettlements(tx, written);
  await saveOpenAmounts(
    tx,
    [...new Set(inputs.flatMap((i) => [i.debitId, i.creditId]))].map((id) => rows.get(id)!),
  );
  return out;
}

/**
 * The checks of one settlement of `amount` (debit currency) between two rows as they stand (422
 * when refused), and what it moves: the credit's TC amount and each side's AC (see {@link settleAll}).
 */
function settlementMovement(
  debit: TransactionRow,
  credit: TransactionRow,
  amount: bigint,
  date: string,
  book: RateBook | undefined,
): { creditAmount: bigint; debitAmountAccounting: bigint; creditAmountAccounting: bigint } {
  const debitOpen = toBigInt(debit.open_amount);
  const creditOpen = toBigInt(credit.open_amount);
  if (debit.customer_id !== credit.customer_id)
    throw ruleViolation('a settlement needs a debit and a credit of the same customer', [
      { path: 'creditId', message: `belongs to customer ${credit.customer_id}, the debit to ${debit.customer_id}` },
    ]);
  if (debit.canceled || credit.canceled) throw ruleViolation('a canceled transaction cannot be settled');
  if (debitOpen <= 0n)
    throw ruleViolation(`transaction ${debit.id} has no open debit amount`, [
      { path: 'debitId', message: `open amount is ${formatMoney(debitOpen)}` },
    ]);
  if (creditOpen >= 0n)
    throw ruleViolation(`transaction ${credit.id} has no open credit amount`, [
      { path: 'creditId', message: `open amount is ${formatMoney(creditOpen)}` },
    ]);
  const cross = debit.currency !== credit.currency;
  const debitRate = cross ? book!.require(debit.currency, date, 'date') : 0n;
  const creditRate = cross ? book!.require(credit.currency, date, 'date') : 0n;
  // The most the credit covers, in the debit's currency.
  const creditCovers = cross ? convertCurrency(-creditOpen, creditRate, debitRate) : -creditOpen;
  const most = minMoney(debitOpen, creditCovers);
  if (amount > most)
    throw ruleViolation(`at most ${formatMoney(most)} ${debit.currency} can be settled between these transactions`, [
      {
        path: 'amount',
        message: `exceeds the open amounts (${formatMoney(most)}${cross ? ` ${debit.currency} at the rates on ${date}` : ''})`,
      },
    ]);
  const creditAmount = !cross
    ? amount
    : amount === creditCovers
      ? -creditOpen
      : minMoney(convertCurrency(amount, debitRate, creditRate), -creditOpen);
  return {
    creditAmount,
    debitAmountAccounting: accountingShare(debitOpen, toBigInt(debit.open_amount_accounting), amount),
    creditAmountAccounting: -accountingShare(creditOpen, toBigInt(credit.open_amount_accounting), -creditAmount),
  };
}

/**
 * Undoes a settlement with a new settlement row (`reverses_id` = the original, same debit, credit
 * and amount): both open amounts move back. Nothing is edited or deleted; a settlement is reversed
 * at most once, and a reversal is never itself reversed.
 */
export async function reverseSettlement(tx: Tx, settlementId: string, date: string) {
  return (await reverseSettlements(tx, [settlementId], date))[0]!;
}

/** Reverses settlements in order, each as {@link reverseSettlement} would alone, written in bulk (see {@link settleAll}). */
export async function reverseSettlements(tx: Tx, settlementIds: readonly string[], date: string) {
  const originals = new Map<string, SettlementRow>();
  const reversedBy = new Map<string, string>();
  for (let i = 0; i < settlementIds.length; i += 500) {
    const part = settlementIds
      .slice(i, i + 500)
      .map(Number)
      .filter(Number.isSafeInteger);
    if (part.length === 0) continue;
    for (const r of await tx.db.selectFrom('settlements').selectAll().where('id', 'in', part).execute())
      originals.set(String(r.id), r);
    for (const r of await tx.db
      .selectFrom('settlements')
      .select(['id', 'reverses_id'])
      .where('reverses_id', 'in', part)
      .execute())
      reversedBy.set(String(r.reverses_id), String(r.id));
  }
  const rows = await findTransactionsByIds(
    tx.db,
    [...originals.values()].flatMap((o) => [o.debit_id, o.credit_id]),
    lockRows(tx),
  );
  const ids = await reserveSettlementIds(tx, settlementIds.length);
  const written: Parameters<typeof insertSettlements>[1][number][] = [];
  const out = [];
  for (const [n, settlementId] of settlementIds.entries()) {
    const original = originals.get(settlementId);
    if (!original) throw notFound('settlement', settlementId);
    if (original.reverses_id !== null) throw ruleViolation(`settlement ${settlementId} is itself a reversal`);
    const done = reversedBy.get(settlementId);
    if (done) throw ruleViolation(`settlement ${settlementId} is already reversed (by settlement ${done})`);
    const debit = rows.get(original.debit_id)!;
    const credit = rows.get(original.credit_id)!;
    const amount = toBigInt(original.amount);
    const creditAmount = toBigInt(original.credit_amount);
    const debitAmountAccounting = toBigInt(original.debit_amount_accounting);
    const creditAmountAccounting = toBigInt(original.credit_amount_accounting);
    const id = String(ids[n]!);
    reversedBy.set(settlementId, id);
    written.push({
      id: ids[n]!,
      debitId: original.debit_id,
      creditId: original.credit_id,
      amount,
      creditAmount,
      debitAmountAccounting,
      creditAmountAccounting,
      date,
      reversesId: Number(original.id),
      createdAt: tx.now,
      createdBy: tx.actor.userId,
    });
    const newDebit = movedOpenAmount(debit, amount, debitAmountAccounting, date);
    const newCredit = movedOpenAmount(credit, -creditAmount, -creditAmountAccounting, date);
    rows.set(debit.id, newDebit);
    rows.set(credit.id, newCredit);
    tx.changed(TRANSACTION, debit.id, 'update', newDebit.version, {
      action: 'transaction.unsettle',
      before: transactionRowToTransaction(debit),
      after: transactionRowToTransaction(newDebit),
    });
    tx.changed(TRANSACTION, credit.id, 'update', newCredit.version, {
      action: 'transaction.unsettle',
      before: transactionRowToTransaction(credit),
      after: transactionRowToTransaction(newCredit),
    });
    tx.changed(SETTLEMENT, id, 'create', 1, {
      action: 'settlement.reverse',
      after: {
        id,
        reverses: String(original.id),
        debitId: original.debit_id,
        creditId: original.credit_id,
        amount: formatMoney(amount),
        date,
      },
    });
    out.push({ id, reversesId: String(original.id), debitId: original.debit_id, creditId: original.credit_id, amount });
    await tx.pace.step();
  }
  await insertSettlements(tx, written);
  await saveOpenAmounts(
    tx,
    [...new Set([...originals.values()].flatMap((o) => [o.debit_id, o.credit_id]))].map((id) => rows.get(id)!),
  );
  return out;
}

/** The settlements of a transaction (as debit or credit) that are neither reversals nor reversed. */
export async function liveSettlementsOf(db: Kysely<Database>, transactionId: string) {
  const rows = await db
    .selectFrom('settlements as s')
    .selectAll('s')
    .where((eb) => eb.or([eb('s.debit_id', '=', transactionId), eb('s.credit_id', '=', transactionId)]))
    .where('s.reverses_id', 'is', null)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('settlements as r').select('r.id').whereRef('r.reverses_id', '=', 's.id'))),
    )
    .orderBy('s.id')
    .execute();
  return rows;
}

/** Marks a transaction canceled (NSF, collections.md §3.5): workflow state, the amounts stay as they are. */
export async function cancelTransaction(tx: Tx, id: string): Promise<TransactionRow> {
  const row = await findTransaction(tx.db, id, lockRows(tx));
  if (!row) throw notFound('transaction', id);
  const next = { ...row, canceled: 1, version: row.version + 1 };
  await tx.db.updateTable('transactions').set({ canceled: 1, version: next.version }).where('id', '=', id).execute();
  tx.changed(TRANSACTION, id, 'update', next.version, {
    action: 'transaction.cancel',
    before: transactionRowToTransaction(row),
    after: transactionRowToTransaction(next),
  });
  return next;
}

export async function requireCustomer(tx: { db: Kysely<Database> }, id: string) {
  const customer = await findCustomer(tx.db, id);
  if (!customer) throw notFound('customer', id);
  return customer;
}
