import { type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database, TransactionsTable } from '../db/schema';
import { formatMoney } from '../../shared/money';
import { toBigInt, toBool } from '../db/values';
import type { Transaction, TransactionType } from './ledger.schema';

type Db = Kysely<Database>;
export type TransactionRow = Selectable<TransactionsTable>;

export function transactionRowToTransaction(r: TransactionRow): Transaction {
  return {
    id: r.id,
    customerId: r.customer_id,
    type: r.type as TransactionType,
    amount: formatMoney(toBigInt(r.amount)),
    openAmount: formatMoney(toBigInt(r.open_amount)),
    currency: r.currency,
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

export async function findTransactionsByIds(db: Db, ids: string[]): Promise<Map<string, TransactionRow>> {
  const found = new Map<string, TransactionRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('transactions').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) found.set(r.id, r);
  }
  return found;
}

export async function insertTransactions(db: Db, rows: Insertable<TransactionsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) await db.insertInto('transactions').values(rows.slice(i, i + 400)).execute();
}

/** Moves a transaction's open amount by `delta` (a settlement or its reversal) and bumps its version. */
export async function moveOpenAmount(db: Db, row: TransactionRow, delta: bigint, date: string): Promise<TransactionRow> {
  const open = toBigInt(row.open_amount) + delta;
  const next = { open_amount: open, closed_date: open === 0n ? date : null, version: row.version + 1 };
  await db.updateTable('transactions').set(next).where('id', '=', row.id).execute();
  return { ...row, ...next };
}

export function listCustomerTransactions(db: Db, customerId: string, q: { open: boolean; limit: number; after?: string }): Promise<TransactionRow[]> {
  let query = db.selectFrom('transactions').selectAll().where('customer_id', '=', customerId).orderBy('id').limit(q.limit + 1);
  if (q.open) query = query.where('open_amount', '<>', 0);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  return query.execute();
}
