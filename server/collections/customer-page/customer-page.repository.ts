import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { TransactionRow } from '../../ledger/ledger.repository';

/** A customer's transactions by date and id: the open items only, or all of them. */
export function transactionsOfCustomer(
  db: Kysely<Database>,
  customerId: string,
  which: 'open' | 'all',
): Promise<TransactionRow[]> {
  let q = db
    .selectFrom('transactions')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('trans_date')
    .orderBy('id');
  if (which === 'open') q = q.where('open_amount', '<>', 0);
  return q.execute();
}
