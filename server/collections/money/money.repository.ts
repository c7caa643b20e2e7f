import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type {
  AdjustmentHistoryTable,
  Database,
  FeesTable,
  InterestNoteLinesTable,
  InterestNotesTable,
} from '../../db/schema';
import { toBigInt, toBigIntOrNull } from '../../db/values';
import type { AdjustmentHistoryJson, FeeJson, InterestNoteJson } from './money.schema';
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

export async function findFee(db: Db, id: string): Promise<FeeRow | undefined> {
  return (await db.selectFrom('fees').selectAll().where('id', '=', id).executeTakeFirst()) as FeeRow | undefined;
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
