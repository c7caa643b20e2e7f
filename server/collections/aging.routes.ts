import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { changeCounter, type Actor } from '../db/transaction';
import { sqlAll, sqlRows, type Reader } from '../db/prepared-sql';
import { toBigInt, toBigIntOrNull } from '../db/values';
import { guard, CAN } from '../http/auth';
import { command } from '../http/command';
import { notFound, ruleViolation } from '../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { decodeCursor, encodeCursor } from '../http/paging';
import { DateIn, DateOut, Id, IdParam, MoneyOut, SinceQuery, Timestamp } from '../http/schemas';
import { registerSetupKind, requireSetupRow, type SetupJson } from '../credit/setup/setup.resource';
import { getParameters } from '../credit/parameters/parameters.service';
import { requestReader } from '../http/reader';
import { ageCustomer, periodRanges, type AgingCriteria, type AgingDefinition, type AgingItem, type CreditPlacement } from '../../shared/collections/aging';
import { matchesPool, readsSnapshot, type PoolCriterion, type PoolCustomer, type PoolSnapshot } from '../../shared/collections/pools';
import { todayUtc } from '../../shared/dates';
import { formatMoney, parseMoney } from '../../shared/money';
import { agentsOf, AGING_SNAPSHOT, COLLECTIONS_SETUP_KINDS, definitionsOf, poolsOf, toAgingDefinition } from './setup';
import { loadCustomerFacts, requireDefinition, runSnapshot } from './snapshots';

const TAG = 'Collections';
const Criteria = z.enum(['dueDate', 'transactionDate', 'documentDate']);
const Placement = z.enum(['ownDate', 'oldestFirst']);

// ---------------------------------------------------------------------------------------------
// Which definition and which pool (collections.md §2.1, §5)

export interface OfferedPool {
  id: string;
  name: string;
  isDefault: boolean;
}

export interface PoolChoice {
  /** The pools the caller's picker offers (empty for non-agents: they cannot filter by pool). */
  offered: OfferedPool[];
  /** The pool applied to the list, or null (every customer with a snapshot). */
  pool: SetupJson | null;
}

/**
 * The pool visibility rules of §5: a user who is not an agent sees every customer and cannot
 * filter by pool; an agent with pools is offered those (plus every collections pool with
 * allowViewAllPools) and gets the default pool when none is asked for; an agent without pools sees
 * every customer. Asking for a pool that is not offered is a 422 naming `poolId`.
 */
export async function choosePool(r: Reader, actor: Actor, poolId: string | undefined): Promise<PoolChoice> {
  const agent = actor.userId === null ? undefined : (await agentsOf(r)).get(actor.userId);
  const pools = await poolsOf(r);
  if (!agent) {
    if (poolId !== undefined) throw ruleViolation('only collections agents filter the aging list by pool (collections.md §5); leave poolId out to see every customer', [{ path: 'poolId', message: 'you are not a collections agent' }]);
    return { offered: [], pool: null };
  }
  const own = (agent.poolIds as string[]).filter((id) => pools.has(id));
  const ids = agent.allowViewAllPools ? [...own, ...[...pools.values()].filter((p) => p.type === 'collections' && !own.includes(p.id)).map((p) => p.id)] : own;
  const defaultId = (agent.defaultPoolId as string | null) ?? own[0] ?? null;
  const offered = ids.map((id) => ({ id, name: String(pools.get(id)!.name), isDefault: id === defaultId }));
  if (poolId !== undefined) {
    if (!ids.includes(poolId)) throw ruleViolation(`pool ${poolId} is not one of your pools; you can choose ${ids.join(', ') || 'none'}`, [{ path: 'poolId', message: 'is not offered to you' }]);
    return { offered, pool: pools.get(poolId)! };
  }
  return { offered, pool: defaultId !== null && own.length > 0 ? (pools.get(defaultId) ?? null) : null };
}

/** The definition the list uses: the one asked for, else the pool's, else the parameter default, else the first (§2.1). */
export async function chooseDefinition(r: Reader, definitionId: string | undefined, pool: SetupJson | null): Promise<AgingDefinition> {
  if (definitionId !== undefined) return requireDefinition(r, definitionId);
  const fromPool = pool?.definitionId as string | null | undefined;
  if (fromPool) return requireDefinition(r, fromPool, 'poolId');
  const fallback = (await getParameters(r)).values.defaultAgingDefinitionId;
  if (fallback) return requireDefinition(r, fallback, 'defaultAgingDefinitionId');
  const first = [...(await definitionsOf(r)).values()].sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  if (!first) throw ruleViolation('no aging definition exists yet; create one with PUT /api/v1/aging-definitions/{id}', [{ path: 'definitionId', message: 'no definition exists' }]);
  return toAgingDefinition(first);
}

// ---------------------------------------------------------------------------------------------
// Snapshot rows as the API shows them

interface SnapshotSqlRow {
  definition_id: string;
  customer_id: string;
  seq: number | string;
  amount_due: number | string;
  buckets: string;
  unbucketed_amount: number | string;
  indicator: string | null;
  credit_limit: number | string | null;
  remaining_credit: number | string | null;
  packing_slip_amount: number | string;
  sales_order_amount: number | string;
  disputed_count: number;
  disputed_amount: number | string;
  version: number;
  /** The customer's name (joined). */
  name: string;
  /** The run's fields (joined). */
  as_of: string;
  criteria: string;
  credit_placement: string;
  currency: string;
  processed_at: string;
  processed_by: string | null;
}

const ROW_COLUMNS = `s.definition_id, s.customer_id, s.seq, s.amount_due, s.buckets, s.unbucketed_amount, s.indicator, s.credit_limit, s.remaining_credit,
  s.packing_slip_amount, s.sales_order_amount, s.disputed_count, s.disputed_amount, s.version, c.name`;
const SNAPSHOT_SQL = `select ${ROW_COLUMNS}, r.as_of, r.criteria, r.credit_placement, r.currency, r.processed_at, r.processed_by
  from aging_snapshots s join customers c on c.id = s.customer_id join aging_runs r on r.seq = s.seq where s.definition_id = ?`;

/** The snapshot rows of a definition (or of one customer), ordered by customer id, with their run's fields. */
export function snapshotRows(r: Reader, definitionId: string, customerId?: string): Promise<SnapshotSqlRow[]> {
  return customerId === undefined
    ? sqlAll<SnapshotSqlRow>(r, `${SNAPSHOT_SQL} order by s.customer_id`, [definitionId])
    : sqlAll<SnapshotSqlRow>(r, `${SNAPSHOT_SQL} and s.customer_id = ?`, [definitionId, customerId]);
}

const STALE_SQL = `select t.customer_id as id, max(c.seq) as seq from changes c join transactions t on t.id = c.entity_id
  where c.entity = 'transaction' and c.seq > ? group by t.customer_id`;

/** The sequence of each customer's newest ledger change after `after` (for staleness and `since`). */
export async function ledgerChangesAfter(r: Reader, after: number): Promise<Map<string, number>> {
  const rows = await sqlAll<{ id: string; seq: number | string }>(r, STALE_SQL, [after]);
  return new Map(rows.map((x) => [x.id, Number(x.seq)]));
}

/** The stored period amounts, as the decimal strings the API shows. */
export function snapshotAmounts(row: Pick<SnapshotSqlRow, 'buckets'>): string[] {
  // The stored array holds only decimal strings (no quotes or escapes inside), written by
  // JSON.stringify: splitting its text is the same as parsing it, and cheaper for 10,000 rows.
  return row.buckets.slice(2, -2).split('","');
}

function poolSnapshot(row: ListRow, def: AgingDefinition, amounts: string[]): PoolSnapshot {
  return {
    amountDue: toBigInt(row.amount_due),
    disputedAmount: toBigInt(row.disputed_amount),
    disputedCount: Number(row.disputed_count),
    creditLimit: toBigIntOrNull(row.credit_limit),
    remainingCredit: toBigIntOrNull(row.remaining_credit),
    unbucketedAmount: toBigInt(row.unbucketed_amount),
    periods: new Map(def.lines.map((l, i) => [l.label, parseMoney(amounts[i] ?? '0')])),
  };
}

/**
 * Minor units as the API's decimal string ("123450" → "1234.50") by moving the decimal point in the
 * digits the driver gave (a safe integer from SQLite, a string from PostgreSQL): no arithmetic at
 * all, the same text formatMoney writes, and cheap enough for 10,000 rows × 7 amounts.
 */
const money = (v: number | string | bigint): string => {
  const s = String(v);
  const negative = s.startsWith('-');
  const digits = (negative ? s.slice(1) : s).padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};

type RunFields = Pick<SnapshotSqlRow, 'as_of' | 'criteria' | 'credit_placement' | 'currency' | 'processed_at' | 'processed_by'>;

/**
 * Writes aging rows as JSON text: the run's fields and the bucket labels are encoded once per run
 * and per definition, each row adds only its own values (10,000 rows without building objects).
 */
class RowWriter {
  private readonly labels: string[];
  private readonly runs = new Map<string, { head: string; tail: string }>();
  constructor(def: AgingDefinition) {
    this.labels = def.lines.map((l) => `{"label":${JSON.stringify(l.label)},"amount":"`);
  }
  private run(seq: string, run: RunFields) {
    let parts = this.runs.get(seq);
    if (!parts) {
      parts = {
        head: `"asOf":"${run.as_of}",`,
        tail: `"snapshotAt":"${run.processed_at}",`,
      };
      this.runs.set(seq, parts);
    }
    return parts;
  }
  text(row: Omit<SnapshotSqlRow, keyof RunFields>, run: RunFields, stale: boolean): string {
    const { head, tail } = this.run(String(row.seq), run);
    const amounts = snapshotAmounts(row);
    let buckets = '';
    for (let i = 0; i < this.labels.length; i++) buckets += `${i ? ',' : ''}${this.labels[i]}${amounts[i] ?? '0.00'}"}`;
    // Ids match the Id schema (letters, digits, "_", "." and "-"), so they need no JSON escaping.
    return `{"id":"${row.definition_id}:${row.customer_id}","customerId":"${row.customer_id}","name":${JSON.stringify(row.name)},${head}`
      + `"amountDue":"${money(row.amount_due)}","buckets":[${buckets}],"unbucketedAmount":"${money(row.unbucketed_amount)}","indicator":${JSON.stringify(row.indicator)},${tail}`
      + `"stale":${stale},"creditLimit":${moneyOrNull(row.credit_limit)},"remainingCredit":${moneyOrNull(row.remaining_credit)},"packingSlipAmount":"${money(row.packing_slip_amount)}",`
      + `"salesOrderAmount":"${money(row.sales_order_amount)}","disputedAmount":"${money(row.disputed_amount)}","disputedCount":${Number(row.disputed_count)},"version":${row.version}}`;
  }
}

const moneyOrNull = (v: number | string | null) => (v === null ? 'null' : `"${money(v)}"`);

/** One snapshot row as the API shows it. */
export function snapshotToJson(row: SnapshotSqlRow, def: AgingDefinition, stale: boolean): AgingRowJson {
  return JSON.parse(new RowWriter(def).text(row, row, stale)) as AgingRowJson;
}

const AgingRowSchema = z
  .object({
    id: z.string().openapi({ description: '<definitionId>:<customerId>' }),
    customerId: z.string(),
    name: z.string(),
    asOf: DateOut,
    amountDue: MoneyOut,
    buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })).openapi({ description: 'every period of the definition, oldest first, zero amounts as "0.00"' }),
    unbucketedAmount: MoneyOut.openapi({ description: 'the part of amountDue no period covers (warn when not zero)' }),
    indicator: z.string().nullable(),
    snapshotAt: Timestamp.openapi({ description: 'when the run that wrote the row finished (its `runs` entry in the list)' }),
    stale: z.boolean().openapi({ description: 'a ledger change for this customer is newer than the snapshot' }),
    creditLimit: MoneyOut.nullable().openapi({ description: 'null = unlimited credit' }),
    remainingCredit: MoneyOut.nullable(),
    packingSlipAmount: MoneyOut,
    salesOrderAmount: MoneyOut,
    disputedAmount: MoneyOut,
    disputedCount: z.number(),
    version: z.number(),
  })
  .openapi('AgingRow');
export type AgingRowJson = z.infer<typeof AgingRowSchema>;

/** A pool reading only snapshot fields needs no customer fields. */
const NO_CUSTOMER_FIELDS: PoolCustomer = { customerId: null, name: null, customerGroup: null, currency: null, accountStatusId: null, creditManagementGroupId: null, riskGroupId: null, postingProfile: null, salesGroup: null };

const OfferedPoolSchema = z.object({ id: z.string(), name: z.string(), isDefault: z.boolean() });

const LIST_SQL = `select ${ROW_COLUMNS} from aging_snapshots s join customers c on c.id = s.customer_id
  where s.definition_id = ? and s.customer_id > ? order by s.customer_id`;
const RUNS_SQL = `select seq, as_of, criteria, credit_placement, currency, processed_at, processed_by from aging_runs where definition_id = ?`;

type ListRow = Omit<SnapshotSqlRow, keyof RunFields>;

/** A row read as an array (sqlRows, in ROW_COLUMNS order) as an object built in JS, which is cheaper than the driver's. */
const listRow = (a: unknown[]): ListRow => ({
  definition_id: a[0] as string,
  customer_id: a[1] as string,
  seq: a[2] as number | string,
  amount_due: a[3] as number | string,
  buckets: a[4] as string,
  unbucketed_amount: a[5] as number | string,
  indicator: a[6] as string | null,
  credit_limit: a[7] as number | string | null,
  remaining_credit: a[8] as number | string | null,
  packing_slip_amount: a[9] as number | string,
  sales_order_amount: a[10] as number | string,
  disputed_count: Number(a[11]),
  disputed_amount: a[12] as number | string,
  version: Number(a[13]),
  name: a[14] as string,
});

export interface AgingListQuery {
  definitionId?: string;
  poolId?: string;
  since?: number;
  limit: number;
  cursor?: string;
}

/**
 * The aging list of §5 (GET /aging; also what the aging export writes): the rows as JSON text
 * and the list's header fields.
 */
export async function agingListText(r: Reader, actor: Actor, q: AgingListQuery) {
  const after = decodeCursor(q.cursor) ?? '';
  const lastSeq = Number(await changeCounter(r));
  const choice = await choosePool(r, actor, q.poolId);
  const def = await chooseDefinition(r, q.definitionId, choice.pool);
  const criteria = (choice.pool?.criteria as PoolCriterion[] | undefined) ?? [];
  const [rows, runRows, facts] = await Promise.all([
    sqlRows(r, LIST_SQL, [def.id, after]).then((rows) => rows.map(listRow)),
    sqlAll<RunFields & { seq: number | string }>(r, RUNS_SQL, [def.id]),
    criteria.some((x) => !readsSnapshot(x)) ? loadCustomerFacts(r) : null,
  ]);
  const runs = new Map(runRows.map((x) => [Number(x.seq), x]));
  const used = new Set<number>();
  const writer = new RowWriter(def);
  let minSeq = Infinity;
  for (const row of rows) minSeq = Math.min(minSeq, Number(row.seq));
  const changed = rows.length ? await ledgerChangesAfter(r, Math.min(minSeq, q.since ?? minSeq)) : new Map<string, number>();
  const items: string[] = [];
  let last: string | null = null;
  let more = false;
  for (const row of rows) {
    const ledgerSeq = changed.get(row.customer_id);
    const seq = Number(row.seq);
    if (q.since !== undefined && seq <= q.since && !(ledgerSeq !== undefined && ledgerSeq > q.since)) continue;
    if (criteria.length && !matchesPool(criteria, facts?.get(row.customer_id) ?? NO_CUSTOMER_FIELDS, poolSnapshot(row, def, snapshotAmounts(row)))) continue;
    if (items.length === q.limit) {
      more = true;
      break;
    }
    items.push(writer.text(row, runs.get(seq)!, ledgerSeq !== undefined && ledgerSeq > seq));
    used.add(seq);
    last = row.customer_id;
  }
  let removed: string[] | undefined;
  if (q.since !== undefined) {
    const gone = await sqlAll<{ entity_id: string }>(r, `select entity_id from changes where entity = ? and op = 'delete' and seq > ? and entity_id like ?`, [AGING_SNAPSHOT, q.since, `${def.id}:%`]);
    const present = new Set(rows.map((x) => x.customer_id));
    removed = [...new Set(gone.map((g) => g.entity_id.slice(def.id.length + 1)))].filter((id) => !present.has(id));
  }
  return {
    definitionId: def.id,
    periods: def.lines.map((l) => l.label),
    poolId: choice.pool?.id ?? null,
    pools: choice.offered,
    lastSeq,
    // The runs the rows come from (a refresh is a run of one customer): how they were aged.
    runs: [...used].sort((a, b) => a - b).map((seq) => {
      const run = runs.get(seq)!;
      return { snapshotAt: run.processed_at, asOf: run.as_of, criteria: run.criteria, creditPlacement: run.credit_placement, currency: run.currency, processedBy: run.processed_by };
    }),
    items,
    removed,
    nextCursor: more && last !== null ? encodeCursor(last) : null,
  };
}

/** The same list as plain objects (the export and tests). */
export async function agingList(r: Reader, actor: Actor, q: AgingListQuery) {
  const list = await agingListText(r, actor, q);
  return { ...list, items: list.items.map((x) => JSON.parse(x) as AgingRowJson) };
}

/** GET /aging's body, the header encoded once and the rows spliced in as stored. */
function agingListBody(list: Awaited<ReturnType<typeof agingListText>>): string {
  const head = JSON.stringify({ definitionId: list.definitionId, periods: list.periods, poolId: list.poolId, pools: list.pools, lastSeq: list.lastSeq, runs: list.runs, ...(list.removed ? { removed: list.removed } : {}), nextCursor: list.nextCursor });
  return `${head.slice(0, -1)},"items":[${list.items.join(',')}]}`;
}

// ---------------------------------------------------------------------------------------------
// The historical aged-balance report (§2.3, E32): open amounts rebuilt from settlements

const REPORT_SQL = (oneCustomer: boolean) => `select t.id, t.customer_id, t.due_date, t.trans_date, t.document_date,
    t.amount - coalesce(sd.s, 0) + coalesce(sc.s, 0) as open
  from transactions t
  left join (select debit_id, sum(case when reverses_id is null then amount else -amount end) as s from settlements where settle_date <= ? group by debit_id) sd on sd.debit_id = t.id
  left join (select credit_id, sum(case when reverses_id is null then amount else -amount end) as s from settlements where settle_date <= ? group by credit_id) sc on sc.credit_id = t.id
  where t.trans_date <= ?${oneCustomer ? ' and t.customer_id = ?' : ''}
  order by t.customer_id`;

/**
 * The aged balances as they stood on `balanceAsOf`: every transaction posted by then, at its open
 * amount after the settlements dated on or before it (a settlement dated later is undone; a
 * reversal row, `reverses_id` set, gives its amount back from its own date on), aged as
 * of `asOf`. Unlike the snapshot, an invoice paid since is still there (collections.md §2.3, §7).
 */
export async function agingReport(r: Reader, q: { definition: AgingDefinition; asOf: string; balanceAsOf: string; criteria: AgingCriteria; creditPlacement: CreditPlacement; customerId?: string }) {
  const params: unknown[] = [q.balanceAsOf, q.balanceAsOf, q.balanceAsOf];
  if (q.customerId) params.push(q.customerId);
  const rows = await sqlAll<{ id: string; customer_id: string; due_date: string | null; trans_date: string; document_date: string | null; open: number | string }>(r, REPORT_SQL(!!q.customerId), params);
  const byCustomer = new Map<string, AgingItem[]>();
  for (const row of rows) {
    const open = toBigInt(row.open);
    if (open === 0n) continue;
    let list = byCustomer.get(row.customer_id);
    if (!list) byCustomer.set(row.customer_id, (list = []));
    list.push({ id: row.id, amount: open, dueDate: row.due_date, transDate: row.trans_date, documentDate: row.document_date });
  }
  const facts = await loadCustomerFacts(r, [...byCustomer.keys()]);
  const totals = q.definition.lines.map(() => 0n);
  let totalDue = 0n;
  const items = [...byCustomer].map(([customerId, list]) => {
    const aged = ageCustomer({ definition: q.definition, asOf: q.asOf, criteria: q.criteria, creditPlacement: q.creditPlacement, items: list });
    aged.buckets.forEach((b, i) => (totals[i]! += b.amount));
    totalDue += aged.amountDue;
    return {
      customerId,
      name: facts.get(customerId)?.name ?? customerId,
      amountDue: formatMoney(aged.amountDue),
      buckets: aged.buckets.map((b) => ({ label: b.label, amount: formatMoney(b.amount) })),
      unbucketedAmount: formatMoney(aged.unbucketedAmount),
      indicator: aged.indicator,
    };
  });
  return {
    definitionId: q.definition.id,
    asOf: q.asOf,
    balanceAsOf: q.balanceAsOf,
    criteria: q.criteria,
    creditPlacement: q.creditPlacement,
    items,
    totals: { amountDue: formatMoney(totalDue), buckets: q.definition.lines.map((l, i) => ({ label: l.label, amount: formatMoney(totals[i]!) })) },
  };
}

// ---------------------------------------------------------------------------------------------
// Routes

const SnapshotBody = z
  .strictObject({
    definitionId: Id.optional().openapi({ description: 'default: the parameter defaultAgingDefinitionId, else the first definition' }),
    asOf: DateIn.optional().openapi({ description: 'the aging date; default today' }),
    criteria: Criteria.default('dueDate'),
    creditPlacement: Placement.optional().openapi({ description: 'default: the parameter creditPlacement' }),
    poolId: Id.nullish().openapi({ description: 'an agingSnapshot pool choosing the customers; default every customer' }),
    includeZeroBalance: z.boolean().default(false),
    updateCollectionStatus: z.boolean().default(false).openapi({ description: 'promised-to-pay items whose promise date is before asOf become promiseToPayBroken' }),
  })
  .openapi('AgingSnapshotRequest');

const SnapshotResult = z
  .object({ definitionId: z.string(), asOf: DateOut, customers: z.number(), removed: z.number(), statusChanges: z.number(), processedAt: Timestamp, durationMs: z.number() })
  .openapi('AgingSnapshotResult');

const AgingQuery = z.object({
  definitionId: Id.optional(),
  poolId: Id.optional(),
  since: SinceQuery,
  limit: z.coerce.number().int().min(1).max(50_000).default(100).openapi({ description: 'page size, default 100, at most 50,000 (a workbook pulls its whole list at once)' }),
  cursor: z.string().max(200).optional(),
});

export function agingRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const kind of COLLECTIONS_SETUP_KINDS) registerSetupKind(app, kind);

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/aging-definitions/{id}/periods',
      tags: [TAG],
      summary: 'The date range of every period line for an as-of date (the setup preview)',
      request: { params: IdParam, query: z.object({ asOf: DateIn.optional().openapi({ description: 'default today' }) }) },
      responses: {
        200: jsonResponse(z.object({ definitionId: z.string(), asOf: DateOut, periods: z.array(z.object({ label: z.string(), unit: z.number(), interval: z.string(), indicator: z.string().nullable(), from: DateOut.nullable(), to: DateOut.nullable() })) })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const asOf = c.req.valid('query').asOf ?? todayUtc();
      const def = toAgingDefinition(await requireSetupRow(c.var.deps.handle.read, 'agingDefinition', 'aging definition', id));
      const ranges = periodRanges(def, asOf);
      return c.json({ definitionId: id, asOf, periods: def.lines.map((l, i) => ({ label: l.label, unit: l.unit, interval: l.interval, indicator: l.indicator ?? null, from: ranges[i]!.from, to: ranges[i]!.to })) });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/pools/{id}/customers',
      tags: [TAG],
      summary: "Preview a pool: the customers it holds now (collections pools: against the current snapshot of the pool's definition)",
      request: { params: IdParam, query: z.object({ definitionId: Id.optional() }) },
      responses: { 200: jsonResponse(z.object({ poolId: z.string(), definitionId: z.string().nullable(), items: z.array(z.object({ customerId: z.string(), name: z.string(), amountDue: MoneyOut.nullable() })) })), ...errorResponses },
    }),
    async (c) => {
      const r = requestReader(c);
      const { id } = c.req.valid('param');
      const pool = (await poolsOf(r)).get(id);
      if (!pool) throw notFound('pool', id);
      const criteria = pool.criteria as PoolCriterion[];
      const facts = await loadCustomerFacts(r);
      if (pool.type === 'agingSnapshot') {
        const items = [...facts.values()].filter((f) => matchesPool(criteria, f, null)).map((f) => ({ customerId: f.customerId, name: String(f.name), amountDue: null }));
        return c.json({ poolId: id, definitionId: null, items });
      }
      const def = await chooseDefinition(r, c.req.valid('query').definitionId, pool);
      const items = [];
      for (const row of await snapshotRows(r, def.id)) {
        const f = facts.get(row.customer_id);
        if (f && matchesPool(criteria, f, poolSnapshot(row, def, snapshotAmounts(row)))) items.push({ customerId: row.customer_id, name: String(f.name), amountDue: money(row.amount_due) });
      }
      return c.json({ poolId: id, definitionId: def.id, items });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.collections, 'run aging snapshots')],
      method: 'post',
      path: '/api/v1/aging-snapshots',
      tags: [TAG],
      summary: 'Age customer balances: compute and store the snapshot of a definition (answers when done)',
      request: { body: jsonBody(SnapshotBody) },
      responses: { 200: jsonResponse(SnapshotResult), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const started = performance.now();
      return command(c, async (tx) => {
        const params = (await getParameters(tx)).values;
        const def = await chooseDefinition(tx, body.definitionId, null);
        const asOf = body.asOf ?? todayUtc();
        const outcome = await runSnapshot(tx, { ...body, definitionId: def.id, asOf, creditPlacement: body.creditPlacement ?? params.creditPlacement });
        return { body: { definitionId: def.id, asOf, ...outcome, durationMs: Math.round(performance.now() - started) } };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.collections, 'refresh aging snapshots')],
      method: 'post',
      path: '/api/v1/customers/{id}/aging-snapshot:refresh',
      tags: [TAG],
      summary: "Update one customer's snapshot with today's date (collections.md §2.4 step 8)",
      description: "Keeps the criteria and credit placement of the customer's current row (else the defaults) and keeps a zero balance on screen.",
      request: { params: IdParam, body: jsonBody(z.strictObject({ definitionId: Id.optional() }).openapi('AgingRefreshRequest'), 'optional; an empty object refreshes the default definition') },
      responses: { 200: jsonResponse(AgingRowSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      return command(c, async (tx) => {
        const params = (await getParameters(tx)).values;
        const def = await chooseDefinition(tx, body.definitionId, null);
        const [current] = await snapshotRows(tx, def.id, id);
        await runSnapshot(tx, {
          definitionId: def.id,
          asOf: todayUtc(),
          criteria: (current?.criteria as AgingCriteria | undefined) ?? 'dueDate',
          creditPlacement: (current?.credit_placement as CreditPlacement | undefined) ?? params.creditPlacement,
          includeZeroBalance: true,
          updateCollectionStatus: false,
          customerIds: [id],
        });
        const [row] = await snapshotRows(tx, def.id, id);
        return { body: snapshotToJson(row!, def, false), version: row!.version };
      });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/aging',
      tags: [TAG],
      summary: "The aged balances list: one row per customer with a snapshot, filtered by the caller's pools (collections.md §5)",
      description:
        'Definition: definitionId, else the pool\'s, else the parameter default, else the first. Non-agents see every customer with a snapshot and cannot filter by pool; agents get their default pool unless they pick another offered one; agents without pools see every customer. With `since`, only rows written or made stale after that sequence, plus `removed` customer ids; keep `lastSeq` for the next pull.',
      request: { query: AgingQuery },
      responses: {
        200: jsonResponse(
          z
            .object({
              definitionId: z.string(),
              periods: z.array(z.string()),
              poolId: z.string().nullable(),
              pools: z.array(OfferedPoolSchema),
              lastSeq: z.number(),
              runs: z.array(z.object({ snapshotAt: Timestamp, asOf: DateOut, criteria: Criteria, creditPlacement: Placement, currency: z.string(), processedBy: z.string().nullable() })),
              items: z.array(AgingRowSchema),
              removed: z.array(z.string()).optional(),
              nextCursor: z.string().nullable(),
            })
            .openapi('AgingList'),
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = agingListBody(await agingListText(requestReader(c), c.var.actor, c.req.valid('query')));
      return c.body(body, 200, { 'content-type': 'application/json; charset=UTF-8' }) as never;
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/aging-report',
      tags: [TAG],
      summary: 'Historical aged balances: open amounts as they stood on balanceAsOf, aged as of asOf (not the snapshot)',
      request: {
        query: z.object({
          definitionId: Id.optional(),
          asOf: DateIn.optional().openapi({ description: 'the aging date; default today' }),
          balanceAsOf: DateIn.optional().openapi({ description: 'whose open amounts: settlements dated after it are undone; default asOf' }),
          criteria: Criteria.default('dueDate'),
          creditPlacement: Placement.optional(),
          customerId: Id.optional(),
        }),
      },
      responses: {
        200: jsonResponse(
          z
            .object({
              definitionId: z.string(),
              asOf: DateOut,
              balanceAsOf: DateOut,
              criteria: Criteria,
              creditPlacement: Placement,
              items: z.array(z.object({ customerId: z.string(), name: z.string(), amountDue: MoneyOut, buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })), unbucketedAmount: MoneyOut, indicator: z.string().nullable() })),
              totals: z.object({ amountDue: MoneyOut, buckets: z.array(z.object({ label: z.string(), amount: MoneyOut })) }),
            })
            .openapi('AgingReport'),
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const r = requestReader(c);
      const q = c.req.valid('query');
      const asOf = q.asOf ?? todayUtc();
      const definition = await chooseDefinition(r, q.definitionId, null);
      const placement = q.creditPlacement ?? (await getParameters(r)).values.creditPlacement;
      return c.json(await agingReport(r, { definition, asOf, balanceAsOf: q.balanceAsOf ?? asOf, criteria: q.criteria, creditPlacement: placement, customerId: q.customerId }));
    },
  );
}

