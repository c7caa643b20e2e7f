import { randomBytes } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import type { AdjustmentHistoryTable, Database, FeesTable, InterestNoteLinesTable, InterestNotesTable } from '../../db/schema';
import { toBigInt, toBigIntOrNull } from '../../db/values';
import { DateOut, MoneyOut, Timestamp } from '../../http/schemas';
import { formatMoney } from '../../../shared/money';
import { noteAdjustmentStatus, type AdjustmentStatus } from '../../../shared/collections/adjustments';

/**
 * Rows of the collections money operations as the API shows them, and the read helpers the
 * customer's Collections page uses (`interestNotesOfCustomer`, `feesOfCustomer`,
 * `adjustmentHistoryOfCustomer`).
 */

type Db = Kysely<Database>;
export type NoteRow = Selectable<InterestNotesTable>;
export type LineRow = Selectable<InterestNoteLinesTable>;
export type FeeRow = Selectable<FeesTable>;
export type HistoryRow = Selectable<AdjustmentHistoryTable>;

export const INTEREST_NOTE = 'interestNote';
export const FEE = 'fee';
export const ADJUSTMENT = 'adjustment';
export const WRITE_OFF = 'writeOff';
export const NSF = 'nsf';

/** A server id: the prefix says what it is, 40 random bits make it unique enough for one company. */
export const newMoneyId = (prefix: 'IN' | 'FEE' | 'WV' | 'RI' | 'RV' | 'WO' | 'NSF') => `${prefix}-${randomBytes(5).toString('hex')}`;

const ADJUSTMENT_STATUSES = ['none', 'waived', 'reinstated', 'reversed'] as const;

export const FeeSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    interestNoteId: z.string().nullable(),
    code: z.string(),
    source: z.enum(['manual', 'interestNote', 'nsf']),
    sourceRef: z.string().nullable(),
    amount: MoneyOut,
    currency: z.string(),
    date: DateOut.nullable().openapi({ description: 'posting date (null on a draft note)' }),
    transactionId: z.string().nullable().openapi({ description: 'the ledger entry now carrying the charge (the reinstating debit after a reinstatement)' }),
    adjustmentStatus: z.enum(ADJUSTMENT_STATUSES),
    waivedAmount: MoneyOut.nullable(),
    createdAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Fee');
export type FeeJson = z.infer<typeof FeeSchema>;

export const InterestLineSchema = z
  .object({
    id: z.string(),
    lineNo: z.number().int(),
    transactionId: z.string().openapi({ description: 'the invoice charged' }),
    baseAmount: MoneyOut,
    fromDate: DateOut.openapi({ description: 'the window is (fromDate, toDate]: fromDate itself is not charged' }),
    toDate: DateOut,
    days: z.number().int(),
    rate: z.string(),
    formula: z.string(),
    interestAmount: MoneyOut,
    chargeTransactionId: z.string().nullable(),
    adjustmentStatus: z.enum(ADJUSTMENT_STATUSES),
    waivedAmount: MoneyOut.nullable(),
  })
  .openapi('InterestNoteLine');

export const InterestNoteSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    interestCodeId: z.string(),
    currency: z.string(),
    fromDate: DateOut.nullable(),
    toDate: DateOut,
    noteDate: DateOut,
    status: z.enum(['created', 'posted', 'canceled']),
    adjustmentStatus: z.enum([...ADJUSTMENT_STATUSES, 'partial']),
    postedDate: DateOut.nullable(),
    lines: z.array(InterestLineSchema),
    fees: z.array(FeeSchema),
    totalAmount: MoneyOut,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('InterestNote');
export type InterestNoteJson = z.infer<typeof InterestNoteSchema>;

export const AdjustmentHistorySchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    interestNoteId: z.string().nullable(),
    target: z.enum(['interestNote', 'interestLine', 'fee']),
    targetRef: z.string(),
    action: z.enum(['waive', 'reinstate', 'reverse']),
    amount: MoneyOut,
    currency: z.string(),
    adjustmentTransactionIds: z.array(z.string()),
    date: DateOut,
    userId: z.string().nullable(),
    at: Timestamp,
  })
  .openapi('AdjustmentHistory');
export type AdjustmentHistoryJson = z.infer<typeof AdjustmentHistorySchema>;

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

export function noteToJson(n: NoteRow, lines: LineRow[], fees: FeeRow[]): InterestNoteJson {
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

export function historyRowToJson(r: HistoryRow): AdjustmentHistoryJson {
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
    for (const l of await db.selectFrom('interest_note_lines').selectAll().where('note_id', 'in', chunk).orderBy('note_id').orderBy('line_no').execute()) lines.get(l.note_id)!.push(l);
    for (const f of await db.selectFrom('fees').selectAll().where('interest_note_id', 'in', chunk).orderBy('id').execute()) fees.get(f.interest_note_id!)!.push(f);
  }
  return notes.map((n) => noteToJson(n, lines.get(n.id)!, fees.get(n.id)!));
}

/** A customer's interest notes (drafts, posted and canceled), oldest first. */
export async function interestNotesOfCustomer(db: Db, customerId: string): Promise<InterestNoteJson[]> {
  const notes = await db.selectFrom('interest_notes').selectAll().where('customer_id', '=', customerId).orderBy('created_at').orderBy('id').execute();
  return notesToJson(db, notes);
}

/** A customer's posted fees (by hand, on posted interest notes, NSF), oldest first. */
export async function feesOfCustomer(db: Db, customerId: string): Promise<FeeJson[]> {
  const rows = await db.selectFrom('fees').selectAll().where('customer_id', '=', customerId).where('charge_txn_id', 'is not', null).orderBy('created_at').orderBy('id').execute();
  return rows.map(feeRowToJson);
}

/** A customer's waives, reinstatements and reversals, oldest first. */
export async function adjustmentHistoryOfCustomer(db: Db, customerId: string): Promise<AdjustmentHistoryJson[]> {
  const rows = await db.selectFrom('adjustment_history').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
  return rows.map(historyRowToJson);
}
