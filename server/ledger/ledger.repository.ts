import { type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database, SettlementsTable, TransactionsTable } from '../db/schema';
import { formatMoney } from '../../shared/money';
import { toBigInt, toBool } from '../db/values';
import { sqlAll, sqlFirst, sqlInsertMany, sqlRun, type Reader } from '../db/prepared-sql';
import type { Transaction, TransactionType } from './ledger.schema';

type Db = Kysely<Database>;
export type TransactionRow = Selectable<TransactionsTable>;
export type SettlementRow = Selectable<SettlementsTable>;

export function transactionRowToTransaction(r: TransactionRow): Transaction {
  return {
    id: r.id,
    customerId: r.customer_id,
    type: r.type as TransactionType,
    amount: formatMoney(toBigInt(r.amount)),
    openAmount: formatMoney(toBigInt(r.open_amount)),
    currency: r.currency,
    amountAccounting: formatMoney(toBigInt(r.amount_accounting)),
    openAmountAccounting: formatMoney(toBigInt(r.open_amount_accounting)),
    transDate: r.trans_date,
    dueDate: r.due_date,
    documentDate: r.document_date,
    taxAmount: formatMoney(toBigInt(r.tax_amount)),
    bankAccountId: r.bank_account_id,
    paymentJournal: r.payment_journal,
    collectionStatus: r.collection_status as Transaction['collectionStatus'],
    promiseDate: r.promise_date,
    canceled: toBool(r.canceled),
    closedDate: r.closed_date,
    source: r.source,
    sourceRef: r.source_ref,
    createdAt: r.created_at,
    version: r.version,
  };
}

/** `lock` (PostgreSQL only) takes the row lock, so a concurrent settlement waits and then sees this one's result. */
export function findTransaction(db: Db, id: string, lock = false): Promise<TransactionRow | undefined> {
  const query = db.selectFrom('transactions').selectAll().where('id', '=', id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

/** Rows by id, 500 ids a statement; `lock` as in {@link findTransaction} (ids are locked in sorted order, so two bulk locks cannot deadlock). */
export async function findTransactionsByIds(
  db: Db,
  ids: readonly string[],
  lock = false,
): Promise<Map<string, TransactionRow>> {
  const found = new Map<string, TransactionRow>();
  const sorted = lock ? [...new Set(ids)].sort() : ids;
  for (let i = 0; i < sorted.length; i += 500) {
    const query = db
      .selectFrom('transactions')
      .selectAll()
      .where('id', 'in', sorted.slice(i, i + 500));
    const rows = await (lock ? query.orderBy('id').forUpdate() : query).execute();
    for (const r of rows) found.set(r.id, r);
  }
  return found;
}

/**
 * Stores the open amount, closed date and version of many rows (each row's final state after a
 * run of settlements): one prepared statement per row on SQLite, 500 rows a statement on PostgreSQL.
 */
export async function saveOpenAmounts(tx: Reader, rows: readonly TransactionRow[]): Promise<void> {
  if (tx.dialect === 'sqlite') {
    await tx.pace.each(rows, (r) =>
      sqlRun(
        tx,
        'update transactions set open_amount = ?, open_amount_accounting = ?, closed_date = ?, version = ? where id = ?',
        [toBigInt(r.open_amount), toBigInt(r.open_amount_accounting), r.closed_date, r.version, r.id],
      ),
    );
    return;
  }
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const values = part.map(() => '(?, ?::bigint, ?::bigint, ?, ?::integer)').join(', ');
    await sqlAll(
      tx,
      `update transactions as t set open_amount = v.open_amount, open_amount_accounting = v.open_amount_accounting, closed_date = v.closed_date, version = v.version from (values ${values}) as v(id, open_amount, open_amount_accounting, closed_date, version) where t.id = v.id`,
      part.flatMap((r) => [
        r.id,
        toBigInt(r.open_amount),
        toBigInt(r.open_amount_accounting),
        r.closed_date,
        r.version,
      ]),
    );
  }
}

/**
 * `n` new settlement ids, in order, for rows written together: from the sequence on PostgreSQL;
 * after the largest id ever used on SQLite (this transaction holds the only writer).
 */
export async function reserveSettlementIds(tx: Reader, n: number): Promise<number[]> {
  if (n === 0) return [];
  if (tx.dialect === 'postgres') {
    const rows = await sqlAll<{ id: string | number }>(
      tx,
      "select nextval(pg_get_serial_sequence('settlements', 'id')) as id from generate_series(1, ?::integer)",
      [n],
    );
    return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  }
  const row = await sqlFirst<{ last: number | null }>(
    tx,
    "select max(seq) as last from (select seq from sqlite_sequence where name = 'settlements' union all select max(id) from settlements)",
    [],
  );
  const last = Number(row?.last ?? 0);
  return Array.from({ length: n }, (_, i) => last + 1 + i);
}

/** Appends settlement rows with their reserved ids. */
export async function insertSettlements(
  tx: Reader,
  rows: readonly {
    id: number;
    debitId: string;
    creditId: string;
    /** In the debit's currency. */
    amount: bigint;
    /** In the credit's currency. */
    creditAmount: bigint;
    /** The AC each side's open amount moved. */
    debitAmountAccounting: bigint;
    creditAmountAccounting: bigint;
    date: string;
    reversesId: number | null;
    createdAt: string;
    createdBy: string | null;
  }[],
): Promise<void> {
  await sqlInsertMany(
    tx,
    'settlements',
    [
      'id',
      'debit_id',
      'credit_id',
      'amount',
      'credit_amount',
      'debit_amount_accounting',
      'credit_amount_accounting',
      'settle_date',
      'reverses_id',
      'created_at',
      'created_by',
    ],
    rows.map((r) => [
      r.id,
      r.debitId,
      r.creditId,
      r.amount,
      r.creditAmount,
      r.debitAmountAccounting,
      r.creditAmountAccounting,
      r.date,
      r.reversesId,
      r.createdAt,
      r.createdBy,
    ]),
  );
}

export async function insertTransactions(db: Db, rows: Insertable<TransactionsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400)
    await db
      .insertInto('transactions')
      .values(rows.slice(i, i + 400))
      .execute();
}

/**
 * The row with its open amounts moved by `delta` (TC) and `deltaAccounting` (AC) — a settlement or
 * its reversal — and its version bumped; stored later by {@link saveOpenAmounts}.
 */
export function movedOpenAmount(
  row: TransactionRow,
  delta: bigint,
  deltaAccounting: bigint,
  date: string,
): TransactionRow {
  const open = toBigInt(row.open_amount) + delta;
  return {
    ...row,
    open_amount: open,
    open_amount_accounting: toBigInt(row.open_amount_accounting) + deltaAccounting,
    closed_date: open === 0n ? date : null,
    version: row.version + 1,
  };
}

/**
 * Every open, not canceled transaction of a customer, by id, read 2,000 rows a statement (a
 * customer may have 20,000 open invoices; one statement for all of them holds the event loop
 * for 100 ms or more on SQLite, where statements are synchronous).
 */
export async function openTransactionsOf(db: Db, customerId: string): Promise<TransactionRow[]> {
  const out: TransactionRow[] = [];
  for (let after: string | undefined; ;) {
    let q = db
      .selectFrom('transactions')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('open_amount', '<>', 0)
      .where('canceled', '=', 0)
      .orderBy('id')
      .limit(2000);
    if (after !== undefined) q = q.where('id', '>', after);
    const rows = await q.execute();
    out.push(...rows);
    if (rows.length < 2000) return out;
    after = rows[rows.length - 1]!.id;
  }
}

export function listCustomerTransactions(
  db: Db,
  customerId: string,
  q: { open: boolean; limit: number; after?: string },
): Promise<TransactionRow[]> {
  let query = db
    .selectFrom('transactions')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.open) query = query.where('open_amount', '<>', 0);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  return query.execute();
}

/** Stores a transaction's collection status and promise (collections.md §3.6) with its new version. */
export async function updateCollectionStatus(
  db: Db,
  id: string,
  set: Pick<TransactionRow, 'collection_status' | 'promise_date' | 'promise_amount' | 'version'>,
): Promise<void> {
  await db.updateTable('transactions').set(set).where('id', '=', id).execute();
}

/** Marks an open item's promise to pay broken (collections.md §2.4 step 5), one prepared statement a row. */
export function markPromiseBroken(r: Reader, transactionId: string): Promise<void> {
  return sqlRun(
    r,
    `update transactions set collection_status = 'promiseToPayBroken', version = version + 1 where id = ?`,
    [transactionId],
  );
}
