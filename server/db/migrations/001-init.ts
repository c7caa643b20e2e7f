import { sql, type Kysely } from 'kysely';
import { withAutoId } from './helpers';

// Conventions, frozen with this migration:
// money is bigint minor units; booleans are integer 0/1; dates are 'YYYY-MM-DD' text;
// timestamps are ISO 8601 UTC text; every mutable row has an integer `version`.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  // One row holding the last issued change sequence: incrementing it inside the writing
  // transaction makes the sequence gap-free and ordered by commit.
  await db.schema
    .createTable('change_counter')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('change_counter').values({ id: 1, seq: 0 }).execute();

  await db.schema
    .createTable('changes')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('changes_entity_seq').on('changes').columns(['entity', 'seq']).execute();

  await withAutoId(db, db.schema.createTable('audit_log'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('audit_entity').on('audit_log').columns(['entity', 'entity_id']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('credit_limit', 'bigint', (c) => c.notNull())
    .addColumn('credit_limit_expiration_date', 'text')
    .addColumn('credit_limit_date', 'text')
    .addColumn('mandatory_credit_limit', 'integer', (c) => c.notNull())
    .addColumn('unlimited_credit', 'integer', (c) => c.notNull())
    .addColumn('exclude_from_credit_management', 'integer', (c) => c.notNull())
    .addColumn('ignore_until_date', 'text')
    .addColumn('credit_management_group_id', 'text')
    .addColumn('account_status_id', 'text')
    .addColumn('status_reason_id', 'text')
    .addColumn('payment_terms_id', 'text')
    .addColumn('cash_discount_id', 'text')
    .addColumn('customer_group', 'text')
    .addColumn('interest_code_id', 'text')
    .addColumn('risk_score', 'bigint') // hundredths
    .addColumn('risk_group_id', 'text')
    .addColumn('customer_since', 'text')
    .addColumn('business_started_date', 'text')
    .addColumn('last_review_date', 'text')
    .addColumn('next_scheduled_review_date', 'text')
    .addColumn('eligible_credit_limit', 'bigint')
    .addColumn('eligible_credit_limit_currency', 'text')
    .addColumn('eligible_credit_limit_date', 'text')
    .addColumn('with_agency', 'integer', (c) => c.notNull())
    .addColumn('title_held', 'integer', (c) => c.notNull())
    .addColumn('credit_rating', 'text')
    .addColumn('notes', 'text')
    .addColumn('collections_contact_id', 'text')
    .addColumn('posting_profile', 'text')
    .addColumn('sales_group', 'text')
    .addColumn('invoicing_and_delivery_on_hold', 'integer', (c) => c.notNull())
    .addColumn('collection_letter_level', 'integer', (c) => c.notNull())
    .addColumn('collection_letter_date', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  // The ledger: original fields are written once. `open_amount` is the running projection of
  // the append-only settlements; `collection_status`/`promise_*`/`canceled` are workflow state.
  await db.schema
    .createTable('transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('open_amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('trans_date', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text')
    .addColumn('document_date', 'text')
    .addColumn('tax_amount', 'bigint', (c) => c.notNull())
    .addColumn('bank_account_id', 'text')
    .addColumn('payment_journal', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_ref', 'text')
    .addColumn('collection_status', 'text', (c) => c.notNull())
    .addColumn('promise_date', 'text')
    .addColumn('promise_amount', 'bigint')
    .addColumn('canceled', 'integer', (c) => c.notNull())
    .addColumn('closed_date', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  // Exposure and aging read open items only: a partial index keeps them cheap however long
  // the history grows.
  await sql`create index transactions_open on transactions (customer_id, due_date, open_amount) where open_amount <> 0`.execute(
    db,
  );
  await db.schema
    .createIndex('transactions_customer')
    .on('transactions')
    .columns(['customer_id', 'trans_date'])
    .execute();

  await withAutoId(db, db.schema.createTable('settlements'))
    .addColumn('debit_id', 'text', (c) => c.notNull().references('transactions.id'))
    .addColumn('credit_id', 'text', (c) => c.notNull().references('transactions.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('settle_date', 'text', (c) => c.notNull())
    .addColumn('reverses_id', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema.createIndex('settlements_debit').on('settlements').column('debit_id').execute();
  await db.schema.createIndex('settlements_credit').on('settlements').column('credit_id').execute();

  await db.schema
    .createTable('sales_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('delivered_not_invoiced', 'bigint', (c) => c.notNull())
    .addColumn('invoiced_amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payment_terms_id', 'text')
    .addColumn('cash_discount_id', 'text')
    .addColumn('exclude_from_credit_management', 'integer', (c) => c.notNull())
    .addColumn('invoice_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sales_orders_customer').on('sales_orders').columns(['customer_id', 'status']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
