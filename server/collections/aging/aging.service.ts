import { changeCounter, type Actor, type Tx } from '../../db/transaction';
import type { Reader } from '../../db/prepared-sql';
import { toBigInt } from '../../db/values';
import { notFound, ruleViolation } from '../../http/errors';
import { decodeCursor, encodeCursor } from '../../http/paging';
import { requireSetupRow, type SetupJson } from '../../credit/setup/setup.resource';
import { getParameters } from '../../credit/parameters/parameters.service';
import {
  ageCustomer,
  periodRanges,
  type AgingCriteria,
  type AgingDefinition,
  type AgingItem,
  type CreditPlacement,
} from '../../../shared/collections/aging';
import { matchesPool, readsSnapshot, type PoolCriterion } from '../../../shared/collections/pools';
import { formatMoney, type Money } from '../../../shared/money';
import { definitionsOf, poolsOf, toAgingDefinition } from '../setup/setup.kinds';
import { loadCustomerFacts } from '../snapshots/snapshots.repository';
import { requireDefinition, runSnapshot } from '../snapshots/snapshots.service';
import {
  ledgerChangesAfter,
  listRows,
  openAmountsAsOf,
  removedSnapshotCustomers,
  runsOf,
  snapshotRows,
} from './aging.repository';
import { AgingRowWriter, customerViewMissing, snapshotAmounts, snapshotToJson } from './aging.json-writer';
import { formatMinorUnits } from '../../../shared/money';
import { choosePool, NO_CUSTOMER_FIELDS, poolSnapshot } from './pools';
import type { AgingCurrency, AgingRowJson } from './aging.schema';
import { missingRateMessage, rateBook } from '../../exchange-rates/exchange-rates.service';

// ---------------------------------------------------------------------------------------------
// Which definition (collections.md §2.1)

/** The definition the list uses: the one asked for, else the pool's, else the parameter default, else the first (§2.1). */
export async function chooseDefinition(
  r: Reader,
  definitionId: string | undefined,
  pool: SetupJson | null,
): Promise<AgingDefinition> {
  if (definitionId !== undefined) return requireDefinition(r, definitionId);
  const fromPool = pool?.definitionId as string | null | undefined;
  if (fromPool) return requireDefinition(r, fromPool, 'poolId');
  const fallback = (await getParameters(r)).values.defaultAgingDefinitionId;
  if (fallback) return requireDefinition(r, fallback, 'defaultAgingDefinitionId');
  const first = [...(await definitionsOf(r)).values()].sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  if (!first)
    throw ruleViolation('no aging definition exists yet; create one with PUT /api/v1/aging-definitions/{id}', [
      { path: 'definitionId', message: 'no definition exists' },
    ]);
  return toAgingDefinition(first);
}

/** The date range of every period line of a definition for an as-of date (the setup preview). */
export async function definitionPeriods(r: Reader, id: string, asOf: string) {
  const def = toAgingDefinition(await requireSetupRow(r.db, 'agingDefinition', 'aging definition', id));
  const ranges = periodRanges(def, asOf);
  return {
    definitionId: id,
    asOf,
    periods: def.lines.map((l, i) => ({
      label: l.label,
      unit: l.unit,
      interval: l.interval,
      indicator: l.indicator ?? null,
      from: ranges[i]!.from,
      to: ranges[i]!.to,
    })),
  };
}

/** The customers a pool holds now (collections pools: against the current snapshot of the pool's definition). */
export async function poolCustomers(r: Reader, id: string, definitionId: string | undefined) {
  const pool = (await poolsOf(r)).get(id);
  if (!pool) throw notFound('pool', id);
  const criteria = pool.criteria as PoolCriterion[];
  const facts = await loadCustomerFacts(r);
  if (pool.type === 'agingSnapshot') {
    const items = [...facts.values()]
      .filter((f) => matchesPool(criteria, f, null))
      .map((f) => ({ customerId: f.customerId, name: String(f.name), amountDue: null, currency: null }));
    return { poolId: id, definitionId: null, items };
  }
  const def = await chooseDefinition(r, definitionId, pool);
  const items = [];
  for (const row of await snapshotRows(r, def.id)) {
    const f = facts.get(row.customer_id);
    if (f && matchesPool(criteria, f, poolSnapshot(row, def, snapshotAmounts(row))))
      items.push({
        customerId: row.customer_id,
        name: String(f.name),
        amountDue: formatMinorUnits(row.amount_due),
        currency: row.currency,
      });
  }
  return { poolId: id, definitionId: def.id, items };
}

// ---------------------------------------------------------------------------------------------
// Snapshots (collections.md §2.4)

export interface TakeSnapshotInput {
  definitionId?: string | undefined;
  asOf?: string | undefined;
  criteria: AgingCriteria;
  creditPlacement?: CreditPlacement | undefined;
  poolId?: string | null | undefined;
  includeZeroBalance: boolean;
  updateCollectionStatus: boolean;
}

/** Computes and stores the snapshot of a definition (the parameter defaults where the request leaves them out). */
export async function takeSnapshot(tx: Tx, body: TakeSnapshotInput) {
  const params = (await getParameters(tx)).values;
  const def = await chooseDefinition(tx, body.definitionId, null);
  const asOf = body.asOf ?? tx.today;
  const outcome = await runSnapshot(tx, {
    ...body,
    definitionId: def.id,
    asOf,
    creditPlacement: body.creditPlacement ?? params.creditPlacement,
  });
  return { definitionId: def.id, asOf, ...outcome };
}

/**
 * Updates one customer's snapshot with today's date (§2.4 step 8), keeping the criteria and
 * credit placement of its current row (else the defaults) and a zero balance on screen.
 */
export async function refreshCustomerSnapshot(
  tx: Tx,
  customerId: string,
  definitionId: string | undefined,
): Promise<{ row: AgingRowJson; version: number }> {
  const params = (await getParameters(tx)).values;
  const def = await chooseDefinition(tx, definitionId, null);
  const [current] = await snapshotRows(tx, def.id, customerId);
  await runSnapshot(tx, {
    definitionId: def.id,
    asOf: tx.today,
    criteria: (current?.criteria as AgingCriteria | undefined) ?? 'dueDate',
    creditPlacement: (current?.credit_placement as CreditPlacement | undefined) ?? params.creditPlacement,
    includeZeroBalance: true,
    updateCollectionStatus: false,
    customerIds: [customerId],
  });
  const [row] = await snapshotRows(tx, def.id, customerId);
  return { row: snapshotToJson(row!, def, false), version: row!.version };
}

// ---------------------------------------------------------------------------------------------
// The aging list (§5)

export interface AgingListQuery {
  definitionId?: string;
  poolId?: string;
  /** Default `accounting` (the company view). */
  currency?: AgingCurrency;
  since?: number;
  limit: number;
  cursor?: string;
}

/**
 * The aging list of §5 (GET /aging; also what the aging export writes): the rows as JSON text
 * and the list's header fields. Pools match on the stored accounting-currency amounts whatever the
 * view. In the customer view a row whose run found no rate for its customer's currency is a 422
 * naming the currency and the run's as-of date (collections.md §2.3).
 */
export async function agingListText(r: Reader, actor: Actor, q: AgingListQuery) {
  const after = decodeCursor(q.cursor) ?? '';
  const lastSeq = Number(await changeCounter(r));
  const choice = await choosePool(r, actor, q.poolId);
  const def = await chooseDefinition(r, q.definitionId, choice.pool);
  const criteria = (choice.pool?.criteria as PoolCriterion[] | undefined) ?? [];
  const [rows, runRows, facts] = await Promise.all([
    listRows(r, def.id, after),
    runsOf(r, def.id),
    criteria.some((x) => !readsSnapshot(x)) ? loadCustomerFacts(r) : null,
  ]);
  const runs = new Map(runRows.map((x) => [Number(x.seq), x]));
  const used = new Set<number>();
  const currencyView = q.currency ?? 'accounting';
  const writer = new AgingRowWriter(def, currencyView);
  let minSeq = Infinity;
  for (const row of rows) minSeq = Math.min(minSeq, Number(row.seq));
  const changed = rows.length
    ? await ledgerChangesAfter(r, Math.min(minSeq, q.since ?? minSeq))
    : new Map<string, number>();
  const items: string[] = [];
  let last: string | null = null;
  let more = false;
  for (const row of rows) {
    const ledgerSeq = changed.get(row.customer_id);
    const seq = Number(row.seq);
    if (q.since !== undefined && seq <= q.since && !(ledgerSeq !== undefined && ledgerSeq > q.since)) continue;
    if (
      criteria.length &&
      !matchesPool(
        criteria,
        facts?.get(row.customer_id) ?? NO_CUSTOMER_FIELDS,
        poolSnapshot(row, def, snapshotAmounts(row)),
      )
    )
      continue;
    if (items.length === q.limit) {
      more = true;
      break;
    }
    const run = runs.get(seq)!;
    if (currencyView === 'customer' && customerViewMissing(row, run)) throw noCustomerView(row, run);
    items.push(writer.text(row, run, ledgerSeq !== undefined && ledgerSeq > seq));
    used.add(seq);
    last = row.customer_id;
  }
  let removed: string[] | undefined;
  if (q.since !== undefined) {
    const present = new Set(rows.map((x) => x.customer_id));
    removed = (await removedSnapshotCustomers(r, def.id, q.since)).filter((id) => !present.has(id));
  }
  return {
    definitionId: def.id,
    currencyView,
    periods: def.lines.map((l) => l.label),
    poolId: choice.pool?.id ?? null,
    pools: choice.offered,
    lastSeq,
    // The runs the rows come from (a refresh is a run of one customer): how they were aged.
    runs: [...used]
      .sort((a, b) => a - b)
      .map((seq) => {
        const run = runs.get(seq)!;
        return {
          snapshotAt: run.processed_at,
          asOf: run.as_of,
          criteria: run.criteria,
          creditPlacement: run.credit_placement,
          currency: run.currency,
          processedBy: run.processed_by,
        };
      }),
    items,
    removed,
    nextCursor: more && last !== null ? encodeCursor(last) : null,
  };
}

/** The 422 of a snapshot row whose customer-currency view the run could not compute (no rate on its as-of date). */
export function noCustomerView(row: { customer_id: string; customer_currency: string }, run: { as_of: string }) {
  const message = `${missingRateMessage(row.customer_currency, run.as_of)}, then run the aging snapshot again: the customer-currency amounts of customer ${row.customer_id} are converted when the run writes its row`;
  return ruleViolation(message, [{ path: 'currency', message }]);
}

/** The same list as plain objects (the export and tests). */
export async function agingList(r: Reader, actor: Actor, q: AgingListQuery) {
  const list = await agingListText(r, actor, q);
  return { ...list, items: list.items.map((x) => JSON.parse(x) as AgingRowJson) };
}

// ---------------------------------------------------------------------------------------------
// The historical aged-balance report (§2.3, E32)

/** The totals of the report's rows in one currency. */
interface CurrencyTotals {
  currency: string;
  amountDue: Money;
  buckets: Money[];
}

/**
 * The aged balances as they stood on `balanceAsOf`: every transaction posted by then, at its open
 * amounts after the settlements dated on or before it (a settlement dated later is undone; a
 * reversal row, `reverses_id` set, gives its amounts back from its own date on), aged as
 * of `asOf`. Unlike the snapshot, an invoice paid since is still there (collections.md §2.3, §7).
 *
 * The company view ages the open amounts in the accounting currency (rebuilt from
 * `amount_accounting` and the AC each settlement moved) and totals them in it. The customer view
 * shows each customer in its own currency (§2.3: an item in that currency at its rebuilt TC open
 * amount, any other at its AC open amount converted at the rate on `asOf`; a customer whose
 * currency has none is a 422 naming the currency and date) and totals per currency, never adding
 * two currencies together.
 */
async function agingReport(
  r: Reader,
  q: {
    definition: AgingDefinition;
    asOf: string;
    balanceAsOf: string;
    criteria: AgingCriteria;
    creditPlacement: CreditPlacement;
    customerId?: string;
    currency: AgingCurrency;
  },
) {
  const [rows, book] = await Promise.all([openAmountsAsOf(r, q.balanceAsOf, q.customerId), rateBook(r)]);
  const byCustomer = new Map<string, AgingItem[]>();
  for (const row of rows) {
    const open = toBigInt(row.open);
    if (open === 0n) continue;
    let list = byCustomer.get(row.customer_id);
    if (!list) byCustomer.set(row.customer_id, (list = []));
    list.push({
      id: row.id,
      amount: toBigInt(row.open_accounting),
      currency: row.currency,
      amountCur: open,
      dueDate: row.due_date,
      transDate: row.trans_date,
      documentDate: row.document_date,
    });
  }
  const facts = await loadCustomerFacts(r, [...byCustomer.keys()]);
  const accounting = book.accountingCurrency;
  const totals = new Map<string, CurrencyTotals>();
  const totalsOf = (currency: string) => {
    let t = totals.get(currency);
    if (!t) totals.set(currency, (t = { currency, amountDue: 0n, buckets: q.definition.lines.map(() => 0n) }));
    return t;
  };
  // The company view has its one total even when nothing is open.
  if (q.currency === 'accounting') totalsOf(accounting);
  const items = [...byCustomer].map(([customerId, list]) => {
    const fact = facts.get(customerId);
    const currency = q.currency === 'customer' ? (fact?.currency ?? accounting) : accounting;
    const view = q.currency === 'customer' ? { currency, rate: book.require(currency, q.asOf, 'currency') } : undefined;
    const aged = ageCustomer({
      definition: q.definition,
      asOf: q.asOf,
      criteria: q.criteria,
      creditPlacement: q.creditPlacement,
      items: list,
      view,
    });
    const total = totalsOf(currency);
    aged.buckets.forEach((b, i) => (total.buckets[i]! += b.amount));
    total.amountDue += aged.amountDue;
    return {
      customerId,
      name: fact?.name ?? customerId,
      currency,
      amountDue: formatMoney(aged.amountDue),
      buckets: aged.buckets.map((b) => ({ label: b.label, amount: formatMoney(b.amount) })),
      unbucketedAmount: formatMoney(aged.unbucketedAmount),
      indicator: aged.indicator,
    };
  });
  const totalJson = (t: CurrencyTotals) => ({
    currency: t.currency,
    amountDue: formatMoney(t.amountDue),
    buckets: q.definition.lines.map((l, i) => ({ label: l.label, amount: formatMoney(t.buckets[i]!) })),
  });
  const totalsByCurrency = [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)).map(totalJson);
  return {
    definitionId: q.definition.id,
    asOf: q.asOf,
    balanceAsOf: q.balanceAsOf,
    criteria: q.criteria,
    creditPlacement: q.creditPlacement,
    currencyView: q.currency,
    items,
    totals: q.currency === 'accounting' ? totalsByCurrency[0]! : null,
    totalsByCurrency,
  };
}

/** The report as asked for: the definition, dates and credit placement default as on the list (§2.1). */
export async function agingReportFor(
  r: Reader,
  q: {
    definitionId?: string | undefined;
    asOf?: string | undefined;
    balanceAsOf?: string | undefined;
    criteria: AgingCriteria;
    creditPlacement?: CreditPlacement | undefined;
    customerId?: string | undefined;
    currency?: AgingCurrency | undefined;
  },
) {
  const asOf = q.asOf ?? r.today;
  const definition = await chooseDefinition(r, q.definitionId, null);
  const creditPlacement = q.creditPlacement ?? (await getParameters(r)).values.creditPlacement;
  return agingReport(r, {
    definition,
    asOf,
    balanceAsOf: q.balanceAsOf ?? asOf,
    criteria: q.criteria,
    creditPlacement,
    customerId: q.customerId,
    currency: q.currency ?? 'accounting',
  });
}
