import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { fromBool, toBigInt } from '../../db/values';
import { lockRows } from '../../customers/customers.service';
import { notFound, ruleViolation, type ErrorDetail } from '../../http/errors';
import { getParameters } from '../../credit/parameters/parameters.service';
import { requireReasonCode } from '../../credit/setup/setup.kinds';
import {
  appendTransactions,
  requireCustomer,
  reverseSettlements,
  settle,
  settleAll,
} from '../../ledger/ledger.service';
import { requireLedgerWithinCeiling } from '../../ledger/ceiling';
import { findTransaction, findTransactionsByIds, openTransactionsOf } from '../../ledger/ledger.repository';
import { formatMoney } from '../../../shared/money';
import { settlementPairs, writeOffLines, type WriteOffItem } from '../../../shared/collections/write-off';
import { refuseIf } from '../work/work.shared';
import { writeOffAccountFor } from './setup.kinds';
import { newMoneyId, WRITE_OFF } from './money.repository';
import type { WriteOffJson } from './money.schema';
import {
  findWriteOff,
  insertWriteOff,
  itemsOfWriteOff,
  linesOfWriteOff,
  listWriteOffRows,
  reversedSettlementIds,
  updateWriteOff,
  updateWriteOffLine,
  writeOffToJson,
  type WriteOffRow,
} from './write-offs.repository';

/**
 * Write-offs (collections.md §3.4; SPEC §5): a draft journal, posted, and reversed.
 *
 * Decisions:
 * - One journal per request, with lines per (currency, posting profile) combination; the posting
 *   profile is the customer's (transactions carry none). `transactionIds` left out marks every
 *   open, not canceled transaction of the customer; listed ids must be such transactions of the
 *   customer (422 naming `transactionIds.N`). Nothing to write off (no open items, or every
 *   combination nets to zero) is a 422.
 * - `reasonCode` defaults to the parameter `writeOffReasonCode`; it must be a writeOff reason.
 *   The ledger account comes from the write-off account of the posting profile, else the
 *   parameter `writeOffAccountId`; the tax account from that account's `salesTaxAccountId`.
 * - The draft keeps each item's open amount. Posting refuses (422) when any of them changed
 *   since, or an item was canceled: the draft would no longer be what was reviewed.
 * - Posting adds one ledger entry (type writeOff) per customer line, for the opposite of the
 *   net, and settles the marked items and that entry against each other until all are closed.
 * - Reversing reverses every settlement the posting made (those not reversed since, e.g. by an
 *   NSF), then settles the write-off entry against a new opposite entry (type writeOff, source
 *   writeOffReversal), so the items reopen at their open amounts with their due dates.
 * - Status: unposted → posted → reversed; posting or reversing twice is a 422. Not under If-Match
 *   (a ledger action guarded by its state, SPEC §5).
 * - Dates (issue 18): the journal's `date` must not be before the posting date (`transDate`) of
 *   any transaction it writes off, and a reversal's `date` not before the journal's date (422
 *   naming `date`). The write-off entry and its settlements carry that date; dated earlier they
 *   would close items the ledger did not hold yet, or reopen them before they were closed, which
 *   the historical aging report (settlements replayed by date, collections.md §2.3) would show as
 *   amounts that never were. collections.md §3.4 dates nothing else, so nothing else is refused.
 */

type Db = Kysely<Database>;

export interface WriteOffInput {
  customerId: string;
  transactionIds?: string[] | undefined;
  reasonCode?: string | undefined;
  comment?: string | null | undefined;
  date: string;
}

/** Creates the draft journal (status unposted) for the marked open transactions. */
export async function createWriteOff(tx: Tx, input: WriteOffInput): Promise<WriteOffJson> {
  const customer = await requireCustomer(tx, input.customerId);
  const { values: params } = await getParameters(tx);
  const reasonCode = input.reasonCode ?? params.writeOffReasonCode;
  if (!reasonCode)
    throw ruleViolation('a reason code is required: send reasonCode or set the parameter writeOffReasonCode', [
      { path: 'reasonCode', message: 'required' },
    ]);
  await requireReasonCode(tx, reasonCode, 'writeOff');
  let rows;
  if (input.transactionIds) {
    const found = await findTransactionsByIds(tx.db, input.transactionIds);
    const errors: ErrorDetail[] = [];
    input.transactionIds.forEach((id, n) => {
      const t = found.get(id);
      const why = !t
        ? 'does not exist'
        : t.customer_id !== input.customerId
          ? `belongs to customer ${t.customer_id}`
          : t.canceled
            ? 'is canceled'
            : toBigInt(t.open_amount) === 0n
              ? 'is closed (nothing open)'
              : null;
      if (why) errors.push({ path: `transactionIds.${n}`, message: `transaction ${id} ${why}` });
    });
    refuseIf(errors, 'these transactions cannot be written off');
    rows = input.transactionIds.map((id) => found.get(id)!);
  } else {
    rows = await openTransactionsOf(tx.db, input.customerId);
  }
  if (rows.length === 0)
    throw ruleViolation(`customer ${input.customerId} has nothing to write off: no open transactions are marked`, [
      { path: 'transactionIds', message: 'no open transactions' },
    ]);
  const latest = rows.reduce((a, b) => (b.trans_date > a.trans_date ? b : a));
  if (input.date < latest.trans_date)
    throw ruleViolation(
      `the write-off date ${input.date} is before transaction ${latest.id} was posted (${latest.trans_date})`,
      [
        {
          path: 'date',
          message: `must be on or after ${latest.trans_date}, the latest posting date of the transactions written off`,
        },
      ],
    );
  const items: WriteOffItem[] = rows.map((t) => ({
    transactionId: t.id,
    currency: t.currency,
    postingProfile: customer.posting_profile,
    openAmount: toBigInt(t.open_amount),
    amount: toBigInt(t.amount),
    taxAmount: toBigInt(t.tax_amount),
  }));
  const accounts = new Map<string | null, Awaited<ReturnType<typeof writeOffAccountFor>>>();
  for (const p of new Set(items.map((i) => i.postingProfile)))
    accounts.set(p, await writeOffAccountFor(tx, p, params.writeOffAccountId));
  const lines = writeOffLines(items, (p) => accounts.get(p)!, {
    customerId: input.customerId,
    separateSalesTax: params.separateSalesTax,
  });
  if (lines.length === 0)
    throw ruleViolation('nothing to write off: the marked transactions net to zero in every currency', [
      { path: 'transactionIds', message: 'net open amount is 0.00' },
    ]);

  const id = newMoneyId('WO');
  const row: WriteOffRow = {
    id,
    customer_id: input.customerId,
    status: 'unposted',
    date: input.date,
    reason_code: reasonCode,
    comment: input.comment ?? null,
    separate_sales_tax: fromBool(params.separateSalesTax),
    settlement_ids: '[]',
    reversal_settlement_ids: '[]',
    posted_date: null,
    reversed_date: null,
    created_by: tx.actor.userId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  // Only items of combinations with lines are written off; a combination netting to zero stays open.
  const written = new Set(lines.map((l) => `${l.currency}\u0000${l.postingProfile ?? ''}`));
  const kept = items.filter((i) => written.has(`${i.currency}\u0000${i.postingProfile ?? ''}`));
  await insertWriteOff(
    tx,
    row,
    lines.map((l, n) => ({
      write_off_id: id,
      line_no: n + 1,
      line_type: l.lineType,
      account_id: l.accountId,
      currency: l.currency,
      posting_profile: l.postingProfile,
      debit: l.debit,
      credit: l.credit,
      transaction_id: null,
      reversal_transaction_id: null,
    })),
    kept,
  );
  const json = await writeOffToJson(tx.db, row);
  tx.changed(WRITE_OFF, id, 'create', 1, { action: 'writeOff.create', after: json, reason: reasonCode });
  return json;
}

async function lockedWriteOff(tx: Tx, id: string): Promise<WriteOffRow> {
  const row = await findWriteOff(tx.db, id, lockRows(tx));
  if (!row) throw notFound('write-off', id);
  return row;
}

async function saveStatus(tx: Tx, row: WriteOffRow, set: Partial<WriteOffRow>, action: string): Promise<WriteOffJson> {
  const next = { ...set, updated_at: tx.now, version: row.version + 1 };
  await updateWriteOff(tx.db, row.id, next);
  const json = await writeOffToJson(tx.db, { ...row, ...next });
  tx.changed(WRITE_OFF, row.id, 'update', next.version, {
    action,
    before: { status: row.status, version: row.version },
    after: json,
    reason: row.reason_code,
  });
  return json;
}

/** Posts a draft: a writeOff entry per customer line, settled with the marked items until all close. */
export async function postWriteOff(tx: Tx, id: string): Promise<WriteOffJson> {
  const row = await lockedWriteOff(tx, id);
  if (row.status !== 'unposted')
    throw ruleViolation(`write-off ${id} is ${row.status}; only an unposted journal can be posted`, [
      { path: 'status', message: row.status },
    ]);
  const items = await itemsOfWriteOff(tx.db, id);
  const current = await findTransactionsByIds(
    tx.db,
    items.map((i) => i.transaction_id),
    lockRows(tx),
  );
  const errors: ErrorDetail[] = [];
  for (const i of items) {
    const t = current.get(i.transaction_id)!;
    if (t.canceled) errors.push({ path: i.transaction_id, message: 'was canceled since the draft' });
    else if (toBigInt(t.open_amount) !== toBigInt(i.open_amount))
      errors.push({
        path: i.transaction_id,
        message: `open amount is ${formatMoney(toBigInt(t.open_amount))}, the draft has ${formatMoney(toBigInt(i.open_amount))}`,
      });
  }
  refuseIf(errors, `write-off ${id} no longer matches the ledger; create a new one`);
  const lines = await linesOfWriteOff(tx.db, id);
  const customerLines = lines.filter((l) => l.line_type === 'customer');
  const settlementIds: string[] = [];
  for (const [n, l] of customerLines.entries()) {
    const amount = toBigInt(l.debit) - toBigInt(l.credit);
    const txnId = `${id}-${n + 1}`;
    await appendTransactions(
      tx,
      [
        {
          id: txnId,
          customerId: row.customer_id,
          type: 'writeOff',
          amount,
          currency: l.currency,
          transDate: row.date,
          dueDate: row.date,
          source: 'writeOff',
          sourceRef: id,
        },
      ],
      { ceiling: 'settledAtOnce' },
    );
    await updateWriteOffLine(tx.db, id, l.line_no, { transaction_id: txnId });
    const group = items
      .filter((i) => current.get(i.transaction_id)!.currency === l.currency)
      .map((i) => ({ id: i.transaction_id, open: toBigInt(i.open_amount) }));
    const all = [...group, { id: txnId, open: amount }];
    for (const s of await settleAll(
      tx,
      settlementPairs(all, all).map((p) => ({ ...p, date: row.date })),
    ))
      settlementIds.push(s.id);
  }
  return saveStatus(
    tx,
    row,
    { status: 'posted', posted_date: row.date, settlement_ids: JSON.stringify(settlementIds) },
    'writeOff.post',
  );
}

/** Reverses a posted write-off: its settlements are reversed and its entries offset (§3.4). */
export async function reverseWriteOff(tx: Tx, id: string, input: { date?: string | undefined }): Promise<WriteOffJson> {
  const row = await lockedWriteOff(tx, id);
  if (row.status !== 'posted')
    throw ruleViolation(`write-off ${id} is ${row.status}; only a posted journal can be reversed`, [
      { path: 'status', message: row.status },
    ]);
  const date = input.date ?? row.date;
  if (date < row.date)
    throw ruleViolation(`the reversal date ${date} is before the write-off's date ${row.date}`, [
      { path: 'date', message: `must be on or after ${row.date}` },
    ]);
  // Settlements an NSF (or another reversal) undid since are left as they are.
  const posted = JSON.parse(row.settlement_ids) as string[];
  const undone = await reversedSettlementIds(tx.db, posted);
  const reversals = (
    await reverseSettlements(
      tx,
      posted.filter((sid) => !undone.has(sid)),
      date,
    )
  ).map((r) => r.id);
  for (const l of await linesOfWriteOff(tx.db, id, 'customer')) {
    const entry = (await findTransaction(tx.db, l.transaction_id!, lockRows(tx)))!;
    const open = toBigInt(entry.open_amount);
    if (open === 0n) continue;
    const reversalId = `${l.transaction_id}-R`;
    await appendTransactions(
      tx,
      [
        {
          id: reversalId,
          customerId: row.customer_id,
          type: 'writeOff',
          amount: -open,
          currency: l.currency,
          transDate: date,
          dueDate: date,
          source: 'writeOffReversal',
          sourceRef: id,
        },
      ],
      { ceiling: 'settledAtOnce' },
    );
    await updateWriteOffLine(tx.db, id, l.line_no, { reversal_transaction_id: reversalId });
    const pair = open > 0n ? { debitId: entry.id, creditId: reversalId } : { debitId: reversalId, creditId: entry.id };
    reversals.push((await settle(tx, { ...pair, amount: open > 0n ? open : -open, date })).id);
  }
  // The reopened items count towards the customer's ceiling again (server/ledger/ceiling.ts).
  await requireLedgerWithinCeiling(tx, row.customer_id);
  return saveStatus(
    tx,
    row,
    { status: 'reversed', reversed_date: date, reversal_settlement_ids: JSON.stringify(reversals) },
    'writeOff.reverse',
  );
}

export async function getWriteOff(db: Db, id: string): Promise<WriteOffJson> {
  const row = await findWriteOff(db, id);
  if (!row) throw notFound('write-off', id);
  return writeOffToJson(db, row);
}

export async function listWriteOffs(
  db: Db,
  q: { customerId?: string; limit: number; after?: string },
): Promise<WriteOffJson[]> {
  const out: WriteOffJson[] = [];
  for (const r of await listWriteOffRows(db, q)) out.push(await writeOffToJson(db, r));
  return out;
}
