import type { Tx } from '../../db/transaction';
import type { ErrorDetail } from '../../http/errors';
import { formatMoney } from '../../../shared/money';
import { toBigInt, toBigIntOrNull, toBool } from '../../db/values';
import {
  findTransactionsByIds,
  transactionRowToTransaction,
  updateCollectionStatus,
  type TransactionRow,
} from '../../ledger/ledger.repository';
import type { Transaction } from '../../ledger/ledger.schema';
import { TRANSACTION } from '../../ledger/ledger.service';
import { lockRows } from '../../customers/customers.repository';
import { refuseIf } from '../work/work.shared';
import type { SetStatusInput, SettableCollectionStatus } from './transaction-status.schema';

/**
 * "Change collection status" of selected transactions (collections.md §1.2, §3.6):
 * `POST /api/v1/transactions:set-status {transactionIds, status, promiseDate?, promiseAmount?}`.
 *
 * Decisions:
 * - All or nothing: any refused transaction is a 422 naming it (`transactionIds.3`) and nothing
 *   is written. A transaction must exist, be open (open amount ≠ 0) and not canceled.
 * - `promisedToPay` needs `promiseDate` (collections.md §3.6 [assume]) and an open debit (a
 *   promise to pay a payment or credit note means nothing). `promiseDate` and `promiseAmount`
 *   come only with `promisedToPay`; both rules are about the body's shape, so they are 400s like
 *   the other cross-field rules (e.g. an insurance's coverage type). Any other status clears the
 *   promise fields.
 * - `promiseAmount` (optional; none = the whole open amount) is the amount promised for each
 *   listed transaction and may not exceed its open amount (422 naming the transaction).
 * - `promiseToPayBroken` is never accepted (400): only aging snapshots set it.
 * - Like the other ledger actions, no If-Match (SPEC §5 contract details): the business state
 *   guards it. A transaction already in the requested state is left alone (no new version,
 *   change or audit row); each changed one gets version + 1, a change-log entry (`transaction`,
 *   update) and an audit row `transaction.setStatus` whose before/after also show
 *   `promiseAmount`, which the transaction JSON does not carry.
 * - The answer is `{items}`: every listed transaction as it is now, in the request's order.
 */

/** The transaction JSON plus the promised amount, as the audit rows show it. */
const audited = (r: TransactionRow) => {
  const amount = toBigIntOrNull(r.promise_amount);
  return { ...transactionRowToTransaction(r), promiseAmount: amount === null ? null : formatMoney(amount) };
};

/**
 * Why this transaction may not take this status (pure): the rules of collections.md §3.6.
 * Returns a message, or null when it may.
 */
function collectionStatusRefusal(
  t: { openAmount: bigint; canceled: boolean },
  status: SettableCollectionStatus,
  promiseAmount: bigint | undefined,
): string | null {
  if (t.canceled) return 'is canceled';
  if (t.openAmount === 0n) return 'is closed (open amount 0.00)';
  if (status === 'promisedToPay' && t.openAmount < 0n) return 'is a credit; only an open debit can be promised';
  if (promiseAmount !== undefined && promiseAmount > t.openAmount)
    return `open amount is ${formatMoney(t.openAmount)}, less than the promised ${formatMoney(promiseAmount)}`;
  return null;
}

export async function setCollectionStatus(tx: Tx, input: SetStatusInput): Promise<{ items: Transaction[] }> {
  // Locked in id order on PostgreSQL, so two overlapping calls cannot deadlock.
  const byId = await findTransactionsByIds(tx.db, input.transactionIds, lockRows(tx));
  const errors: ErrorDetail[] = [];
  input.transactionIds.forEach((id, n) => {
    const r = byId.get(id);
    const why = r
      ? collectionStatusRefusal(
          { openAmount: toBigInt(r.open_amount), canceled: toBool(r.canceled) },
          input.status,
          input.promiseAmount,
        )
      : 'does not exist';
    if (why) errors.push({ path: `transactionIds.${n}`, message: `transaction ${id} ${why}` });
  });
  refuseIf(errors, `the collection status cannot be set to ${input.status}`);

  const next = {
    collection_status: input.status,
    promise_date: input.status === 'promisedToPay' ? input.promiseDate! : null,
    promise_amount: input.status === 'promisedToPay' ? (input.promiseAmount ?? null) : null,
  };
  const items: Transaction[] = [];
  for (const id of input.transactionIds) {
    const r = byId.get(id)!;
    const unchanged =
      r.collection_status === next.collection_status &&
      r.promise_date === next.promise_date &&
      toBigIntOrNull(r.promise_amount) === next.promise_amount;
    if (unchanged) {
      items.push(transactionRowToTransaction(r));
      continue;
    }
    const row: TransactionRow = { ...r, ...next, version: r.version + 1 };
    await updateCollectionStatus(tx.db, id, { ...next, version: row.version });
    tx.changed(TRANSACTION, id, 'update', row.version, {
      action: `${TRANSACTION}.setStatus`,
      before: audited(r),
      after: audited(row),
    });
    items.push(transactionRowToTransaction(row));
  }
  return { items };
}
