import type { z } from '@hono/zod-openapi';
import type { Reader } from '../../db/prepared-sql';
import { toBigInt } from '../../db/values';
import { getParameters } from '../../credit/parameters/parameters.service';
import { getCustomerWithCredit } from '../../customers/customers.service';
import { transactionRowToTransaction } from '../../ledger/ledger.repository';
import { summarizeOverdue } from '../../../shared/credit/blocking-rules';
import {
  ageCustomer,
  amountInView,
  type AgingCriteria,
  type AgingItem,
  type CreditPlacement,
  type CurrencyView,
} from '../../../shared/collections/aging';
import { daysBetween } from '../../../shared/dates';
import { formatMoney } from '../../../shared/money';
import { listActivitiesOfCustomer } from '../activities/activities.service';
import { caseIdsByTransaction } from '../cases/cases.repository';
import { listCasesOfCustomer } from '../cases/cases.service';
import { ledgerChangesAfter, snapshotRows } from '../aging/aging.repository';
import { customerViewMissing, snapshotToJson } from '../aging/aging.json-writer';
import { chooseDefinition, noCustomerView } from '../aging/aging.service';
import { rateBook } from '../../exchange-rates/exchange-rates.service';
import { adjustmentHistoryOfCustomer, feesOfCustomer, interestNotesOfCustomer } from '../money/money.repository';
import { transactionsOfCustomer } from './customer-page.repository';
import type { CollectionsPageQuery } from './customer-page.schema';

/** Whole calendar months from `from` to `to` (2024-01-31 → 2024-02-29 is 0, → 2024-03-31 is 2). */
function wholeMonths(from: string, to: string): number {
  const [y1, m1, d1] = from.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = to.split('-').map(Number) as [number, number, number];
  return Math.max(0, (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0));
}

/**
 * The Collections page of one customer in one call (collections.md §3.6, §5 coordinator
 * workspace; SPEC §5): the customer with its credit summary, the current snapshot row and a live
 * aging computed now from the open items with the same pure function, the transactions with their
 * collection status and cases, activities and cases, interest notes (drafts too), posted fees and
 * the adjustment history (collections money operations).
 *
 * The summary amounts, the snapshot row and the live aging are totals across transactions: in the
 * accounting currency (the company view), or with `currency=customer` in the customer's currency
 * (§2.3, the FactBox switch: the live aging and summary at the rate on today, the snapshot row as
 * its run converted it). Each states its currency; the transactions keep their own.
 */
export async function collectionsPage(r: Reader, id: string, q: z.output<typeof CollectionsPageQuery>) {
  const customer = await getCustomerWithCredit(r, id);
  const today = r.today;
  const params = (await getParameters(r)).values;
  const def = await chooseDefinition(r, q.definitionId, null);
  const [rows, activities, cases, caseIds, [snap], interestNotes, fees, adjustmentHistory] = await Promise.all([
    transactionsOfCustomer(r.db, id, q.transactions),
    listActivitiesOfCustomer(r.db, id),
    listCasesOfCustomer(r.db, id),
    caseIdsByTransaction(r.db, id),
    snapshotRows(r, def.id, id),
    interestNotesOfCustomer(r.db, id),
    feesOfCustomer(r.db, id),
    adjustmentHistoryOfCustomer(r.db, id),
  ]);
  const open = rows.filter((t) => toBigInt(t.open_amount) !== 0n);
  const criteria: AgingCriteria = (snap?.criteria as AgingCriteria | undefined) ?? 'dueDate';
  const placement: CreditPlacement = (snap?.credit_placement as CreditPlacement | undefined) ?? params.creditPlacement;
  const accounting = params.accountingCurrency;
  const currency = q.currency === 'customer' ? String(customer.currency) : accounting;
  let view: CurrencyView | undefined;
  if (currency !== accounting) view = { currency, rate: (await rateBook(r)).require(currency, today, 'currency') };
  if (snap && q.currency === 'customer' && customerViewMissing(snap, snap)) throw noCustomerView(snap, snap);
  const items = open.map((t): AgingItem & { disputed: boolean } => ({
    id: t.id,
    amount: toBigInt(t.open_amount_accounting),
    currency: t.currency,
    amountCur: toBigInt(t.open_amount),
    dueDate: t.due_date,
    transDate: t.trans_date,
    documentDate: t.document_date,
    disputed: t.collection_status === 'disputed',
  }));
  const live = ageCustomer({ definition: def, asOf: today, criteria, creditPlacement: placement, items, view });
  let stale = false;
  if (snap) stale = ((await ledgerChangesAfter(r, Number(snap.seq))).get(id) ?? 0) > Number(snap.seq);
  // The same overdue measure the credit engine's days-overdue and overdue-amount rules use.
  const { overdueAmount, oldestOverdueDueDate } = summarizeOverdue(
    items.map((t) => ({ dueDate: t.dueDate, openAmount: amountInView(t, view) })),
    today,
  );
  let disputed = 0n;
  for (const t of items) if (t.disputed) disputed += amountInView(t, view);
  const since = customer.customerSince as string | null | undefined;
  return {
    customer,
    summary: {
      currency,
      openInvoices: open.filter((t) => t.type === 'invoice').length,
      overdueAmount: formatMoney(overdueAmount),
      oldestOverdueDays: oldestOverdueDueDate === null ? null : daysBetween(oldestOverdueDueDate, today),
      disputedAmount: formatMoney(disputed),
      monthsAsCustomer: since ? wholeMonths(since, today) : null,
    },
    aging: {
      definitionId: def.id,
      periods: def.lines.map((l) => l.label),
      snapshot: snap ? snapshotToJson(snap, def, stale, q.currency) : null,
      live: {
        asOf: today,
        currency,
        criteria,
        creditPlacement: placement,
        amountDue: formatMoney(live.amountDue),
        buckets: live.buckets.map((b) => ({ label: b.label, amount: formatMoney(b.amount) })),
        unbucketedAmount: formatMoney(live.unbucketedAmount),
        indicator: live.indicator,
      },
    },
    transactions: rows.map((t) => ({ ...transactionRowToTransaction(t), caseIds: caseIds.get(t.id) ?? [] })),
    activities,
    cases,
    interestNotes,
    fees,
    adjustmentHistory,
  };
}
