import type { z } from '@hono/zod-openapi';
import type { Reader } from '../../db/prepared-sql';
import { toBigInt } from '../../db/values';
import { getParameters } from '../../credit/parameters/parameters.service';
import { getCustomerWithCredit } from '../../customers/customers.service';
import { transactionRowToTransaction } from '../../ledger/ledger.repository';
import { summarizeOverdue } from '../../../shared/credit/blocking-rules';
import { ageCustomer, type AgingCriteria, type CreditPlacement } from '../../../shared/collections/aging';
import { daysBetween } from '../../../shared/dates';
import { formatMoney } from '../../../shared/money';
import { listActivitiesOfCustomer } from '../activities/activities.service';
import { caseIdsByTransaction } from '../cases/cases.repository';
import { listCasesOfCustomer } from '../cases/cases.service';
import { ledgerChangesAfter, snapshotRows } from '../aging/aging.repository';
import { snapshotToJson } from '../aging/aging.json-writer';
import { chooseDefinition } from '../aging/aging.service';
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
  const live = ageCustomer({
    definition: def,
    asOf: today,
    criteria,
    creditPlacement: placement,
    items: open.map((t) => ({
      id: t.id,
      amount: toBigInt(t.open_amount),
      dueDate: t.due_date,
      transDate: t.trans_date,
      documentDate: t.document_date,
    })),
  });
  let stale = false;
  if (snap) stale = ((await ledgerChangesAfter(r, Number(snap.seq))).get(id) ?? 0) > Number(snap.seq);
  // The same overdue measure the credit engine's days-overdue and overdue-amount rules use.
  const { overdueAmount, oldestOverdueDueDate } = summarizeOverdue(
    open.map((t) => ({ dueDate: t.due_date, openAmount: toBigInt(t.open_amount) })),
    today,
  );
  let disputed = 0n;
  for (const t of open) if (t.collection_status === 'disputed') disputed += toBigInt(t.open_amount);
  const since = customer.customerSince as string | null | undefined;
  return {
    customer,
    summary: {
      openInvoices: open.filter((t) => t.type === 'invoice').length,
      overdueAmount: formatMoney(overdueAmount),
      oldestOverdueDays: oldestOverdueDueDate === null ? null : daysBetween(oldestOverdueDueDate, today),
      disputedAmount: formatMoney(disputed),
      monthsAsCustomer: since ? wholeMonths(since, today) : null,
    },
    aging: {
      definitionId: def.id,
      periods: def.lines.map((l) => l.label),
      snapshot: snap ? snapshotToJson(snap, def, stale) : null,
      live: {
        asOf: today,
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
