import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { TransactionRow } from '../../ledger/ledger.repository';

/**
 * The collection-status columns of a transaction. The transactions table is the ledger's; this
 * write belongs in server/ledger/ledger.repository.ts (not this feature's file to change).
 */
export async function updateCollectionStatus(
  db: Kysely<Database>,
  id: string,
  set: Pick<TransactionRow, 'collection_status' | 'promise_date' | 'promise_amount' | 'version'>,
): Promise<void> {
  await db.updateTable('transactions').set(set).where('id', '=', id).execute();
}
