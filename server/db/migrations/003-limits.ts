import type { Kysely } from 'kysely';
import { withAutoId } from './helpers';

// Credit limits: adjustment journals and their lines, temporary limits (created only by posting
// temporary journals), insurances and guarantees.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('adjustment_journals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('submitted_by', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('rejected_by', 'text')
    .addColumn('rejected_at', 'text')
    .addColumn('reject_comment', 'text')
    .addColumn('posted_by', 'text')
    .addColumn('posted_at', 'text')
    .addColumn('posting_date', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('adjustment_journal_lines')
    .addColumn('journal_id', 'text', (c) => c.notNull().references('adjustment_journals.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('credit_group_id', 'text')
    .addColumn('current_credit_limit', 'bigint')
    .addColumn('new_credit_limit', 'bigint', (c) => c.notNull())
    .addColumn('new_expiration_date', 'text')
    .addColumn('new_from_date', 'text')
    .addColumn('new_to_date', 'text')
    .addColumn('approval_status', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('adjustment_journal_lines_pk', ['journal_id', 'line_no'])
    .execute();

  await withAutoId(db, db.schema.createTable('temporary_limits'))
    .addColumn('customer_id', 'text')
    .addColumn('credit_group_id', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('from_date', 'text', (c) => c.notNull())
    .addColumn('to_date', 'text', (c) => c.notNull())
    .addColumn('source_journal_id', 'text', (c) => c.notNull())
    .addColumn('source_line_no', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('temporary_limits_customer')
    .on('temporary_limits')
    .columns(['customer_id', 'to_date'])
    .execute();
  await db.schema
    .createIndex('temporary_limits_group')
    .on('temporary_limits')
    .columns(['credit_group_id', 'to_date'])
    .execute();

  await db.schema
    .createTable('insurances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text')
    .addColumn('coverage_type_id', 'text')
    .addColumn('identification', 'text')
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('update_credit_limit_pct', 'bigint', (c) => c.notNull())
    .addColumn('effective_date', 'text', (c) => c.notNull())
    .addColumn('expiration_date', 'text', (c) => c.notNull())
    .addColumn('included_in_exposure', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('insurances_customer').on('insurances').column('customer_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
