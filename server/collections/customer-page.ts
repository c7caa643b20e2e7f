import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { errorResponses, jsonResponse, register } from '../http/openapi';
import { Id, IdParam } from '../http/schemas';
import { requestReader } from '../http/reader';
import { getParameters } from '../credit/parameters/parameters.service';
import { getCustomerWithCredit } from '../customers/customers.service';
import { CustomerWithCreditSchema } from '../customers/customers.schema';
import { TransactionSchema } from '../ledger/ledger.schema';
import { transactionRowToTransaction } from '../ledger/ledger.repository';
import { toBigInt } from '../db/values';
import { summarizeOverdue } from '../../shared/credit/blocking-rules';
import { ageCustomer, type AgingCriteria, type CreditPlacement } from '../../shared/collections/aging';
import { daysBetween, todayUtc } from '../../shared/dates';
import { formatMoney } from '../../shared/money';
import { ActivitySchema, listActivitiesOfCustomer } from './activities';
import { CaseSchema, caseIdsByTransaction, listCasesOfCustomer } from './cases';
import { chooseDefinition, ledgerChangesAfter, snapshotRows, snapshotToJson } from './aging.routes';
import { AdjustmentHistorySchema, adjustmentHistoryOfCustomer, FeeSchema, feesOfCustomer, InterestNoteSchema, interestNotesOfCustomer } from './money/read';

/**
 * The Collections page of one customer in one call (collections.md §3.6, §5 coordinator
 * workspace; SPEC §5): the customer with its credit summary, the current snapshot row and a live
 * aging computed now from the open items with the same pure function, the transactions with their
 * collection status and cases, activities and cases, interest notes (drafts too), posted fees and
 * the adjustment history (collections money operations).
 */
const Bucket = z.object({ label: z.string(), amount: z.string() });

const CollectionsPageSchema = z
  .object({
    customer: CustomerWithCreditSchema,
    summary: z.object({
      openInvoices: z.number(),
      overdueAmount: z.string(),
      oldestOverdueDays: z.number().nullable(),
      disputedAmount: z.string(),
      monthsAsCustomer: z.number().nullable(),
    }),
    aging: z.object({
      definitionId: z.string(),
      periods: z.array(z.string()),
      snapshot: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'the current snapshot row (as in GET /aging), or null when the customer has none' }),
      live: z.object({ asOf: z.string(), criteria: z.string(), creditPlacement: z.string(), amountDue: z.string(), buckets: z.array(Bucket), unbucketedAmount: z.string(), indicator: z.string().nullable() }),
    }),
    transactions: z.array(TransactionSchema.extend({ caseIds: z.array(z.string()) })),
    activities: z.array(ActivitySchema),
    cases: z.array(CaseSchema),
    interestNotes: z.array(InterestNoteSchema),
    fees: z.array(FeeSchema),
    adjustmentHistory: z.array(AdjustmentHistorySchema),
  })
  .openapi('CustomerCollectionsPage');

/** Whole calendar months from `from` to `to` (2024-01-31 → 2024-02-29 is 0, → 2024-03-31 is 2). */
function wholeMonths(from: string, to: string): number {
  const [y1, m1, d1] = from.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = to.split('-').map(Number) as [number, number, number];
  return Math.max(0, (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0));
}

export function customerPageRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/collections',
      tags: ['Collections'],
      summary: 'Everything on the Collections page of one customer, in one call',
      request: {
        params: IdParam,
        query: z.object({
          definitionId: Id.optional().openapi({ description: 'default: the parameter defaultAgingDefinitionId, else the first definition' }),
          transactions: z.enum(['open', 'all']).default('open').openapi({ description: 'open items only (default), or open and closed' }),
        }),
      },
      responses: { 200: jsonResponse(CollectionsPageSchema), ...errorResponses },
    }),
    async (c) => {
      const r = requestReader(c);
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const customer = await getCustomerWithCredit(r, id);
      const today = todayUtc();
      const params = (await getParameters(r)).values;
      const def = await chooseDefinition(r, q.definitionId, null);
      let txq = r.db.selectFrom('transactions').selectAll().where('customer_id', '=', id).orderBy('trans_date').orderBy('id');
      if (q.transactions === 'open') txq = txq.where('open_amount', '<>', 0);
      const [rows, activities, cases, caseIds, [snap], interestNotes, fees, adjustmentHistory] = await Promise.all([
        txq.execute(),
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
        items: open.map((t) => ({ id: t.id, amount: toBigInt(t.open_amount), dueDate: t.due_date, transDate: t.trans_date, documentDate: t.document_date })),
      });
      let stale = false;
      if (snap) stale = ((await ledgerChangesAfter(r, Number(snap.seq))).get(id) ?? 0) > Number(snap.seq);
      // The same overdue measure the credit engine's days-overdue and overdue-amount rules use.
      const { overdueAmount, oldestOverdueDueDate } = summarizeOverdue(open.map((t) => ({ dueDate: t.due_date, openAmount: toBigInt(t.open_amount) })), today);
      let disputed = 0n;
      for (const t of open) if (t.collection_status === 'disputed') disputed += toBigInt(t.open_amount);
      const since = customer.customerSince as string | null | undefined;
      return c.json({
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
      });
    },
  );
}
