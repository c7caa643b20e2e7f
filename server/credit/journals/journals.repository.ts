import type { Insertable, Kysely, Selectable } from 'kysely';
import type {
  AdjustmentJournalLinesTable,
  AdjustmentJournalsTable,
  Database,
  TemporaryLimitsTable,
} from '../../db/schema';
import { sqlAll, sqlInsertMany, sqlRows, type Reader } from '../../db/prepared-sql';
import { toBigInt } from '../../db/values';
import { formatMoney } from '../../../shared/money';
import type { JournalLineInput as DomainLine, JournalType } from '../../../shared/credit/adjustments';
import type { GenerateBody } from './journals.schema';

export const JOURNAL = 'adjustmentJournal';
export type JournalRow = Selectable<AdjustmentJournalsTable>;
export type LineRow = Selectable<AdjustmentJournalLinesTable>;
type Db = Kysely<Database>;

const money = (v: LineRow['new_credit_limit'] | null) => (v === null ? null : formatMoney(toBigInt(v)));

/**
 * The currency of journal lines' limits: a customer's limit is in the accounting currency, a
 * credit group's in the group's currency (credit.md §1.2, §1.5).
 */
export interface LineCurrencies {
  accounting: string;
  /** By credit group id. */
  groups: ReadonlyMap<string, string>;
}
/** For journal headers without lines. */
export const NO_LINE_CURRENCIES: LineCurrencies = { accounting: '', groups: new Map() };

const lineCurrency = (l: LineRow, currencies: LineCurrencies): string | null =>
  l.credit_group_id ? (currencies.groups.get(l.credit_group_id) ?? null) : currencies.accounting;

function lineRowToLine(l: LineRow, currencies: LineCurrencies) {
  return {
    lineNo: l.line_no,
    customerId: l.customer_id,
    creditGroupId: l.credit_group_id,
    currency: lineCurrency(l, currencies),
    currentCreditLimit: money(l.current_credit_limit),
    newCreditLimit: formatMoney(toBigInt(l.new_credit_limit)),
    newExpirationDate: l.new_expiration_date,
    newFromDate: l.new_from_date,
    newToDate: l.new_to_date,
    approvalStatus: l.approval_status,
  };
}

export function journalRowToJournal(j: JournalRow, lines: LineRow[], currencies: LineCurrencies) {
  return {
    id: j.id,
    type: j.type as JournalType,
    description: j.description,
    status: j.status as 'draft',
    createdBy: j.created_by,
    submittedBy: j.submitted_by,
    submittedAt: j.submitted_at,
    approvedBy: j.approved_by,
    approvedAt: j.approved_at,
    rejectedBy: j.rejected_by,
    rejectedAt: j.rejected_at,
    rejectComment: j.reject_comment,
    postedBy: j.posted_by,
    postedAt: j.posted_at,
    postingDate: j.posting_date,
    lineCount: lines.length,
    lines: lines.map((l) => lineRowToLine(l, currencies)),
    createdAt: j.created_at,
    updatedAt: j.updated_at,
    version: j.version,
  };
}
export type Journal = ReturnType<typeof journalRowToJournal>;

/** The line table's columns, in the order line rows are read and written. */
const LINE_COLUMNS = [
  'journal_id',
  'line_no',
  'customer_id',
  'credit_group_id',
  'current_credit_limit',
  'new_credit_limit',
  'new_expiration_date',
  'new_from_date',
  'new_to_date',
  'approval_status',
  'created_by',
] as const;

/** A journal's lines in order: one cached statement, rows as arrays (journals run to 50,000 lines). */
export async function linesOf(r: Reader, id: string): Promise<LineRow[]> {
  return (
    await sqlRows(
      r,
      `select ${LINE_COLUMNS.join(', ')} from adjustment_journal_lines where journal_id = ? order by line_no`,
      [id],
    )
  ).map(lineRow);
}

/** A line from the first LINE_COLUMNS.length values of a row read as an array. */
function lineRow(v: unknown[]): LineRow {
  const line = {} as Record<string, unknown>;
  for (let i = 0; i < LINE_COLUMNS.length; i++) line[LINE_COLUMNS[i]!] = v[i];
  return line as LineRow;
}

/** `lock` (PostgreSQL) takes the row lock, so a concurrent change waits and then sees this one's result. */
export function findJournal(db: Db, id: string, lock = false): Promise<JournalRow | undefined> {
  const q = db.selectFrom('adjustment_journals').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

export async function listJournals(
  db: Db,
  q: { status?: string; limit: number; after?: string; since?: number },
): Promise<Journal[]> {
  let query = db
    .selectFrom('adjustment_journals')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', JOURNAL).where('seq', '>', since),
    );
  }
  const rows = await query.execute();
  // Lists carry headers with line counts; GET one journal for its lines.
  const counts = rows.length
    ? await db
        .selectFrom('adjustment_journal_lines')
        .select(['journal_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where(
          'journal_id',
          'in',
          rows.map((r) => r.id),
        )
        .groupBy('journal_id')
        .execute()
    : [];
  const n = new Map(counts.map((c) => [c.journal_id, Number(c.n)]));
  return rows.map((r) => ({ ...journalRowToJournal(r, [], NO_LINE_CURRENCIES), lineCount: n.get(r.id) ?? 0 }));
}

export interface CurrentValues {
  customers: Map<string, { creditLimit: bigint; expiration: string | null }>;
  /** A group's limit is in its currency. */
  groups: Map<string, { creditLimit: bigint; toDate: string | null; currency: string }>;
}

/** Current limits of every customer and group the lines name, in bulk. */
export async function currentValues(r: Reader, lines: readonly DomainLine[]): Promise<CurrentValues> {
  const wantedCustomers = new Set<string>();
  const wantedGroups = new Set<string>();
  for (const l of lines) {
    if (l.customerId) wantedCustomers.add(l.customerId);
    if (l.creditGroupId) wantedGroups.add(l.creditGroupId);
  }
  const customerIds = [...wantedCustomers];
  const groupIds = [...wantedGroups];
  const customers = new Map<string, { creditLimit: bigint; expiration: string | null }>();
  for (let i = 0; i < customerIds.length; i += 900) {
    const ids = customerIds.slice(i, i + 900);
    const rows = await sqlRows(
      r,
      `select id, credit_limit, credit_limit_expiration_date from customers where id in (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    for (const [id, limit, expiration] of rows)
      customers.set(id as string, {
        creditLimit: toBigInt(limit as string | number),
        expiration: expiration as string | null,
      });
  }
  const groups = new Map<string, { creditLimit: bigint; toDate: string | null; currency: string }>();
  if (groupIds.length) {
    const rows = await r.db
      .selectFrom('credit_groups')
      .select(['id', 'credit_limit', 'credit_limit_to_date', 'currency'])
      .where('id', 'in', groupIds)
      .execute();
    for (const r of rows)
      groups.set(r.id, { creditLimit: toBigInt(r.credit_limit), toDate: r.credit_limit_to_date, currency: r.currency });
  }
  return { customers, groups };
}

/** The currencies of the credit groups lines name, by id (a group deleted since is left out). */
export async function groupCurrencies(db: Db, lines: readonly LineRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(lines.flatMap((l) => (l.credit_group_id ? [l.credit_group_id] : [])))];
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 900)
    for (const g of await db
      .selectFrom('credit_groups')
      .select(['id', 'currency'])
      .where('id', 'in', ids.slice(i, i + 900))
      .execute())
      out.set(g.id, g.currency);
  return out;
}

/** The customers (`c:<id>`) and credit groups (`g:<id>`) a journal's lines already name. */
export async function takenKeys(db: Db, journalId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('adjustment_journal_lines')
    .select(['customer_id', 'credit_group_id'])
    .where('journal_id', '=', journalId)
    .execute();
  return new Set(rows.map((r) => (r.customer_id ? `c:${r.customer_id}` : `g:${r.credit_group_id}`)));
}

export async function insertJournal(db: Db, row: JournalRow): Promise<void> {
  await db.insertInto('adjustment_journals').values(row).execute();
}

export async function updateJournal(db: Db, row: JournalRow): Promise<void> {
  await db.updateTable('adjustment_journals').set(row).where('id', '=', row.id).execute();
}

export async function insertLineRows(r: Reader, rows: readonly LineRow[]): Promise<void> {
  await sqlInsertMany(
    r,
    'adjustment_journal_lines',
    LINE_COLUMNS,
    rows.map((row) => LINE_COLUMNS.map((c) => row[c])),
  );
}

/** The highest line number of a journal (0 without lines). */
export async function lastLineNo(db: Db, journalId: string): Promise<number> {
  const last = await db
    .selectFrom('adjustment_journal_lines')
    .select((eb) => eb.fn.max('line_no').as('n'))
    .where('journal_id', '=', journalId)
    .executeTakeFirst();
  return Number(last?.n ?? 0);
}

export function findLine(db: Db, journalId: string, lineNo: number): Promise<LineRow | undefined> {
  return db
    .selectFrom('adjustment_journal_lines')
    .selectAll()
    .where('journal_id', '=', journalId)
    .where('line_no', '=', lineNo)
    .executeTakeFirst();
}

export async function updateLine(
  db: Db,
  journalId: string,
  lineNo: number,
  set: Partial<Pick<LineRow, 'approval_status' | 'current_credit_limit'>>,
): Promise<void> {
  await db
    .updateTable('adjustment_journal_lines')
    .set(set)
    .where('journal_id', '=', journalId)
    .where('line_no', '=', lineNo)
    .execute();
}

/** Who put lines on a journal (four eyes). */
export async function lineCreators(db: Db, journalId: string): Promise<(string | null)[]> {
  const rows = await db
    .selectFrom('adjustment_journal_lines')
    .select('created_by')
    .distinct()
    .where('journal_id', '=', journalId)
    .execute();
  return rows.map((r) => r.created_by);
}

/**
 * The limits the lines of a journal change, as they stand now (customers' and credit groups'),
 * by `c:<id>` and `g:<id>`: per-line approval is judged against them, not against the limits the
 * lines were written with (another journal posted in between may have moved them).
 */
export async function limitsNow(r: Reader, lines: readonly LineRow[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const customerIds = [...new Set(lines.flatMap((l) => (l.customer_id ? [l.customer_id] : [])))];
  const groupIds = [...new Set(lines.flatMap((l) => (l.credit_group_id ? [l.credit_group_id] : [])))];
  for (let i = 0; i < customerIds.length; i += 900) {
    const part = customerIds.slice(i, i + 900);
    for (const [id, limit] of await sqlRows(
      r,
      `select id, credit_limit from customers where id in (${part.map(() => '?').join(', ')})`,
      part,
    ))
      out.set(`c:${id as string}`, toBigInt(limit as string | number));
  }
  if (groupIds.length)
    for (const g of await r.db
      .selectFrom('credit_groups')
      .select(['id', 'credit_limit'])
      .where('id', 'in', groupIds)
      .execute())
      out.set(`g:${g.id}`, toBigInt(g.credit_limit));
  return out;
}

export const limitKey = (l: LineRow) => (l.customer_id ? `c:${l.customer_id}` : `g:${l.credit_group_id}`);

/** Customers matching a generation filter, in id order, with their limit and expiry. */
export function customersForGeneration(db: Db, f: NonNullable<GenerateBody['filter']>) {
  let q = db.selectFrom('customers').select(['id', 'credit_limit', 'credit_limit_expiration_date']).orderBy('id');
  if (f.customerIds) q = q.where('id', 'in', f.customerIds.length ? f.customerIds : ['']);
  if (f.creditManagementGroupId) q = q.where('credit_management_group_id', '=', f.creditManagementGroupId);
  if (f.riskGroupId) q = q.where('risk_group_id', '=', f.riskGroupId);
  if (f.customerGroup) q = q.where('customer_group', '=', f.customerGroup);
  return q.execute();
}

/** Credit groups matching a generation filter, in id order, with their limit and expiry. */
export function creditGroupsForGeneration(db: Db, f: NonNullable<GenerateBody['filter']>) {
  let q = db.selectFrom('credit_groups').select(['id', 'credit_limit', 'credit_limit_to_date']).orderBy('id');
  if (f.creditGroupIds) q = q.where('id', 'in', f.creditGroupIds.length ? f.creditGroupIds : ['']);
  return q.execute();
}

/** Customers' temporary limits that have not ended by `today`. */
export function currentCustomerTemporaryLimits(db: Db, today: string) {
  return db
    .selectFrom('temporary_limits')
    .selectAll()
    .where('customer_id', 'is not', null)
    .where('to_date', '>=', today)
    .execute();
}

/** A temporary limit posted by a journal line. */
export async function insertTemporaryLimit(db: Db, row: Insertable<TemporaryLimitsTable>): Promise<void> {
  await db.insertInto('temporary_limits').values(row).execute();
}

export type LimitRow = {
  id: string;
  credit_limit: LineRow['new_credit_limit'];
  credit_limit_expiration_date: string | null;
  credit_limit_date: string | null;
  version: number;
};

const LINES_WITH_LIMITS_SQL = `select ${LINE_COLUMNS.map((c) => `l.${c}`).join(', ')}, c.id, c.credit_limit, c.credit_limit_expiration_date, c.credit_limit_date, c.version
  from adjustment_journal_lines l left join customers c on c.id = l.customer_id where l.journal_id = ? order by l.line_no`;

/**
 * A journal's lines and the limit columns of the customers they name, in one statement. On
 * PostgreSQL those customer rows are then locked and read again (FOR UPDATE cannot lock the
 * nullable side of an outer join); SQLite's writer transaction already serializes.
 */
export async function linesWithLimits(
  r: Reader,
  id: string,
): Promise<{ lines: LineRow[]; limits: Map<string, LimitRow> }> {
  const lines: LineRow[] = [];
  const limits = new Map<string, LimitRow>();
  const n = LINE_COLUMNS.length;
  for (const v of await sqlRows(r, LINES_WITH_LIMITS_SQL, [id])) {
    lines.push(lineRow(v));
    if (v[n] !== null)
      limits.set(v[n] as string, {
        id: v[n] as string,
        credit_limit: v[n + 1] as LimitRow['credit_limit'],
        credit_limit_expiration_date: v[n + 2] as string | null,
        credit_limit_date: v[n + 3] as string | null,
        version: Number(v[n + 4]),
      });
  }
  if (r.dialect === 'postgres') {
    const ids = [...limits.keys()];
    for (let i = 0; i < ids.length; i += 900) {
      const part = ids.slice(i, i + 900);
      const locked = await sqlAll<LimitRow>(
        r,
        `select id, credit_limit, credit_limit_expiration_date, credit_limit_date, version from customers where id in (${part.map(() => '?').join(', ')}) for update`,
        part,
      );
      for (const c of locked) limits.set(c.id, c);
    }
  }
  return { lines, limits };
}

/** Every open, unforced hold with the order fields the `:validate` projection needs. */
export function openUnforcedHolds(db: Db) {
  return db
    .selectFrom('holds')
    .innerJoin('sales_orders', 'sales_orders.id', 'holds.sales_order_id')
    .select([
      'holds.id as holdId',
      'holds.customer_id as customerId',
      'sales_orders.id as orderId',
      'sales_orders.amount',
      'sales_orders.invoiced_amount',
      'sales_orders.currency',
      'sales_orders.payment_terms_id',
      'sales_orders.cash_discount_id',
      'sales_orders.exclude_from_credit_management',
    ])
    .where('holds.status', '=', 'onHold')
    .where('holds.forced', '=', 0)
    .execute();
}
