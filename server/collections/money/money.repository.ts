import { randomBytes } from 'node:crypto';
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type {
  AdjustmentHistoryTable,
  Database,
  FeesTable,
  InterestNoteLinesTable,
  InterestNotesTable,
} from '../../db/schema';
import { groupBy, toBigInt, toBigIntOrNull } from '../../db/values';
import { lockRows } from '../../customers/customers.repository';
import type { Reader } from '../../db/prepared-sql';
import type { AdjustmentHistoryJson, FeeJson, InterestNoteJson } from './money.schema';
import { formatMoney } from '../../../shared/money';
import { noteAdjustmentStatus, type AdjustmentStatus } from '../../../shared/collections/adjustments';

/**
 * The SQL of interest notes, fees, waives / reinstatements / reversals and NSF records, their rows
 * as the API shows them, and the read helpers the customer's Collections page uses
 * (`interestNotesOfCustomer`, `feesOfCustomer`, `adjustmentHistoryOfCustomer`). Write-offs have
 * their own file (write-offs.repository.ts).
 */

type Db = Kysely<Database>;
export type NoteRow = Selectable<InterestNotesTable>;
export type LineRow = Selectable<InterestNoteLinesTable>;
export type FeeRow = Selectable<FeesTable>;
type HistoryRow = Selectable<AdjustmentHistoryTable>;

export const INTEREST_NOTE = 'interestNote';
export const FEE = 'fee';
export const ADJUSTMENT = 'adjustment';
export const WRITE_OFF = 'writeOff';
export const NSF = 'nsf';

/** A server id: the prefix says what it is, 40 random bits make it unique enough for one company. */
export const newMoneyId = (prefix: 'IN' | 'FEE' | 'WV' | 'RI' | 'RV' | 'WO' | 'NSF') =>
  `${prefix}-${randomBytes(5).toString('hex')}`;

const money = (v: Parameters<typeof toBigInt>[0]) => formatMoney(toBigInt(v));
const moneyOrNull = (v: Parameters<typeof toBigIntOrNull>[0]) => {
  const m = toBigIntOrNull(v);
  return m === null ? null : formatMoney(m);
};

export function feeRowToJson(r: FeeRow): FeeJson {
  return {
    id: r.id,
    customerId: r.customer_id,
    interestNoteId: r.interest_note_id,
    code: r.code,
    source: r.source as FeeJson['source'],
    sourceRef: r.source_ref,
    amount: money(r.amount),
    currency: r.currency,
    date: r.date,
    transactionId: r.charge_txn_id,
    adjustmentStatus: r.adjustment_status as AdjustmentStatus,
    waivedAmount: moneyOrNull(r.waived_amount),
    createdAt: r.created_at,
    version: r.version,
  };
}

function noteToJson(n: NoteRow, lines: LineRow[], fees: FeeRow[]): InterestNoteJson {
  return {
    id: n.id,
    customerId: n.customer_id,
    interestCodeId: n.interest_code_id,
    currency: n.currency,
    fromDate: n.from_date,
    toDate: n.to_date,
    noteDate: n.note_date,
    status: n.status as InterestNoteJson['status'],
    adjustmentStatus: noteAdjustmentStatus([...lines, ...fees].map((x) => x.adjustment_status as AdjustmentStatus)),
    postedDate: n.posted_date,
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      transactionId: l.transaction_id,
      baseAmount: money(l.base_amount),
      fromDate: l.from_date,
      toDate: l.to_date,
      days: l.days,
      rate: l.rate,
      formula: l.formula,
      interestAmount: money(l.interest_amount),
      chargeTransactionId: l.charge_txn_id,
      adjustmentStatus: l.adjustment_status as AdjustmentStatus,
      waivedAmount: moneyOrNull(l.waived_amount),
    })),
    fees: fees.map(feeRowToJson),
    totalAmount: money(n.total_amount),
    createdAt: n.created_at,
    updatedAt: n.updated_at,
    version: n.version,
  };
}

function historyRowToJson(r: HistoryRow): AdjustmentHistoryJson {
  return {
    id: String(r.id),
    customerId: r.customer_id,
    interestNoteId: r.interest_note_id,
    target: r.target as AdjustmentHistoryJson['target'],
    targetRef: r.target_ref,
    action: r.action as AdjustmentHistoryJson['action'],
    amount: money(r.amount),
    currency: r.currency,
    adjustmentTransactionIds: JSON.parse(r.adjustment_txn_ids) as string[],
    date: r.date,
    userId: r.user_id,
    at: r.at,
  };
}

/** The API answer for note rows (lines and fees fetched per page, in chunks). */
export async function notesToJson(db: Db, notes: NoteRow[]): Promise<InterestNoteJson[]> {
  const ids = notes.map((n) => n.id);
  const lines = new Map<string, LineRow[]>(ids.map((id) => [id, []]));
  const fees = new Map<string, FeeRow[]>(ids.map((id) => [id, []]));
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const l of await db
      .selectFrom('interest_note_lines')
      .selectAll()
      .where('note_id', 'in', chunk)
      .orderBy('note_id')
      .orderBy('line_no')
      .execute())
      lines.get(l.note_id)!.push(l);
    for (const f of await db
      .selectFrom('fees')
      .selectAll()
      .where('interest_note_id', 'in', chunk)
      .orderBy('id')
      .execute())
      fees.get(f.interest_note_id!)!.push(f);
  }
  return notes.map((n) => noteToJson(n, lines.get(n.id)!, fees.get(n.id)!));
}

/** A customer's interest notes (drafts, posted and canceled), oldest first. */
export async function interestNotesOfCustomer(db: Db, customerId: string): Promise<InterestNoteJson[]> {
  const notes = await db
    .selectFrom('interest_notes')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return notesToJson(db, notes);
}

/** A customer's posted fees (by hand, on posted interest notes, NSF), oldest first. */
export async function feesOfCustomer(db: Db, customerId: string): Promise<FeeJson[]> {
  const rows = await db
    .selectFrom('fees')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('charge_txn_id', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(feeRowToJson);
}

/** A customer's waives, reinstatements and reversals, oldest first. */
export async function adjustmentHistoryOfCustomer(db: Db, customerId: string): Promise<AdjustmentHistoryJson[]> {
  const rows = await db
    .selectFrom('adjustment_history')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .execute();
  return rows.map(historyRowToJson);
}

/** `lock` (PostgreSQL only) takes the row lock. */
export async function findFee(db: Db, id: string, lock = false): Promise<FeeRow | undefined> {
  const q = db.selectFrom('fees').selectAll().where('id', '=', id);
  return (await (lock ? q.forUpdate() : q).executeTakeFirst()) as FeeRow | undefined;
}

/** A page of posted fees by id (`limit + 1` rows, for `page()`), of one customer or all. */
export async function listPostedFees(
  db: Db,
  q: { limit: number; after?: string | undefined; customerId?: string | undefined },
): Promise<FeeRow[]> {
  let query = db
    .selectFrom('fees')
    .selectAll()
    .where('charge_txn_id', 'is not', null)
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  return (await query.execute()) as FeeRow[];
}

// Interest notes

export async function findNote(db: Db, id: string, lock = false): Promise<NoteRow | undefined> {
  const q = db.selectFrom('interest_notes').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** A page of interest notes by id (`limit + 1` rows, for `page()`); `since` keeps the notes changed after that change-log sequence. */
export async function listNotes(
  db: Db,
  q: { customerId?: string; status?: string; since?: number; limit: number; after?: string },
): Promise<NoteRow[]> {
  let query = db
    .selectFrom('interest_notes')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', INTEREST_NOTE).where('seq', '>', since),
    );
  }
  return query.execute();
}

/** A customer's draft (created) notes. */
export function draftNotesOf(db: Db, customerId: string): Promise<NoteRow[]> {
  return db
    .selectFrom('interest_notes')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('status', '=', 'created')
    .execute();
}

/** A customer's posted notes with their place in the posting order. */
export function postedNotesOf(db: Db, customerId: string): Promise<{ id: string; posting_no: number | null }[]> {
  return db
    .selectFrom('interest_notes')
    .select(['id', 'posting_no'])
    .where('customer_id', '=', customerId)
    .where('status', '=', 'posted')
    .execute();
}

/** The highest posting number of the customer's notes (0 when none is posted). */
export async function lastPostingNo(db: Db, customerId: string): Promise<number> {
  const last = await db
    .selectFrom('interest_notes')
    .select((eb) => eb.fn.max('posting_no').as('n'))
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(last?.n ?? 0);
}

export async function updateNote(db: Db, id: string, set: Updateable<InterestNotesTable>): Promise<void> {
  await db.updateTable('interest_notes').set(set).where('id', '=', id).execute();
}

/** A draft note with its lines (200 a statement) and fees. */
export async function insertNote(db: Db, note: NoteRow, lines: LineRow[], fees: FeeRow[]): Promise<void> {
  await db.insertInto('interest_notes').values(note).execute();
  for (let i = 0; i < lines.length; i += 200)
    await db
      .insertInto('interest_note_lines')
      .values(lines.slice(i, i + 200))
      .execute();
  if (fees.length) await db.insertInto('fees').values(fees).execute();
}

export function linesOfNote(db: Db, noteId: string): Promise<LineRow[]> {
  return db.selectFrom('interest_note_lines').selectAll().where('note_id', '=', noteId).orderBy('line_no').execute();
}

export function feesOfNote(db: Db, noteId: string): Promise<FeeRow[]> {
  return db.selectFrom('fees').selectAll().where('interest_note_id', '=', noteId).orderBy('id').execute();
}

export async function updateLine(db: Db, id: string, set: Updateable<InterestNoteLinesTable>): Promise<void> {
  await db.updateTable('interest_note_lines').set(set).where('id', '=', id).execute();
}

/** Of the given notes, those with a line or fee that is not waived or reversed (something left to reverse). */
export async function notesWithOpenTargets(db: Db, noteIds: string[]): Promise<Set<string>> {
  const lines = await db
    .selectFrom('interest_note_lines')
    .select('note_id')
    .where('note_id', 'in', noteIds)
    .where('adjustment_status', 'in', ['none', 'reinstated'])
    .execute();
  const fees = await db
    .selectFrom('fees')
    .select('interest_note_id')
    .where('interest_note_id', 'in', noteIds)
    .where('adjustment_status', 'in', ['none', 'reinstated'])
    .execute();
  return new Set([...lines.map((r) => r.note_id), ...fees.map((r) => r.interest_note_id!)]);
}

// What an interest calculation reads

/** The interest codes of the given customers, by id (unknown ids are absent). */
export async function interestCodesOfCustomers(
  db: Db,
  ids: string[],
): Promise<Map<string, { id: string; interest_code_id: string | null }>> {
  const rows = ids.length
    ? await db.selectFrom('customers').select(['id', 'interest_code_id']).where('id', 'in', ids).execute()
    : [];
  return new Map(rows.map((c) => [c.id, c]));
}

/** Every customer with an interest code, by id. */
export function customersWithInterestCode(db: Db): Promise<{ id: string; interest_code_id: string | null }[]> {
  return db
    .selectFrom('customers')
    .select(['id', 'interest_code_id'])
    .where('interest_code_id', 'is not', null)
    .orderBy('id')
    .execute();
}

/**
 * PostgreSQL: takes the customer's row lock, so two adjustments of one customer run one after the
 * other (the cumulative waive limit and the newest-first order read what the other one wrote).
 * SQLite runs one writer at a time anyway.
 */
export async function lockCustomer(tx: Reader, customerId: string): Promise<void> {
  if (lockRows(tx))
    await tx.db.selectFrom('customers').select('id').where('id', '=', customerId).forUpdate().executeTakeFirst();
}

/** The customer's invoices in `currency` with a due date before `before`, not canceled, by due date. */
export function interestBearingInvoices(db: Db, customerId: string, currency: string, before: string) {
  return db
    .selectFrom('transactions')
    .select(['id', 'amount', 'due_date'])
    .where('customer_id', '=', customerId)
    .where('type', '=', 'invoice')
    .where('currency', '=', currency)
    .where('canceled', '=', 0)
    .where('due_date', 'is not', null)
    .where('due_date', '<', before)
    .orderBy('due_date')
    .orderBy('id')
    .execute();
}

/** The last day each invoice of the customer is already charged by a posted, not reversed line. */
export async function coveredTo(db: Db, customerId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('interest_note_lines as l')
    .innerJoin('interest_notes as n', 'n.id', 'l.note_id')
    .select(['l.transaction_id', (eb) => eb.fn.max('l.to_date').as('to')])
    .where('n.customer_id', '=', customerId)
    .where('n.status', '=', 'posted')
    .where('l.adjustment_status', '<>', 'reversed')
    .groupBy('l.transaction_id')
    .execute();
  return new Map(rows.map((r) => [r.transaction_id, String(r.to)]));
}

/** Settlements of the given debits that are neither reversals nor reversed (collections.md §4.5 portions). */
export async function liveSettlementsOfDebits(
  db: Db,
  ids: string[],
): Promise<Map<string, { amount: bigint; date: string }[]>> {
  const out = new Map<string, { amount: bigint; date: string }[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('settlements as s')
      .select(['s.debit_id', 's.amount', 's.settle_date'])
      .where('s.debit_id', 'in', ids.slice(i, i + 500))
      .where('s.reverses_id', 'is', null)
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom('settlements as r').select('r.id').whereRef('r.reverses_id', '=', 's.id'))),
      )
      .execute();
    groupBy(
      rows,
      (r) => r.debit_id,
      (r) => ({ amount: toBigInt(r.amount), date: r.settle_date }),
      out,
    );
  }
  return out;
}

// Fees, adjustment history, NSF records

export async function insertFee(db: Db, row: FeeRow): Promise<void> {
  await db.insertInto('fees').values(row).execute();
}

export async function updateFee(db: Db, id: string, set: Updateable<FeesTable>): Promise<void> {
  await db.updateTable('fees').set(set).where('id', '=', id).execute();
}

/** The sum of every waive ever made for the customer in the currency (reinstatements give no room back, E22). */
export async function waivedEver(db: Db, customerId: string, currency: string): Promise<bigint> {
  const ever = await db
    .selectFrom('adjustment_history')
    .select((eb) => eb.fn.sum<string | number>('amount').as('sum'))
    .where('customer_id', '=', customerId)
    .where('currency', '=', currency)
    .where('action', '=', 'waive')
    .executeTakeFirst();
  return BigInt(ever?.sum ?? 0);
}

/** Appends an adjustment-history row; answers its id. */
export async function insertAdjustmentHistory(db: Db, row: Insertable<AdjustmentHistoryTable>): Promise<string> {
  const inserted = await db.insertInto('adjustment_history').values(row).returning('id').executeTakeFirstOrThrow();
  return String(inserted.id);
}

export async function insertNsfRecord(db: Db, row: Insertable<Database['nsf_records']>): Promise<void> {
  await db.insertInto('nsf_records').values(row).execute();
}
