import { sql, type Kysely } from 'kysely';

// The open items' covering index with the accounting-currency amount and the currency (issue 20):
// the credit check, the aging snapshot and the ledger ceiling read a customer's open items by
// (customer_id, due_date) and sum open_amount_accounting; the snapshot's customer-currency pass
// sums the open_amount of the items in the customer's currency. Without these columns in the index
// every such read went to the table rows. Replaces transactions_open (001), whose columns it starts with.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index transactions_open_accounting on transactions (customer_id, due_date, open_amount, open_amount_accounting, currency) where open_amount <> 0`.execute(
    db,
  );
  await sql`drop index transactions_open`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
