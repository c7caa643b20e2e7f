import { sql, type Kysely } from 'kysely';

// Aging in the accounting currency with a customer-currency view (issue 20, collections.md §2.3):
// a snapshot row keeps, beside its amounts in the accounting currency (AC), the same row in the
// customer's currency as the run computed it, so GET /aging?currency=customer reads it as stored
// (no ledger pass, no conversion at read time, the same moment as the AC amounts):
// - customer_currency: the customer's currency when the run wrote the row;
// - customer_view: null when customer_currency is the run's AC (the view is the AC row itself) or
//   when the run found no rate for it on its as-of date; else a JSON object of decimal strings,
//   {amountDue, buckets[], unbucketedAmount, indicator, creditLimit, remainingCredit,
//   packingSlipAmount, salesOrderAmount, disputedAmount}.
// Rows written before this migration get their customer's currency and no view (a run rewrites them).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('aging_snapshots')
    .addColumn('customer_currency', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.alterTable('aging_snapshots').addColumn('customer_view', 'text').execute();
  await sql`update aging_snapshots set customer_currency = (select c.currency from customers c where c.id = aging_snapshots.customer_id)`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
