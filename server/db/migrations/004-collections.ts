import { sql, type Kysely } from 'kysely';

// Collections workspace (collections.md §1.5–§1.9): aging snapshots, activities and cases.
// Aging definitions, pools, agents and case categories are setup rows (`setup_rows`).
export async function up(db: Kysely<any>): Promise<void> {
  // One row per snapshot run (or one-customer refresh): what every row it wrote shares. `seq` is
  // the run's entry in the change log.
  await db.schema
    .createTable('aging_runs')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('definition_id', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('criteria', 'text', (c) => c.notNull())
    .addColumn('credit_placement', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('pool_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('customers', 'integer', (c) => c.notNull())
    .addColumn('processed_at', 'text', (c) => c.notNull())
    .addColumn('processed_by', 'text')
    .execute();
  await db.schema.createIndex('aging_runs_definition').on('aging_runs').columns(['definition_id', 'seq']).execute();

  // One row per (definition, customer): the header of §1.5 with its period amounts as a JSON
  // array of decimal strings ("1234.50") in the definition's line order (oldest first). `seq` is
  // the run that wrote it: a ledger change of the customer with a higher sequence makes the row
  // stale, and `GET /aging?since=` compares against it.
  await db.schema
    .createTable('aging_snapshots')
    .addColumn('definition_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull().references('aging_runs.seq'))
    .addColumn('amount_due', 'bigint', (c) => c.notNull())
    .addColumn('buckets', 'text', (c) => c.notNull())
    .addColumn('unbucketed_amount', 'bigint', (c) => c.notNull())
    .addColumn('indicator', 'text')
    .addColumn('credit_limit', 'bigint')
    .addColumn('remaining_credit', 'bigint')
    .addColumn('packing_slip_amount', 'bigint', (c) => c.notNull())
    .addColumn('sales_order_amount', 'bigint', (c) => c.notNull())
    .addColumn('disputed_count', 'integer', (c) => c.notNull())
    .addColumn('disputed_amount', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('aging_snapshots_pk', ['definition_id', 'customer_id'])
    .execute();
  // The snapshot's disputed count and amount read only the (few) disputed items.
  await sql`create index transactions_disputed on transactions (customer_id, open_amount) where collection_status = 'disputed'`.execute(
    db,
  );
  await db.schema.createIndex('aging_snapshots_customer').on('aging_snapshots').column('customer_id').execute();

  await db.schema
    .createTable('collection_cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('category_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text')
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('collection_cases_customer')
    .on('collection_cases')
    .columns(['customer_id', 'status'])
    .execute();

  await db.schema
    .createTable('case_transactions')
    .addColumn('case_id', 'text', (c) => c.notNull().references('collection_cases.id'))
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('transactions.id'))
    .addPrimaryKeyConstraint('case_transactions_pk', ['case_id', 'transaction_id'])
    .execute();
  await db.schema.createIndex('case_transactions_txn').on('case_transactions').column('transaction_id').execute();

  await db.schema
    .createTable('activities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('case_id', 'text', (c) => c.references('collection_cases.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('purpose', 'text')
    .addColumn('responsible_user_id', 'text')
    .addColumn('start_at', 'text')
    .addColumn('end_at', 'text')
    .addColumn('due_date', 'text')
    .addColumn('closed', 'integer', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('percent_complete', 'integer', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('is_collections', 'integer', (c) => c.notNull())
    .addColumn('follow_up_of', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('activities_customer').on('activities').columns(['customer_id', 'closed']).execute();
  await db.schema
    .createIndex('activities_responsible')
    .on('activities')
    .columns(['responsible_user_id', 'closed'])
    .execute();
  await db.schema.createIndex('activities_case').on('activities').column('case_id').execute();

  await db.schema
    .createTable('activity_transactions')
    .addColumn('activity_id', 'text', (c) => c.notNull().references('activities.id'))
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('transactions.id'))
    .addPrimaryKeyConstraint('activity_transactions_pk', ['activity_id', 'transaction_id'])
    .execute();
  await db.schema
    .createIndex('activity_transactions_txn')
    .on('activity_transactions')
    .column('transaction_id')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
