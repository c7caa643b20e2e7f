import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { toBigInt } from '../../db/values';
import { lockRows } from '../../customers/customers.service';
import { notFound, ruleViolation, type ErrorDetail } from '../../http/errors';
import { appendTransactions } from '../../ledger/ledger.service';
import { calculateInterestNote, invoicePortions, type InterestCode } from '../../../shared/collections/interest';
import { refuseIf } from '../work/work.shared';
import { loadInterestCode } from './setup.kinds';
import {
  coveredTo,
  customersWithInterestCode,
  draftNotesOf,
  FEE,
  feesOfNote,
  findNote,
  insertNote,
  INTEREST_NOTE,
  interestBearingInvoices,
  interestCodesOfCustomers,
  lastPostingNo,
  linesOfNote,
  listNotes,
  liveSettlementsOfDebits,
  lockCustomer,
  newMoneyId,
  notesToJson,
  updateFee,
  updateLine,
  updateNote,
  type FeeRow,
  type LineRow,
  type NoteRow,
} from './money.repository';
import type { InterestNoteJson } from './money.schema';

/**
 * Interest notes (collections.md §1.11, §4.5, §4.6; SPEC §5):
 * `calculate` stores draft notes, `post` turns a draft into ledger entries.
 *
 * Decisions:
 * - A customer's interest code is its `interestCodeId`; the code applies to the customer's
 *   invoices in the code's currency that have a due date and are not canceled. Interest is not
 *   charged on fees or interest (no interest on interest).
 * - A calculation cancels the customer's earlier drafts (with or without `fromDate`), so a
 *   customer has at most one draft: what a draft shows is what posting charges.
 * - The note date is `toDate`. Posting takes an optional `date` (default: the note date).
 * - Posting makes one ledger entry per line (type `interest`, id = the line id) and one per fee
 *   (type `fee`, id = the fee id), due on the posting date, so payments, waives and reversals of
 *   a single line are settlements against that line's entry alone.
 * - `customerIds` left out: every customer with an interest code that is set up. Listed
 *   explicitly, an unknown customer, one without a code or with a code not set up is a 422
 *   naming `customerIds.N`, nothing written.
 * - Dates (issue 18): interest is charged for days that have passed. A calculation whose `toDate`
 *   is after today (UTC) is a 422 naming `toDate`, and a posting dated after today, or before the
 *   note date (the last day it charges), a 422 naming `date`. collections.md §4.5 has the user
 *   choose `toDate` and the note date without a rule; charging days to come would bill interest
 *   on amounts the customer may still pay on time, and a note posted before its last charged day
 *   would be due before the interest accrued.
 */

type Db = Kysely<Database>;

export interface CalculateInput {
  customerIds?: string[] | undefined;
  toDate: string;
  fromDate?: string | null | undefined;
}

async function cancelDrafts(tx: Tx, customerId: string): Promise<void> {
  for (const d of await draftNotesOf(tx.db, customerId)) {
    const next = { status: 'canceled', updated_at: tx.now, version: d.version + 1 };
    await updateNote(tx.db, d.id, next);
    tx.changed(INTEREST_NOTE, d.id, 'update', next.version, {
      action: 'interestNote.cancel',
      before: { status: d.status, version: d.version },
      after: { status: 'canceled', version: next.version },
      reason: 'recalculated',
    });
  }
}

async function draftFor(
  tx: Tx,
  customerId: string,
  code: InterestCode,
  input: CalculateInput,
): Promise<InterestNoteJson | null> {
  await cancelDrafts(tx, customerId);
  const invoices = await interestBearingInvoices(tx.db, customerId, code.currency, input.toDate);
  if (invoices.length === 0) return null;
  const covered = await coveredTo(tx.db, customerId);
  const settlements = await liveSettlementsOfDebits(
    tx.db,
    invoices.map((i) => i.id),
  );
  const portions = invoices.flatMap((i) =>
    invoicePortions(
      { id: i.id, amount: toBigInt(i.amount), dueDate: i.due_date!, coveredTo: covered.get(i.id) ?? null },
      settlements.get(i.id) ?? [],
    ),
  );
  const draft = calculateInterestNote(code, portions, { fromDate: input.fromDate ?? null, toDate: input.toDate });
  if (draft.lines.length === 0) return null;

  const id = newMoneyId('IN');
  const note: NoteRow = {
    id,
    customer_id: customerId,
    interest_code_id: code.id,
    currency: code.currency,
    from_date: input.fromDate ?? null,
    to_date: input.toDate,
    note_date: input.toDate,
    status: 'created',
    total_amount: draft.totalAmount,
    posting_no: null,
    posted_date: null,
    created_by: tx.actor.userId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  const lines: LineRow[] = draft.lines.map((l, n) => ({
    id: `${id}-L${n + 1}`,
    note_id: id,
    line_no: n + 1,
    transaction_id: l.transactionId,
    base_amount: l.baseAmount,
    from_date: l.fromDate,
    to_date: l.toDate,
    days: l.days,
    rate: l.rate,
    formula: l.formula,
    interest_amount: l.interestAmount,
    version_from: l.versionFrom,
    charge_txn_id: null,
    waive_txn_id: null,
    waived_amount: null,
    adjustment_status: 'none',
  }));
  const fees: FeeRow[] = draft.fees.map((amount, n) => ({
    id: `${id}-F${n + 1}`,
    customer_id: customerId,
    interest_note_id: id,
    code: 'INTEREST',
    source: 'interestNote',
    source_ref: id,
    amount,
    currency: code.currency,
    date: null,
    charge_txn_id: null,
    waive_txn_id: null,
    waived_amount: null,
    adjustment_status: 'none',
    created_by: tx.actor.userId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  }));
  await insertNote(tx.db, note, lines, fees);
  const [json] = await notesToJson(tx.db, [note]);
  tx.changed(INTEREST_NOTE, id, 'create', 1, { action: 'interestNote.calculate', after: json });
  return json!;
}

/** Calculates and stores a draft note per customer that owes interest (SPEC §5 interest-notes:calculate). */
export async function calculateInterestNotes(tx: Tx, input: CalculateInput): Promise<InterestNoteJson[]> {
  const today = tx.today;
  if (input.toDate > today)
    throw ruleViolation(
      `interest is charged only for days that have passed: toDate ${input.toDate} is after today (${today})`,
      [{ path: 'toDate', message: `must not be after today (${today})` }],
    );
  let customers: { id: string; interest_code_id: string | null }[];
  const codes = new Map<string, InterestCode>();
  if (input.customerIds) {
    const ids = input.customerIds;
    const found = await interestCodesOfCustomers(tx.db, ids);
    const errors: ErrorDetail[] = [];
    for (const [n, id] of ids.entries()) {
      const c = found.get(id);
      if (!c) errors.push({ path: `customerIds.${n}`, message: `customer ${id} does not exist` });
      else if (!c.interest_code_id)
        errors.push({ path: `customerIds.${n}`, message: `customer ${id} has no interest code` });
      else {
        const code = await loadInterestCode(tx, c.interest_code_id);
        if (code) codes.set(code.id, code);
        else
          errors.push({
            path: `customerIds.${n}`,
            message: `interest code ${c.interest_code_id} of customer ${id} is not set up`,
          });
      }
    }
    refuseIf(errors, 'interest cannot be calculated');
    customers = ids.map((id) => found.get(id)!);
  } else {
    customers = await customersWithInterestCode(tx.db);
  }
  const notes: InterestNoteJson[] = [];
  for (const c of customers) {
    const codeId = c.interest_code_id!;
    let code = codes.get(codeId);
    if (!code) {
      code = await loadInterestCode(tx, codeId);
      if (!code) continue;
      codes.set(codeId, code);
    }
    const note = await draftFor(tx, c.id, code, input);
    if (note) notes.push(note);
  }
  return notes;
}

export async function getInterestNote(db: Db, id: string): Promise<InterestNoteJson> {
  const note = await findNote(db, id);
  if (!note) throw notFound('interest note', id);
  return (await notesToJson(db, [note]))[0]!;
}

export async function listInterestNotes(
  db: Db,
  q: { customerId?: string; status?: string; since?: number; limit: number; after?: string },
): Promise<InterestNoteJson[]> {
  return notesToJson(db, await listNotes(db, q));
}

/**
 * Posts a draft note: one interest entry per line and one fee entry per fee, dated `date`
 * (default the note date), and the note's place in the customer's posting order.
 */
export async function postInterestNote(
  tx: Tx,
  id: string,
  input: { date?: string | undefined },
): Promise<InterestNoteJson> {
  const note = await findNote(tx.db, id, lockRows(tx));
  if (!note) throw notFound('interest note', id);
  if (note.status !== 'created')
    throw ruleViolation(`interest note ${id} is ${note.status}; only a draft (created) note can be posted`, [
      { path: 'status', message: note.status },
    ]);
  const date = input.date ?? note.note_date;
  const today = tx.today;
  if (date > today)
    throw ruleViolation(`an interest note is posted on a day that has come: ${date} is after today (${today})`, [
      { path: 'date', message: `must not be after today (${today})` },
    ]);
  if (date < note.note_date)
    throw ruleViolation(
      `interest note ${id} charges up to ${note.note_date}; it cannot be posted before that, on ${date}`,
      [{ path: 'date', message: `must be on or after the note date ${note.note_date}` }],
    );
  // The customer's posting order is read and extended under its row lock.
  await lockCustomer(tx, note.customer_id);
  const lines = await linesOfNote(tx.db, id);
  const fees = await feesOfNote(tx.db, id);
  const postingNo = (await lastPostingNo(tx.db, note.customer_id)) + 1;
  const common = {
    customerId: note.customer_id,
    currency: note.currency,
    transDate: date,
    dueDate: date,
    documentDate: note.note_date,
    source: 'interestNote',
    sourceRef: id,
  };
  await appendTransactions(tx, [
    ...lines.map((l) => ({ ...common, id: l.id, type: 'interest', amount: toBigInt(l.interest_amount) })),
    ...fees.map((f) => ({ ...common, id: f.id, type: 'fee', amount: toBigInt(f.amount) })),
  ]);
  for (const l of lines) await updateLine(tx.db, l.id, { charge_txn_id: l.id });
  for (const f of fees) {
    await updateFee(tx.db, f.id, { charge_txn_id: f.id, date, updated_at: tx.now, version: f.version + 1 });
    tx.changed(FEE, f.id, 'update', f.version + 1, {
      action: 'fee.post',
      after: { id: f.id, transactionId: f.id, date },
    });
  }
  const next = {
    status: 'posted',
    posted_date: date,
    posting_no: postingNo,
    updated_at: tx.now,
    version: note.version + 1,
  };
  await updateNote(tx.db, id, next);
  const json = (await notesToJson(tx.db, [{ ...note, ...next }]))[0]!;
  tx.changed(INTEREST_NOTE, id, 'update', next.version, {
    action: 'interestNote.post',
    before: { status: note.status, version: note.version },
    after: json,
  });
  return json;
}
