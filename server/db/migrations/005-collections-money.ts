import type { Kysely } from 'kysely';
import { withAutoId } from './helpers';

// Collections money operations (collections.md §1.11–§1.15, §3.1–§3.5): interest notes with
// their lines, fees, the adjustment history, write-off journals and NSF records. Interest codes,
// bank accounts and write-off accounts are setup rows (`setup_rows`). Ledger effects are
// ordinary transactions and settlements; these tables say why each one was made.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('interest_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('interest_code_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('from_date', 'text')
    .addColumn('to_date', 'text', (c) => c.notNull())
    .addColumn('note_date', 'text', (c) => c.notNull())
    // created (draft) | posted | canceled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_amount', 'bigint', (c) => c.notNull())
    // Per customer, 1, 2, … in posting order: reversals go newest first.
    .addColumn('posting_no', 'integer')
    .addColumn('posted_date', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('interest_notes_customer')
    .on('interest_notes')
    .columns(['customer_id', 'status'])
    .execute();

  // A line's charge is its own ledger entry once posted (`charge_txn_id`, type interest), so
  // payments, waives and reversals of one line are settlements against that entry alone. A
  // reinstatement moves `charge_txn_id` to the reinstating debit.
  await db.schema
    .createTable('interest_note_lines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('note_id', 'text', (c) => c.notNull().references('interest_notes.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('transactions.id'))
    .addColumn('base_amount', 'bigint', (c) => c.notNull())
    .addColumn('from_date', 'text', (c) => c.notNull())
    .addColumn('to_date', 'text', (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull())
    .addColumn('rate', 'text', (c) => c.notNull())
    .addColumn('formula', 'text', (c) => c.notNull())
    .addColumn('interest_amount', 'bigint', (c) => c.notNull())
    .addColumn('version_from', 'text', (c) => c.notNull())
    .addColumn('charge_txn_id', 'text')
    .addColumn('waive_txn_id', 'text')
    .addColumn('waived_amount', 'bigint')
    .addColumn('adjustment_status', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('interest_note_lines_note').on('interest_note_lines').column('note_id').execute();
  await db.schema.createIndex('interest_note_lines_txn').on('interest_note_lines').column('transaction_id').execute();

  // Every fee: entered by hand (POST /fees), on an interest note, or an NSF charge.
  await db.schema
    .createTable('fees')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('interest_note_id', 'text', (c) => c.references('interest_notes.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_ref', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('date', 'text')
    .addColumn('charge_txn_id', 'text')
    .addColumn('waive_txn_id', 'text')
    .addColumn('waived_amount', 'bigint')
    .addColumn('adjustment_status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fees_customer').on('fees').column('customer_id').execute();
  await db.schema.createIndex('fees_note').on('fees').column('interest_note_id').execute();

  // Immutable (§1.13): one row per waive, reinstate or reverse.
  await withAutoId(db, db.schema.createTable('adjustment_history'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('interest_note_id', 'text')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('target_ref', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('adjustment_txn_ids', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('adjustment_history_customer')
    .on('adjustment_history')
    .columns(['customer_id', 'currency', 'action'])
    .execute();

  await db.schema
    .createTable('write_offs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    // unposted | posted | reversed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('reason_code', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('separate_sales_tax', 'integer', (c) => c.notNull())
    // JSON arrays of the settlement ids the posting made and the reversal made.
    .addColumn('settlement_ids', 'text', (c) => c.notNull())
    .addColumn('reversal_settlement_ids', 'text', (c) => c.notNull())
    .addColumn('posted_date', 'text')
    .addColumn('reversed_date', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('write_offs_customer').on('write_offs').columns(['customer_id', 'status']).execute();

  await db.schema
    .createTable('write_off_lines')
    .addColumn('write_off_id', 'text', (c) => c.notNull().references('write_offs.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('line_type', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('posting_profile', 'text')
    .addColumn('debit', 'bigint', (c) => c.notNull())
    .addColumn('credit', 'bigint', (c) => c.notNull())
    // Customer lines, once posted: the ledger entry and its reversal.
    .addColumn('transaction_id', 'text')
    .addColumn('reversal_transaction_id', 'text')
    .addPrimaryKeyConstraint('write_off_lines_pk', ['write_off_id', 'line_no'])
    .execute();

  await db.schema
    .createTable('write_off_items')
    .addColumn('write_off_id', 'text', (c) => c.notNull().references('write_offs.id'))
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('transactions.id'))
    .addColumn('open_amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('write_off_items_pk', ['write_off_id', 'transaction_id'])
    .execute();

  await db.schema
    .createTable('nsf_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('payment_txn_id', 'text', (c) => c.notNull().unique().references('transactions.id'))
    .addColumn('reversal_txn_id', 'text', (c) => c.notNull())
    .addColumn('bank_account_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('reason_code', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('fee_id', 'text')
    .addColumn('fee_amount', 'bigint', (c) => c.notNull())
    // JSON: [{settlementId, reversalId, debitId, amount}] — the settlements the NSF reopened.
    .addColumn('reopened_settlements', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
