import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, WriteOffLinesTable, WriteOffsTable } from '../../db/schema';
import { sqlInsertMany, type Reader } from '../../db/prepared-sql';
import { toBigInt, toBool } from '../../db/values';
import { formatMoney } from '../../../shared/money';
import type { WriteOffJson } from './money.schema';

/** The SQL of write-off journals (write_offs, their lines and marked items) and their rows as the API shows them. */

type Db = Kysely<Database>;
export type WriteOffRow = Selectable<WriteOffsTable>;
type WriteOffLineRow = Selectable<WriteOffLinesTable>;
type WriteOffItemRow = Selectable<Database['write_off_items']>;

/** A journal's lines by line number; `lineType` keeps only the lines of that type. */
export function linesOfWriteOff(db: Db, writeOffId: string, lineType?: 'customer'): Promise<WriteOffLineRow[]> {
  let q = db.selectFrom('write_off_lines').selectAll().where('write_off_id', '=', writeOffId);
  if (lineType !== undefined) q = q.where('line_type', '=', lineType);
  return q.orderBy('line_no').execute();
}

/** A journal's marked items with the open amounts the draft kept, by transaction id. */
export function itemsOfWriteOff(db: Db, writeOffId: string): Promise<WriteOffItemRow[]> {
  return db
    .selectFrom('write_off_items')
    .selectAll()
    .where('write_off_id', '=', writeOffId)
    .orderBy('transaction_id')
    .execute();
}

export async function writeOffToJson(db: Db, r: WriteOffRow): Promise<WriteOffJson> {
  const lines = await linesOfWriteOff(db, r.id);
  const items = await itemsOfWriteOff(db, r.id);
  return {
    id: r.id,
    customerId: r.customer_id,
    status: r.status as WriteOffJson['status'],
    date: r.date,
    reasonCode: r.reason_code,
    comment: r.comment,
    separateSalesTax: toBool(r.separate_sales_tax),
    lines: lines.map((l) => ({
      lineNo: l.line_no,
      lineType: l.line_type as 'customer',
      accountId: l.account_id,
      currency: l.currency,
      postingProfile: l.posting_profile,
      debit: formatMoney(toBigInt(l.debit)),
      credit: formatMoney(toBigInt(l.credit)),
      transactionId: l.transaction_id,
    })),
    items: items.map((i) => ({ transactionId: i.transaction_id, openAmount: formatMoney(toBigInt(i.open_amount)) })),
    postedDate: r.posted_date,
    reversedDate: r.reversed_date,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** A draft journal with its lines and marked items (the items through `sqlInsertMany`: a journal may mark many). */
export async function insertWriteOff(
  tx: Reader,
  row: WriteOffRow,
  lines: Insertable<WriteOffLinesTable>[],
  items: readonly { transactionId: string; openAmount: bigint }[],
): Promise<void> {
  await tx.db.insertInto('write_offs').values(row).execute();
  await tx.db.insertInto('write_off_lines').values(lines).execute();
  await sqlInsertMany(
    tx,
    'write_off_items',
    ['write_off_id', 'transaction_id', 'open_amount'],
    items.map((x) => [row.id, x.transactionId, x.openAmount]),
  );
}

/** `lock` (PostgreSQL only) takes the row lock. */
export async function findWriteOff(db: Db, id: string, lock = false): Promise<WriteOffRow | undefined> {
  const q = db.selectFrom('write_offs').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

export async function updateWriteOff(db: Db, id: string, set: Updateable<WriteOffsTable>): Promise<void> {
  await db.updateTable('write_offs').set(set).where('id', '=', id).execute();
}

export async function updateWriteOffLine(
  db: Db,
  writeOffId: string,
  lineNo: number,
  set: Pick<Updateable<WriteOffLinesTable>, 'transaction_id' | 'reversal_transaction_id'>,
): Promise<void> {
  await db
    .updateTable('write_off_lines')
    .set(set)
    .where('write_off_id', '=', writeOffId)
    .where('line_no', '=', lineNo)
    .execute();
}

/** A page of journals by id (`limit + 1` rows, for `page()`), of one customer or all. */
export function listWriteOffRows(
  db: Db,
  q: { customerId?: string; limit: number; after?: string },
): Promise<WriteOffRow[]> {
  let query = db
    .selectFrom('write_offs')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  return query.execute();
}

/** Of the given settlement ids, those a later settlement reverses (500 ids a statement). */
export async function reversedSettlementIds(db: Db, settlementIds: readonly string[]): Promise<Set<string>> {
  const undone = new Set<string>();
  for (let i = 0; i < settlementIds.length; i += 500) {
    const part = settlementIds.slice(i, i + 500).map(Number);
    for (const r of await db.selectFrom('settlements').select('reverses_id').where('reverses_id', 'in', part).execute())
      undone.add(String(r.reverses_id));
  }
  return undone;
}
