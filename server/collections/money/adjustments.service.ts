import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { toBigInt, toBigIntOrNull } from '../../db/values';
import { lockRows } from '../../customers/customers.service';
import { notFound, ruleViolation } from '../../http/errors';
import { getParameters } from '../../credit/parameters/parameters.service';
import { appendTransactions, requireCustomer, settle } from '../../ledger/ledger.service';
import { findTransaction } from '../../ledger/ledger.repository';
import { formatMoney, minMoney } from '../../../shared/money';
import {
  adjustmentRefusal,
  reverseOrderRefusal,
  waiveLimitRefusal,
  waiveWindowRefusal,
  type AdjustmentAction,
  type AdjustmentStatus,
} from '../../../shared/collections/adjustments';
import {
  ADJUSTMENT,
  FEE,
  feeRowToJson,
  feesOfNote,
  findFee,
  findNote,
  insertAdjustmentHistory,
  listPostedFees,
  insertFee,
  INTEREST_NOTE,
  linesOfNote,
  lockCustomer,
  newMoneyId,
  notesToJson,
  notesWithOpenTargets,
  postedNotesOf,
  updateFee,
  updateLine,
  updateNote,
  waivedEver,
  type FeeRow,
  type LineRow,
  type NoteRow,
} from './money.repository';
import type { FeeJson, InterestNoteJson } from './money.schema';

/**
 * Waive, reinstate and reverse (collections.md §3.1–§3.3) of a whole interest note, one of its
 * lines, or a fee, and fees entered by hand (SPEC §5 `POST /fees`).
 *
 * Decisions:
 * - The amount of a target is the open amount of the ledger entry carrying its charge: the
 *   charge less payments, earlier waives, reversals and write-offs already settled on it (§3.1).
 * - Waive: one credit note (type creditNote, source `waive`) for the sum, settled against each
 *   target. Its date follows `adjustmentInvoiceDate`: the note's (or lone fee's) date, or the
 *   action date. Nothing left to waive (all paid) is a 422. The window counts from the posting
 *   date of the note or fee to the body's `date` (default today). Whole-note waives take the
 *   targets that are not waived or reversed; naming a line or fee that is, is a 422.
 * - The waive limit counts every waive ever made for the customer in the currency (history rows),
 *   so reinstatements never give room back (E22).
 * - Reinstate: per waived target a new debit (type interest or fee, source `reinstate`) of the
 *   amount waived, settled against whatever of the waiver credit is still open; the target's
 *   charge moves to that debit, so it can be waived again.
 * - Reverse: only whole notes or lines; a fee alone is a 422. Targets that are waived stay waived
 *   (their period stays charged, §3.3), the others get a credit note (source `reverse`) for their
 *   open amounts and the status reversed, which frees their period for the next calculation.
 *   Notes are reversed newest first per customer: a note waits while a note posted after it still
 *   has something to reverse.
 * - Every action writes one immutable adjustment-history row (target interestNote, interestLine or
 *   fee), one audit row per changed note or fee, and the ledger entries' own change and audit rows.
 */

export interface AdjustmentInput {
  lineId?: string | undefined;
  feeId?: string | undefined;
  date?: string | undefined;
}

type Kind = 'line' | 'fee';
interface Target {
  kind: Kind;
  id: string;
  chargeTxnId: string | null;
  waiveTxnId: string | null;
  waivedAmount: bigint | null;
  status: AdjustmentStatus;
}

interface Scope {
  customerId: string;
  currency: string;
  note: NoteRow | null;
  fee: FeeRow | null;
  target: 'interestNote' | 'interestLine' | 'fee';
  targetRef: string;
  /** The date the window counts from (posting date) and the note's or lone fee's date. */
  postedDate: string;
  documentDate: string;
  targets: Target[];
  /** True when one line or fee was named: its refusal is the answer, not a filter. */
  single: boolean;
}

const lineTarget = (l: LineRow): Target => ({
  kind: 'line',
  id: l.id,
  chargeTxnId: l.charge_txn_id,
  waiveTxnId: l.waive_txn_id,
  waivedAmount: toBigIntOrNull(l.waived_amount),
  status: l.adjustment_status as AdjustmentStatus,
});
const feeTarget = (f: FeeRow): Target => ({
  kind: 'fee',
  id: f.id,
  chargeTxnId: f.charge_txn_id,
  waiveTxnId: f.waive_txn_id,
  waivedAmount: toBigIntOrNull(f.waived_amount),
  status: f.adjustment_status as AdjustmentStatus,
});

async function noteScope(tx: Tx, noteId: string, input: AdjustmentInput): Promise<Scope> {
  const note = await findNote(tx.db, noteId, lockRows(tx));
  if (!note) throw notFound('interest note', noteId);
  if (note.status !== 'posted')
    throw ruleViolation(`interest note ${noteId} is ${note.status}; only a posted note can be adjusted`, [
      { path: 'status', message: note.status },
    ]);
  const lines = await linesOfNote(tx.db, noteId);
  const fees = await feesOfNote(tx.db, noteId);
  const base = {
    customerId: note.customer_id,
    currency: note.currency,
    note,
    fee: null,
    postedDate: note.posted_date!,
    documentDate: note.note_date,
  };
  if (input.lineId !== undefined) {
    const line = lines.find((l) => l.id === input.lineId);
    if (!line)
      throw ruleViolation(`line ${input.lineId} is not on interest note ${noteId}`, [
        { path: 'lineId', message: `lines: ${lines.map((l) => l.id).join(', ')}` },
      ]);
    return { ...base, target: 'interestLine', targetRef: line.id, targets: [lineTarget(line)], single: true };
  }
  if (input.feeId !== undefined) {
    const fee = fees.find((f) => f.id === input.feeId);
    if (!fee)
      throw ruleViolation(`fee ${input.feeId} is not on interest note ${noteId}`, [
        { path: 'feeId', message: fees.length ? `fees: ${fees.map((f) => f.id).join(', ')}` : 'the note has no fee' },
      ]);
    return { ...base, fee, target: 'fee', targetRef: fee.id, targets: [feeTarget(fee)], single: true };
  }
  return {
    ...base,
    target: 'interestNote',
    targetRef: noteId,
    targets: [...lines.map(lineTarget), ...fees.map(feeTarget)],
    single: false,
  };
}

async function feeScope(tx: Tx, feeId: string): Promise<Scope> {
  const fee = await findFee(tx.db, feeId, lockRows(tx));
  if (!fee) throw notFound('fee', feeId);
  if (fee.charge_txn_id === null || fee.date === null)
    throw ruleViolation(`fee ${feeId} is on a draft interest note; post the note first`);
  const note = fee.interest_note_id ? ((await findNote(tx.db, fee.interest_note_id)) ?? null) : null;
  return {
    customerId: fee.customer_id,
    currency: fee.currency,
    note,
    fee,
    target: 'fee',
    targetRef: fee.id,
    postedDate: fee.date,
    documentDate: note?.note_date ?? fee.date,
    targets: [feeTarget(fee)],
    single: true,
  };
}

const targetNoun = (s: Scope) =>
  s.target === 'interestNote'
    ? `interest note ${s.targetRef}`
    : s.target === 'interestLine'
      ? `interest line ${s.targetRef}`
      : `fee ${s.targetRef}`;

/** The targets the action applies to, or a 422 when there is none. */
function eligible(s: Scope, action: AdjustmentAction): Target[] {
  const refusals = s.targets.map((t) => ({
    t,
    why:
      adjustmentRefusal(action, t.status) ??
      (action === 'reverse' && t.status === 'waived'
        ? 'it is waived (reinstate it first; a waived period stays charged)'
        : null),
  }));
  if (s.single && refusals[0]!.why)
    throw ruleViolation(`${targetNoun(s)} cannot be ${pastTense(action)}: ${refusals[0]!.why}`, [
      { path: s.target === 'fee' ? 'feeId' : s.target === 'interestLine' ? 'lineId' : 'id', message: refusals[0]!.why },
    ]);
  const ok = refusals.filter((r) => r.why === null).map((r) => r.t);
  if (ok.length === 0) {
    const statuses = [...new Set(s.targets.map((t) => t.status))].join(', ');
    throw ruleViolation(`${targetNoun(s)} cannot be ${pastTense(action)}: nothing on it can be (${statuses})`, [
      { path: 'id', message: `every line and fee is ${statuses}` },
    ]);
  }
  return ok;
}

const pastTense = (a: AdjustmentAction) => (a === 'waive' ? 'waived' : a === 'reinstate' ? 'reinstated' : 'reversed');

/**
 * The open amount of each target's charge (locked, so a concurrent settlement waits) and the sum of their open accounting-currency amounts:
 * the credit note of a waive or a reversal is booked at exactly that AC, so it offsets what was
 * charged (no exchange difference on taking a charge back; collections.md §2.3: never revalued).
 */
async function openCharges(tx: Tx, targets: Target[]): Promise<{ amounts: bigint[]; accounting: bigint }> {
  const amounts: bigint[] = [];
  let accounting = 0n;
  for (const t of targets) {
    const row = t.chargeTxnId ? await findTransaction(tx.db, t.chargeTxnId, lockRows(tx)) : undefined;
    amounts.push(row ? toBigInt(row.open_amount) : 0n);
    if (row) accounting += toBigInt(row.open_amount_accounting);
  }
  return { amounts, accounting };
}

/** Writes the new state of the targets, bumps the note and fee versions, and records the history row. */
async function record(
  tx: Tx,
  s: Scope,
  action: AdjustmentAction,
  changes: { t: Target; set: Partial<LineRow & FeeRow> }[],
  amount: bigint,
  txnIds: string[],
  date: string,
): Promise<void> {
  for (const { t, set } of changes) {
    if (t.kind === 'line') {
      const { charge_txn_id, waive_txn_id, waived_amount, adjustment_status } = set;
      await updateLine(tx.db, t.id, { charge_txn_id, waive_txn_id, waived_amount, adjustment_status });
    } else {
      const fee = (await findFee(tx.db, t.id))!;
      const { charge_txn_id, waive_txn_id, waived_amount, adjustment_status } = set;
      await updateFee(tx.db, t.id, {
        charge_txn_id,
        waive_txn_id,
        waived_amount,
        adjustment_status,
        updated_at: tx.now,
        version: fee.version + 1,
      });
      const after = feeRowToJson({
        ...fee,
        charge_txn_id: charge_txn_id ?? fee.charge_txn_id,
        waive_txn_id: waive_txn_id ?? fee.waive_txn_id,
        waived_amount: waived_amount ?? fee.waived_amount,
        adjustment_status: adjustment_status ?? fee.adjustment_status,
        updated_at: tx.now,
        version: fee.version + 1,
      });
      tx.changed(FEE, t.id, 'update', fee.version + 1, { action: `fee.${action}`, before: feeRowToJson(fee), after });
    }
  }
  if (s.note) {
    const note = (await findNote(tx.db, s.note.id))!;
    const next = { updated_at: tx.now, version: note.version + 1 };
    await updateNote(tx.db, note.id, next);
    const [after] = await notesToJson(tx.db, [{ ...note, ...next }]);
    tx.changed(INTEREST_NOTE, note.id, 'update', next.version, {
      action: `interestNote.${action}`,
      after: { target: s.target, targetRef: s.targetRef, amount: formatMoney(amount), note: after },
    });
  }
  const id = await insertAdjustmentHistory(tx.db, {
    customer_id: s.customerId,
    interest_note_id: s.note?.id ?? null,
    target: s.target,
    target_ref: s.targetRef,
    action,
    amount,
    currency: s.currency,
    adjustment_txn_ids: JSON.stringify(txnIds),
    date,
    user_id: tx.actor.userId,
    at: tx.now,
  });
  tx.changed(ADJUSTMENT, id, 'create', 1, {
    action: `adjustment.${action}`,
    after: {
      id,
      customerId: s.customerId,
      target: s.target,
      targetRef: s.targetRef,
      action,
      amount: formatMoney(amount),
      currency: s.currency,
      adjustmentTransactionIds: txnIds,
      date,
    },
  });
}

async function waive(tx: Tx, s: Scope, input: AdjustmentInput): Promise<void> {
  const targets = eligible(s, 'waive');
  const date = input.date ?? tx.today;
  const { values: params } = await getParameters(tx);
  const window = waiveWindowRefusal(s.postedDate, date, params.minDaysToAllowWaive, params.maxDaysToAllowWaive);
  if (window) throw ruleViolation(window, [{ path: 'date', message: 'outside the waive window' }]);
  const { amounts, accounting } = await openCharges(tx, targets);
  const total = amounts.reduce((a, b) => a + b, 0n);
  if (total <= 0n) throw ruleViolation(`${targetNoun(s)} has nothing left to waive: it is paid or settled in full`);
  const limit = params.waiveLimits.find((l) => l.currency === s.currency)?.amount ?? null;
  const refusal = waiveLimitRefusal(await waivedEver(tx.db, s.customerId, s.currency), total, limit, s.currency);
  if (refusal)
    throw ruleViolation(refusal, [
      { path: 'amount', message: `exceeds the waive limit of ${formatMoney(limit!)} ${s.currency}` },
    ]);
  const creditDate = params.adjustmentInvoiceDate === 'systemDate' ? date : s.documentDate;
  const creditId = newMoneyId('WV');
  await appendTransactions(tx, [
    {
      id: creditId,
      customerId: s.customerId,
      type: 'creditNote',
      amount: -total,
      currency: s.currency,
      amountAccounting: -accounting,
      transDate: creditDate,
      dueDate: creditDate,
      source: 'waive',
      sourceRef: s.targetRef,
    },
  ]);
  for (const [i, t] of targets.entries())
    if (amounts[i]! > 0n)
      await settle(tx, { debitId: t.chargeTxnId!, creditId, amount: amounts[i]!, date: creditDate });
  await record(
    tx,
    s,
    'waive',
    targets.map((t, i) => ({
      t,
      set: { waive_txn_id: creditId, waived_amount: amounts[i]!, adjustment_status: 'waived' },
    })),
    total,
    [creditId],
    date,
  );
}

async function reinstate(tx: Tx, s: Scope, input: AdjustmentInput): Promise<void> {
  const targets = eligible(s, 'reinstate');
  const date = input.date ?? tx.today;
  const { values: params } = await getParameters(tx);
  const debitDate = params.adjustmentInvoiceDate === 'systemDate' ? date : s.documentDate;
  const base = newMoneyId('RI');
  const changes: { t: Target; set: Partial<LineRow & FeeRow> }[] = [];
  const ids: string[] = [];
  let total = 0n;
  for (const [n, t] of targets.entries()) {
    const amount = t.waivedAmount ?? 0n;
    if (amount <= 0n) {
      changes.push({ t, set: { adjustment_status: 'reinstated' } });
      continue;
    }
    const id = `${base}-${n + 1}`;
    // A new charge, booked at the rate on its own date (what remains of the waiver credit settles
    // against it; any difference between the two bookings is that settlement's exchange difference).
    await appendTransactions(tx, [
      {
        id,
        customerId: s.customerId,
        type: t.kind === 'line' ? 'interest' : 'fee',
        amount,
        currency: s.currency,
        transDate: debitDate,
        dueDate: debitDate,
        source: 'reinstate',
        sourceRef: t.id,
      },
    ]);
    // Whatever of the waiver credit is still open (the customer had paid) is used up, not left as a credit (§3.2).
    const credit = t.waiveTxnId ? await findTransaction(tx.db, t.waiveTxnId, lockRows(tx)) : undefined;
    const open = credit ? -toBigInt(credit.open_amount) : 0n;
    if (open > 0n)
      await settle(tx, { debitId: id, creditId: credit!.id, amount: minMoney(open, amount), date: debitDate });
    changes.push({ t, set: { charge_txn_id: id, adjustment_status: 'reinstated' } });
    ids.push(id);
    total += amount;
  }
  await record(tx, s, 'reinstate', changes, total, ids, date);
}

async function reverse(tx: Tx, s: Scope, input: AdjustmentInput): Promise<void> {
  if (!s.note || s.fee)
    throw ruleViolation('a fee cannot be reversed on its own; reverse the whole interest note that includes it', [
      { path: 'feeId', message: 'fees are reversed only with their note' },
    ]);
  const targets = eligible(s, 'reverse');
  const posted = await postedNotesOf(tx.db, s.customerId);
  const reversible = await notesWithOpenTargets(
    tx.db,
    posted.map((p) => p.id), // never empty: it holds this note
  );
  const order = reverseOrderRefusal(
    posted.map((p) => ({ id: p.id, postingNo: p.posting_no ?? 0, reversed: !reversible.has(p.id) })),
    s.note.id,
  );
  if (order)
    throw ruleViolation(`interest note ${s.note.id} cannot be reversed yet: ${order}`, [
      { path: 'id', message: 'a newer note is not reversed' },
    ]);
  const date = input.date ?? tx.today;
  const { amounts, accounting } = await openCharges(tx, targets);
  const total = amounts.reduce((a, b) => a + b, 0n);
  const ids: string[] = [];
  if (total > 0n) {
    const creditId = newMoneyId('RV');
    await appendTransactions(tx, [
      {
        id: creditId,
        customerId: s.customerId,
        type: 'creditNote',
        amount: -total,
        currency: s.currency,
        amountAccounting: -accounting,
        transDate: date,
        dueDate: date,
        source: 'reverse',
        sourceRef: s.targetRef,
      },
    ]);
    for (const [i, t] of targets.entries())
      if (amounts[i]! > 0n) await settle(tx, { debitId: t.chargeTxnId!, creditId, amount: amounts[i]!, date });
    ids.push(creditId);
  }
  await record(
    tx,
    s,
    'reverse',
    targets.map((t) => ({ t, set: { adjustment_status: 'reversed' } })),
    total,
    ids,
    date,
  );
}

const ACTIONS = { waive, reinstate, reverse } as const;

/** Waive, reinstate or reverse a note, one of its lines, or one of its fees; answers the note. */
export async function adjustInterestNote(
  tx: Tx,
  action: AdjustmentAction,
  noteId: string,
  input: AdjustmentInput,
): Promise<InterestNoteJson> {
  const scope = await noteScope(tx, noteId, input);
  await lockCustomer(tx, scope.customerId);
  await ACTIONS[action](tx, scope, input);
  return (await notesToJson(tx.db, [(await findNote(tx.db, noteId))!]))[0]!;
}

/** Waive or reinstate one fee (a lone fee, or a fee of a posted note); answers the fee. */
export async function adjustFee(
  tx: Tx,
  action: 'waive' | 'reinstate',
  feeId: string,
  input: { date?: string | undefined },
): Promise<FeeJson> {
  const scope = await feeScope(tx, feeId);
  await lockCustomer(tx, scope.customerId);
  await ACTIONS[action](tx, scope, input);
  return feeRowToJson((await findFee(tx.db, feeId))!);
}

/** A fee entered by hand: a fee row and its ledger entry (type fee), in the customer's currency. */
export async function createFee(
  tx: Tx,
  input: { customerId: string; amount: bigint; date: string; code: string },
): Promise<FeeJson> {
  const customer = await requireCustomer(tx, input.customerId);
  const id = newMoneyId('FEE');
  await appendTransactions(tx, [
    {
      id,
      customerId: input.customerId,
      type: 'fee',
      amount: input.amount,
      currency: customer.currency,
      transDate: input.date,
      dueDate: input.date,
      source: 'fee',
      sourceRef: input.code,
    },
  ]);
  const row: FeeRow = {
    id,
    customer_id: input.customerId,
    interest_note_id: null,
    code: input.code,
    source: 'manual',
    source_ref: null,
    amount: input.amount,
    currency: customer.currency,
    date: input.date,
    charge_txn_id: id,
    waive_txn_id: null,
    waived_amount: null,
    adjustment_status: 'none',
    created_by: tx.actor.userId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  await insertFee(tx.db, row);
  const json = feeRowToJson(row);
  tx.changed(FEE, id, 'create', 1, { action: 'fee.create', after: json });
  return json;
}

/** A fee row of the NSF operation (source nsf), with its ledger entry. */
export async function createNsfFee(
  tx: Tx,
  input: { customerId: string; currency: string; amount: bigint; date: string; paymentId: string; nsfId: string },
): Promise<FeeJson> {
  const id = newMoneyId('FEE');
  await appendTransactions(tx, [
    {
      id,
      customerId: input.customerId,
      type: 'fee',
      amount: input.amount,
      currency: input.currency,
      transDate: input.date,
      dueDate: input.date,
      source: 'nsf',
      sourceRef: input.nsfId,
    },
  ]);
  const row: FeeRow = {
    id,
    customer_id: input.customerId,
    interest_note_id: null,
    code: 'NSF',
    source: 'nsf',
    source_ref: input.paymentId,
    amount: input.amount,
    currency: input.currency,
    date: input.date,
    charge_txn_id: id,
    waive_txn_id: null,
    waived_amount: null,
    adjustment_status: 'none',
    created_by: tx.actor.userId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  await insertFee(tx.db, row);
  const json = feeRowToJson(row);
  tx.changed(FEE, id, 'create', 1, { action: 'fee.create', after: json });
  return json;
}

export async function getFee(db: Kysely<Database>, id: string): Promise<FeeJson> {
  const row = await findFee(db, id);
  if (!row) throw notFound('fee', id);
  return feeRowToJson(row);
}

/** A page of posted fees by id (`limit + 1` items, for `page()`), of one customer or all. */
export async function listFees(
  db: Kysely<Database>,
  q: { limit: number; after?: string | undefined; customerId?: string | undefined },
): Promise<FeeJson[]> {
  return (await listPostedFees(db, q)).map(feeRowToJson);
}
