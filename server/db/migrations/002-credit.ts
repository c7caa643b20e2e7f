import type { Kysely } from 'kysely';

// Credit management: setup rows, blocking rules, credit groups, holds, and the order fields the
// credit check keeps (grace window, amount at release).
export async function up(db: Kysely<any>): Promise<void> {
  // Small reference data with natural ids (payment terms, reason codes, …): one table, one JSON
  // document a row, validated by each kind's zod schema at the edge.
  await db.schema
    .createTable('setup_rows')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('setup_rows_pk', ['kind', 'id'])
    .execute();

  // Parameters: one row holding every parameter as JSON; PUT merges.
  await db.schema
    .createTable('parameters')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('checkpoint', 'text', (c) => c.primaryKey())
    .addColumn('posting', 'integer', (c) => c.notNull())
    .addColumn('pro_forma', 'integer', (c) => c.notNull())
    .addColumn('grace_days', 'integer')
    .execute();

  await db.schema
    .createTable('blocking_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule_type', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('valid_for', 'text', (c) => c.notNull())
    .addColumn('account_or_group', 'text')
    .addColumn('risk_group_id', 'text')
    .addColumn('value_type', 'text')
    .addColumn('days', 'integer')
    .addColumn('amount', 'bigint')
    .addColumn('percent', 'bigint')
    .addColumn('credit_limit_threshold', 'bigint')
    .addColumn('account_status_id', 'text')
    .addColumn('payment_terms_id', 'text')
    .addColumn('release_sales_order', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('credit_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('credit_limit', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('credit_limit_to_date', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  // A customer belongs to at most one credit group (credit.md §1.5 [assume]).
  await db.schema
    .createTable('credit_group_members')
    .addColumn('customer_id', 'text', (c) => c.primaryKey().references('customers.id'))
    .addColumn('credit_group_id', 'text', (c) => c.notNull().references('credit_groups.id'))
    .execute();
  await db.schema
    .createIndex('credit_group_members_group')
    .on('credit_group_members')
    .column('credit_group_id')
    .execute();

  await db.schema
    .createTable('holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sales_order_id', 'text', (c) => c.notNull().references('sales_orders.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('checkpoint', 'text')
    .addColumn('posting_type', 'text')
    .addColumn('held_at', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('order_amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary_reason', 'text', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('forced', 'integer', (c) => c.notNull())
    .addColumn('release_reason_code', 'text')
    .addColumn('review_date', 'text')
    .addColumn('release_mode', 'text')
    .addColumn('released_by', 'text')
    .addColumn('released_at', 'text')
    .addColumn('reject_reason_code', 'text')
    .addColumn('comment', 'text')
    .addColumn('rejected_by', 'text')
    .addColumn('rejected_at', 'text')
    .addColumn('pending', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('holds_status').on('holds').columns(['status', 'customer_id']).execute();
  await db.schema.createIndex('holds_order').on('holds').column('sales_order_id').execute();

  // The order's credit state: 'clear', 'onHold' or 'rejected'; the last passed check or release
  // opens a grace window; the amount at release tells whether the order grew since.
  await db.schema
    .alterTable('sales_orders')
    .addColumn('credit_status', 'text', (c) => c.notNull().defaultTo('clear'))
    .execute();
  await db.schema.alterTable('sales_orders').addColumn('last_pass_checkpoint', 'text').execute();
  await db.schema.alterTable('sales_orders').addColumn('last_pass_date', 'text').execute();
  await db.schema.alterTable('sales_orders').addColumn('released_amount', 'bigint').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
