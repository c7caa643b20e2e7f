import { sql, type Kysely } from 'kysely';

// Multi-currency (issue 20):
// - exchange_rates: AC per 1 unit of a currency from a date on (scaled by 10^10, a bigint);
// - transactions keep amount/open_amount in their currency (TC) and gain amount_accounting /
//   open_amount_accounting in the accounting currency (AC), fixed at posting, never revalued.
//   Entries written before this migration were all booked in the accounting currency's terms
//   (the ledger had one currency), so their AC amounts are their TC amounts;
// - settlements record what each side moved: credit_amount in the credit's TC (differs from
//   amount, the debit's TC, only between two currencies), and the AC each side moved;
// - sales_orders.currency: an order's currency (its customer's when the feed sends none).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('exchange_rates')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('rate_date', 'text', (c) => c.notNull())
    .addColumn('rate', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('exchange_rates_pk', ['currency', 'rate_date'])
    .execute();
  await db.schema
    .alterTable('transactions')
    .addColumn('amount_accounting', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('transactions')
    .addColumn('open_amount_accounting', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update transactions set amount_accounting = amount, open_amount_accounting = open_amount`.execute(db);
  for (const column of ['credit_amount', 'debit_amount_accounting', 'credit_amount_accounting'])
    await db.schema
      .alterTable('settlements')
      .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  await sql`update settlements set credit_amount = amount, debit_amount_accounting = amount, credit_amount_accounting = amount`.execute(
    db,
  );
  await db.schema
    .alterTable('sales_orders')
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await sql`update sales_orders set currency = (select c.currency from customers c where c.id = sales_orders.customer_id)`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
