import type { Tx } from '../../db/transaction';
import { toBigInt, toBool } from '../../db/values';
import { lockRows } from '../../customers/customers.service';
import { notFound, ruleViolation } from '../../http/errors';
import { requireReasonCode } from '../../credit/setup/setup.kinds';
import {
  appendTransactions,
  cancelTransaction,
  liveSettlementsOf,
  reverseSettlement,
  settle,
} from '../../ledger/ledger.service';
import { requireLedgerWithinCeiling } from '../../ledger/ceiling';
import { findTransaction, transactionRowToTransaction } from '../../ledger/ledger.repository';
import { formatMoney, parseMoney } from '../../../shared/money';
import { nsfRefusal } from '../../../shared/collections/nsf';
import { createNsfFee } from './adjustments.service';
import { insertNsfRecord, newMoneyId, NSF } from './money.repository';
import type { NsfJson } from './money.schema';
import { findBankAccount } from './setup.kinds';

/**
 * NSF payments (collections.md §3.5, E28–E29; SPEC §5 `POST /payments/{transactionId}/nsf`).
 *
 * Decisions:
 * - Refused (422): a transaction that is not a payment, a payment without a bank account, a
 *   payment already canceled. An unknown id is a 404.
 * - Every settlement the payment took part in (not reversed before) is reversed with a new
 *   settlement row, so the invoices reopen at the settled amounts with their original due dates.
 * - A reversing debit (type nsfReversal) of the payment's whole amount is settled against the
 *   payment; both are then marked canceled (the only in-place change: workflow state).
 * - The bank account's `nsfFee` (setup `bank-accounts`) becomes a fee (source nsf), posted at
 *   once. A bank account that is not set up charges no fee.
 * - The NSF record keeps the reason, comment, user, time, reversal entry, fee and the reopened
 *   settlements; it is also the answer.
 * - Dates (issue 18): the NSF `date` must not be before the payment's posting date (`transDate`),
 *   nor before any settlement it reverses (422 naming `date`). collections.md §3.5 dates nothing,
 *   but the NSF dates the reversal entry and the reversing settlements: dated earlier, they would
 *   undo what did not exist yet, and the historical aging report, which replays settlements by
 *   date (§2.3, E32), would count the reopened amount twice before the original settlement. A
 *   date later than today is not refused: the bank's notice may announce a return.
 */

/** 422 naming `date` when the NSF date is before `earliest` (what happened on `earliest` is `what`). */
function refuseEarlierThan(date: string, earliest: string, what: string): void {
  if (date < earliest)
    throw ruleViolation(`the NSF date ${date} is before ${what} ${earliest}`, [
      { path: 'date', message: `must be on or after ${earliest}` },
    ]);
}

export async function recordNsf(
  tx: Tx,
  paymentId: string,
  input: { reasonCode: string; date: string; comment?: string | null | undefined },
): Promise<NsfJson> {
  const payment = await findTransaction(tx.db, paymentId, lockRows(tx));
  if (!payment) throw notFound('transaction', paymentId);
  const refusal = nsfRefusal({
    id: payment.id,
    type: payment.type,
    bankAccountId: payment.bank_account_id,
    canceled: toBool(payment.canceled),
  });
  if (refusal) throw ruleViolation(refusal, [{ path: 'transactionId', message: refusal }]);
  const live = await liveSettlementsOf(tx.db, paymentId);
  refuseEarlierThan(input.date, payment.trans_date, `payment ${paymentId} was posted`);
  for (const s of live)
    refuseEarlierThan(
      input.date,
      s.settle_date,
      `settlement ${s.id} of payment ${paymentId}, which the NSF reverses, is dated`,
    );
  await requireReasonCode(tx, input.reasonCode, 'nsf');
  const id = newMoneyId('NSF');

  const reopened: NsfJson['reopenedSettlements'] = [];
  for (const s of live) {
    const r = await reverseSettlement(tx, String(s.id), input.date);
    reopened.push({
      settlementId: String(s.id),
      reversalId: r.id,
      debitId: r.debitId,
      creditId: r.creditId,
      amount: formatMoney(r.amount),
    });
  }
  const reopenedPayment = (await findTransaction(tx.db, paymentId, lockRows(tx)))!;
  const open = toBigInt(reopenedPayment.open_amount);
  const reversalId = `${id}-REV`;
  await appendTransactions(
    tx,
    [
      {
        id: reversalId,
        customerId: payment.customer_id,
        type: 'nsfReversal',
        amount: -toBigInt(payment.amount),
        currency: payment.currency,
        // The payment's own AC: the reversal offsets exactly what the payment booked, never revalued.
        amountAccounting: -toBigInt(payment.amount_accounting),
        transDate: input.date,
        dueDate: input.date,
        source: 'nsf',
        sourceRef: paymentId,
      },
    ],
    { ceiling: 'settledAtOnce' },
  );
  if (open < 0n) await settle(tx, { debitId: reversalId, creditId: paymentId, amount: -open, date: input.date });
  const canceled = await cancelTransaction(tx, paymentId);
  await cancelTransaction(tx, reversalId);

  const bank = await findBankAccount(tx, payment.bank_account_id!);
  const feeAmount = bank ? parseMoney(bank.nsfFee ?? '0') : 0n;
  const fee =
    feeAmount > 0n
      ? await createNsfFee(tx, {
          customerId: payment.customer_id,
          currency: payment.currency,
          amount: feeAmount,
          date: input.date,
          paymentId,
          nsfId: id,
        })
      : null;
  // The reopened invoices count towards the customer's ceiling again (server/ledger/ceiling.ts).
  await requireLedgerWithinCeiling(tx, payment.customer_id);

  await insertNsfRecord(tx.db, {
    id,
    customer_id: payment.customer_id,
    payment_txn_id: paymentId,
    reversal_txn_id: reversalId,
    bank_account_id: payment.bank_account_id!,
    date: input.date,
    reason_code: input.reasonCode,
    comment: input.comment ?? null,
    fee_id: fee?.id ?? null,
    fee_amount: feeAmount,
    reopened_settlements: JSON.stringify(reopened),
    user_id: tx.actor.userId,
    at: tx.now,
  });
  const json: NsfJson = {
    id,
    customerId: payment.customer_id,
    paymentId,
    reversalTransactionId: reversalId,
    bankAccountId: payment.bank_account_id!,
    date: input.date,
    reasonCode: input.reasonCode,
    comment: input.comment ?? null,
    feeAmount: formatMoney(feeAmount),
    feeJournal: fee ? ((bank?.nsfJournal as string | null | undefined) ?? null) : null,
    fee,
    reopenedSettlements: reopened,
    payment: transactionRowToTransaction(canceled),
    userId: tx.actor.userId,
    at: tx.now,
  };
  tx.changed(NSF, id, 'create', 1, { action: 'nsf.create', after: json, reason: input.reasonCode });
  return json;
}
