import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AdjustmentJournalLinesTable, AdjustmentJournalsTable, Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { sqlAll, sqlInsertMany, sqlRows, sqlRun, type Reader } from '../../db/prepared-sql';
import { ApiError, notFound, ruleViolation, zodDetails, type ErrorDetail } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { groupBy, toBigInt } from '../../db/values';
import { todayUtc } from '../../../shared/dates';
import { formatMoney, formatRate, tryParseMoney, tryParseRate } from '../../../shared/money';
import { generatedLimit, projectLine, releasableHolds, shiftedDate, validateJournalLines, type JournalLineInput as DomainLine, type JournalType } from '../../../shared/credit/adjustments';
import { CUSTOMER } from '../../customers/customers.service';
import { CREDIT_GROUP } from '../credit-groups/credit-groups';
import { loadCreditInput, loadCreditInputs } from '../credit-check/credit-input';
import { getParameters } from '../parameters/parameters.service';
import { automaticLimitsFor } from '../risk/risk';
import { JournalLineInput, type GenerateBody } from './journals.schema';
import { fourEyesRefusal, lineAwaitsApproval, lineNeedsApproval } from '../../../shared/credit/approvals';

export const JOURNAL = 'adjustmentJournal';
type JournalRow = Selectable<AdjustmentJournalsTable>;
type LineRow = Selectable<AdjustmentJournalLinesTable>;
type Db = Kysely<Database>;

const money = (v: LineRow['new_credit_limit'] | null) => (v === null ? null : formatMoney(toBigInt(v)));

function lineJson(l: LineRow) {
  return {
    lineNo: l.line_no,
    customerId: l.customer_id,
    creditGroupId: l.credit_group_id,
    currentCreditLimit: money(l.current_credit_limit),
    newCreditLimit: formatMoney(toBigInt(l.new_credit_limit)),
    newExpirationDate: l.new_expiration_date,
    newFromDate: l.new_from_date,
    newToDate: l.new_to_date,
    approvalStatus: l.approval_status,
  };
}

function journalJson(j: JournalRow, lines: LineRow[]) {
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
    lines: lines.map(lineJson),
    createdAt: j.created_at,
    updatedAt: j.updated_at,
    version: j.version,
  };
}
export type Journal = ReturnType<typeof journalJson>;

/** The line table's columns, in the order line rows are read and written. */
const LINE_COLUMNS = ['journal_id', 'line_no', 'customer_id', 'credit_group_id', 'current_credit_limit', 'new_credit_limit', 'new_expiration_date', 'new_from_date', 'new_to_date', 'approval_status', 'created_by'] as const;

/** A journal's lines in order: one cached statement, rows as arrays (journals run to 50,000 lines). */
async function linesOf(r: Reader, id: string): Promise<LineRow[]> {
  return (await sqlRows(r, `select ${LINE_COLUMNS.join(', ')} from adjustment_journal_lines where journal_id = ? order by line_no`, [id])).map(lineRow);
}

/** A line from the first LINE_COLUMNS.length values of a row read as an array. */
function lineRow(v: unknown[]): LineRow {
  const line = {} as Record<string, unknown>;
  for (let i = 0; i < LINE_COLUMNS.length; i++) line[LINE_COLUMNS[i]!] = v[i];
  return line as LineRow;
}

export async function getJournal(r: Reader, id: string): Promise<Journal> {
  const j = await r.db.selectFrom('adjustment_journals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!j) throw notFound('adjustment journal', id);
  return journalJson(j, await linesOf(r, id));
}

export async function listJournals(db: Db, q: { status?: string; limit: number; after?: string; since?: number }) {
  let query = db.selectFrom('adjustment_journals').selectAll().orderBy('id').limit(q.limit + 1);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) => eb.selectFrom('changes').select('entity_id').where('entity', '=', JOURNAL).where('seq', '>', since));
  }
  const rows = await query.execute();
  // Lists carry headers with line counts; GET one journal for its lines.
  const counts = rows.length
    ? await db.selectFrom('adjustment_journal_lines').select(['journal_id', (eb) => eb.fn.countAll<number>().as('n')]).where('journal_id', 'in', rows.map((r) => r.id)).groupBy('journal_id').execute()
    : [];
  const n = new Map(counts.map((c) => [c.journal_id, Number(c.n)]));
  return rows.map((r) => ({ ...journalJson(r, []), lineCount: n.get(r.id) ?? 0 }));
}

interface CurrentValues {
  customers: Map<string, { creditLimit: bigint; expiration: string | null }>;
  groups: Map<string, { creditLimit: bigint; toDate: string | null }>;
}

/** Current limits of every customer and group the lines name, in bulk. */
async function currentValues(r: Reader, lines: readonly DomainLine[]): Promise<CurrentValues> {
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
    const rows = await sqlRows(r, `select id, credit_limit, credit_limit_expiration_date from customers where id in (${ids.map(() => '?').join(', ')})`, ids);
    for (const [id, limit, expiration] of rows) customers.set(id as string, { creditLimit: toBigInt(limit as string | number), expiration: expiration as string | null });
  }
  const groups = new Map<string, { creditLimit: bigint; toDate: string | null }>();
  if (groupIds.length) {
    const rows = await r.db.selectFrom('credit_groups').select(['id', 'credit_limit', 'credit_limit_to_date']).where('id', 'in', groupIds).execute();
    for (const r of rows) groups.set(r.id, { creditLimit: toBigInt(r.credit_limit), toDate: r.credit_limit_to_date });
  }
  return { customers, groups };
}

interface CheckedLines {
  lines: (DomainLine | null)[];
  errors: ErrorDetail[];
  current: CurrentValues;
}

/** Shape (zod) and business rules of every line; `offset` numbers paths as the journal's own lines. */
async function checkLines(r: Reader, type: JournalType, raw: readonly unknown[], taken: ReadonlySet<string>, offset = 0): Promise<CheckedLines> {
  const errors: ErrorDetail[] = [];
  const lines: (DomainLine | null)[] = [];
  for (const [i, line] of raw.entries()) {
    const p = JournalLineInput.safeParse(line);
    if (p.success) lines.push(p.data as DomainLine);
    else {
      errors.push(...zodDetails(p.error, `lines.${offset + i}`));
      lines.push(null);
    }
    await r.pace.step();
  }
  const valid = lines.flatMap((l, i) => (l ? [{ l, i }] : []));
  const current = await currentValues(r, valid.map((v) => v.l));
  const domain = validateJournalLines(
    type,
    valid.map((v) => v.l),
    { customerExists: (id) => current.customers.has(id), groupExists: (id) => current.groups.has(id), today: todayUtc() },
    taken,
  );
  for (const e of domain) errors.push({ path: `lines.${offset + valid[e.index]!.i}.${e.field}`, message: e.message });
  return { lines, errors, current };
}

function refuse(errors: ErrorDetail[]): never {
  throw new ApiError('rule_violation', `${new Set(errors.map((e) => e.path.split('.').slice(0, 2).join('.'))).size} line(s) are invalid; nothing was saved`, errors);
}

async function takenKeys(db: Db, journalId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('adjustment_journal_lines').select(['customer_id', 'credit_group_id']).where('journal_id', '=', journalId).execute();
  return new Set(rows.map((r) => (r.customer_id ? `c:${r.customer_id}` : `g:${r.credit_group_id}`)));
}

/** Line rows with the current limit for display; an omitted expiry keeps the current one (null = never expires). */
async function insertLines(tx: Tx, journalId: string, type: JournalType, lines: DomainLine[], current: CurrentValues, firstNo: number): Promise<LineRow[]> {
  const rows: LineRow[] = lines.map((l, i) => {
    const cur = l.customerId ? current.customers.get(l.customerId) : undefined;
    const grp = l.creditGroupId ? current.groups.get(l.creditGroupId) : undefined;
    const keptExpiry = cur ? cur.expiration : (grp?.toDate ?? null);
    return {
      journal_id: journalId,
      line_no: firstNo + i,
      customer_id: l.customerId ?? null,
      credit_group_id: l.creditGroupId ?? null,
      current_credit_limit: cur?.creditLimit ?? grp?.creditLimit ?? null,
      new_credit_limit: l.newCreditLimit,
      new_expiration_date: type === 'creditLimit' ? (l.newExpirationDate === undefined ? keptExpiry : l.newExpirationDate) : null,
      new_from_date: l.newFromDate ?? null,
      new_to_date: l.newToDate ?? null,
      approval_status: 'none',
      created_by: tx.actor.userId,
    };
  });
  await sqlInsertMany(tx, 'adjustment_journal_lines', LINE_COLUMNS, rows.map((r) => LINE_COLUMNS.map((c) => r[c])));
  return rows;
}

/** 409 with the journal as it is now; the journal (with every line) is only read when the version is stale. */
async function checkVersion(tx: Tx, j: JournalRow, ifMatch: number): Promise<void> {
  if (ifMatch !== j.version) assertVersion(ifMatch, j, await getJournal(tx, j.id));
}

async function lockJournal(tx: Tx, id: string): Promise<JournalRow> {
  const q = tx.db.selectFrom('adjustment_journals').selectAll().where('id', '=', id);
  const j = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!j) throw notFound('adjustment journal', id);
  return j;
}

/** Writes the journal's header; `lines` are its lines as they now stand, when the caller already has them. */
async function saveJournal(tx: Tx, before: JournalRow, patch: Partial<JournalRow>, action: string, reason?: string | null, lines?: LineRow[]): Promise<Journal> {
  const row = { ...before, ...patch, updated_at: tx.now, version: before.version + 1 };
  await tx.db.updateTable('adjustment_journals').set(row).where('id', '=', row.id).execute();
  lines ??= await linesOf(tx, row.id);
  const json = journalJson(row, lines);
  tx.changed(JOURNAL, row.id, 'update', row.version, { action, before: { ...journalJson(before, []), lines: undefined, lineCount: lines.length }, after: { ...json, lines: undefined }, reason: reason ?? null });
  return json;
}

/** All or nothing: any invalid line answers 422 with every line's errors and saves nothing. */
export async function createJournal(tx: Tx, body: { type: JournalType; description: string; lines: unknown[] }): Promise<Journal> {
  const checked = await checkLines(tx, body.type, body.lines, new Set());
  if (checked.errors.length) refuse(checked.errors);
  const row: JournalRow = {
    id: `CLJ-${randomBytes(5).toString('hex')}`,
    type: body.type,
    description: body.description,
    status: 'draft',
    created_by: tx.actor.userId,
    submitted_by: null,
    submitted_at: null,
    approved_by: null,
    approved_at: null,
    rejected_by: null,
    rejected_at: null,
    reject_comment: null,
    posted_by: null,
    posted_at: null,
    posting_date: null,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  await tx.db.insertInto('adjustment_journals').values(row).execute();
  const json = journalJson(row, await insertLines(tx, row.id, body.type, checked.lines as DomainLine[], checked.current, 1));
  tx.changed(JOURNAL, row.id, 'create', 1, { action: 'adjustmentJournal.create', after: { ...json, lines: undefined } });
  return json;
}

function requireEditable(j: JournalRow): void {
  if (j.status !== 'draft' && j.status !== 'rejected') throw ruleViolation(`journal ${j.id} is ${j.status}; only draft or rejected journals can be changed`);
}

async function appendLines(tx: Tx, j: JournalRow, lines: DomainLine[], current: CurrentValues, action: string): Promise<Journal> {
  const last = await tx.db.selectFrom('adjustment_journal_lines').select((eb) => eb.fn.max('line_no').as('n')).where('journal_id', '=', j.id).executeTakeFirst();
  await insertLines(tx, j.id, j.type as JournalType, lines, current, Number(last?.n ?? 0) + 1);
  return saveJournal(tx, j, {}, action);
}

export async function addLines(tx: Tx, id: string, raw: unknown[]): Promise<Journal> {
  const j = await lockJournal(tx, id);
  requireEditable(j);
  // Paths number the lines of this request (lines.1 = its second line), so a sheet maps errors to its own rows.
  const checked = await checkLines(tx, j.type as JournalType, raw, await takenKeys(tx.db, id));
  if (checked.errors.length) refuse(checked.errors);
  return appendLines(tx, j, checked.lines as DomainLine[], checked.current, 'adjustmentJournal.addLines');
}

/**
 * Generate lines (credit.md §2.2) from customers or credit groups matching the filter, skipping
 * those already on the journal: fixed or percentage change, round-off, absolute or relative dates.
 */
export async function generateLines(tx: Tx, id: string, g: GenerateBody): Promise<Journal> {
  const j = await lockJournal(tx, id);
  requireEditable(j);
  const type = j.type as JournalType;
  const parsed = g.mode === 'automatic' ? ({ ok: true, value: 0n } as const) : g.valueType === 'fixed' ? tryParseMoney(g.value) : tryParseRate(g.value);
  if (!parsed.ok) throw new ApiError('invalid_request', 'value is not valid', [{ path: 'value', message: parsed.message }]);
  const taken = await takenKeys(tx.db, id);
  const today = todayUtc(new Date(tx.now));

  type Target = { customerId?: string; creditGroupId?: string; current: bigint; expiry: string | null; from: string | null; to: string | null };
  const targets: Target[] = [];
  const f = g.filter ?? {};
  if (g.mode === 'customers' || g.mode === 'automatic') {
    let q = tx.db.selectFrom('customers').select(['id', 'credit_limit', 'credit_limit_expiration_date']).orderBy('id');
    if (f.customerIds) q = q.where('id', 'in', f.customerIds.length ? f.customerIds : ['']);
    if (f.creditManagementGroupId) q = q.where('credit_management_group_id', '=', f.creditManagementGroupId);
    if (f.riskGroupId) q = q.where('risk_group_id', '=', f.riskGroupId);
    if (f.customerGroup) q = q.where('customer_group', '=', f.customerGroup);
    const rows = (await q.execute()).filter((r) => !taken.has(`c:${r.id}`));
    const temps = type === 'temporary' && rows.length ? await tx.db.selectFrom('temporary_limits').selectAll().where('customer_id', 'is not', null).where('to_date', '>=', today).execute() : [];
    for (const r of rows) {
      const active = temps.filter((t) => t.customer_id === r.id && t.from_date <= today).sort((a, b) => Number(b.id) - Number(a.id))[0];
      targets.push({ customerId: r.id, current: toBigInt(r.credit_limit), expiry: r.credit_limit_expiration_date, from: active?.from_date ?? null, to: active?.to_date ?? null });
    }
  } else {
    let q = tx.db.selectFrom('credit_groups').select(['id', 'credit_limit', 'credit_limit_to_date']).orderBy('id');
    if (f.creditGroupIds) q = q.where('id', 'in', f.creditGroupIds.length ? f.creditGroupIds : ['']);
    for (const r of (await q.execute()).filter((r) => !taken.has(`g:${r.id}`))) {
      targets.push({ creditGroupId: r.id, current: toBigInt(r.credit_limit), expiry: r.credit_limit_to_date, from: null, to: null });
    }
  }

  const value = { valueType: g.valueType, value: parsed.value, roundOff: g.roundOff ?? null, roundingForm: g.roundingForm };
  // Automatic (credit.md §2.3): the limit comes from the customer's risk group and the automatic-limit setups; customers without one get no line.
  const automatic = g.mode === 'automatic' ? new Map((await automaticLimitsFor(tx, targets.map((t) => t.customerId!), { asOf: today })).map((a) => [a.customerId, a.creditLimit])) : null;
  if (automatic) targets.splice(0, targets.length, ...targets.filter((t) => automatic.has(t.customerId!)));
  const d = g.dates;
  const date = (current: string | null, absolute: string | undefined): string | null => {
    if (!d) return current;
    if (d.mode === 'absolute') return absolute ?? current;
    return d.days === undefined ? current : shiftedDate(current, { mode: 'relative', days: d.days }, today);
  };
  // Without a date change the current expiry is kept, as on a typed line that leaves it out: an
  // expiry that has already passed is kept, not refused as one set in the past.
  const keepsExpiry = !d || (d.mode === 'absolute' ? d.newExpirationDate === undefined : d.days === undefined);
  const lines: DomainLine[] = targets.map((t) => ({
    ...(t.customerId ? { customerId: t.customerId } : { creditGroupId: t.creditGroupId }),
    newCreditLimit: automatic ? automatic.get(t.customerId!)! : generatedLimit(t.current, value),
    ...(type === 'creditLimit' ? (keepsExpiry ? {} : { newExpirationDate: date(t.expiry, d?.newExpirationDate) }) : { newFromDate: date(t.from, d?.newFromDate), newToDate: date(t.to, d?.newToDate) }),
  }));
  const raw = lines.map((l) => ({ ...l, newCreditLimit: formatMoney(l.newCreditLimit) }));
  // Paths number the journal's lines: the generated ones follow those already there (one per taken key).
  const checked = await checkLines(tx, type, raw, taken, taken.size);
  if (checked.errors.length) refuse(checked.errors);
  return appendLines(tx, j, checked.lines as DomainLine[], checked.current, 'adjustmentJournal.generate');
}

/**
 * The limits the lines of a journal change, as they stand now (customers' and credit groups'),
 * by `c:<id>` and `g:<id>`: per-line approval is judged against them, not against the limits the
 * lines were written with (another journal posted in between may have moved them).
 */
async function limitsNow(tx: Tx, lines: readonly LineRow[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const customerIds = [...new Set(lines.flatMap((l) => (l.customer_id ? [l.customer_id] : [])))];
  const groupIds = [...new Set(lines.flatMap((l) => (l.credit_group_id ? [l.credit_group_id] : [])))];
  for (let i = 0; i < customerIds.length; i += 900) {
    const part = customerIds.slice(i, i + 900);
    for (const [id, limit] of await sqlRows(tx, `select id, credit_limit from customers where id in (${part.map(() => '?').join(', ')})`, part)) out.set(`c:${id as string}`, toBigInt(limit as string | number));
  }
  if (groupIds.length) for (const g of await tx.db.selectFrom('credit_groups').select(['id', 'credit_limit']).where('id', 'in', groupIds).execute()) out.set(`g:${g.id}`, toBigInt(g.credit_limit));
  return out;
}

const limitKey = (l: LineRow) => (l.customer_id ? `c:${l.customer_id}` : `g:${l.credit_group_id}`);

/** Four eyes (credit.md §6, shared/credit/approvals.ts): refuses the journal's creator, submitter and line creators. */
async function requireSecondPerson(tx: Tx, j: JournalRow, doing: string): Promise<void> {
  const creators = await tx.db.selectFrom('adjustment_journal_lines').select('created_by').distinct().where('journal_id', '=', j.id).execute();
  const why = fourEyesRefusal(tx.actor.userId, { createdBy: j.created_by, submittedBy: j.submitted_by, lineCreators: creators.map((c) => c.created_by) });
  if (why) throw ruleViolation(`four eyes: nobody ${doing} a journal they created, submitted or put lines on (${why}); another credit manager must`);
}

export async function submitJournal(tx: Tx, id: string, ifMatch: number): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  requireEditable(j);
  const lines = await linesOf(tx, id);
  if (lines.length === 0) throw ruleViolation('a journal without lines cannot be submitted');
  // Per-line approval: a line raising the limit by more than the parameter's amount over the limit
  // as it stands now waits for its own approval; each line shows that limit from here on.
  const threshold = (await getParameters(tx)).values.adjustmentLineApprovalAmount;
  const now = await limitsNow(tx, lines);
  for (const l of lines) {
    const current = now.get(limitKey(l)) ?? (l.current_credit_limit === null ? null : toBigInt(l.current_credit_limit));
    const status = lineNeedsApproval(toBigInt(l.new_credit_limit), current, threshold) ? 'pending' : 'none';
    const currentChanged = current !== null && (l.current_credit_limit === null || toBigInt(l.current_credit_limit) !== current);
    if (status === l.approval_status && !currentChanged) continue;
    await tx.db.updateTable('adjustment_journal_lines').set({ approval_status: status, current_credit_limit: current }).where('journal_id', '=', id).where('line_no', '=', l.line_no).execute();
    l.approval_status = status;
    l.current_credit_limit = current;
  }
  return saveJournal(tx, j, { status: 'submitted', submitted_by: tx.actor.userId, submitted_at: tx.now, rejected_by: null, rejected_at: null, reject_comment: null }, 'adjustmentJournal.submit', null, lines);
}

export async function approveJournal(tx: Tx, id: string, ifMatch: number): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status !== 'submitted') throw ruleViolation(`journal ${id} is ${j.status}; only a submitted journal can be approved`);
  await requireSecondPerson(tx, j, 'approves');
  return saveJournal(tx, j, { status: 'approved', approved_by: tx.actor.userId, approved_at: tx.now }, 'adjustmentJournal.approve');
}

export async function rejectJournal(tx: Tx, id: string, comment: string, ifMatch: number): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status !== 'submitted') throw ruleViolation(`journal ${id} is ${j.status}; only a submitted journal can be rejected`);
  if (j.submitted_by !== null && j.submitted_by === tx.actor.userId) throw ruleViolation('nobody decides on their own submission');
  return saveJournal(tx, j, { status: 'rejected', rejected_by: tx.actor.userId, rejected_at: tx.now, reject_comment: comment, approved_by: null, approved_at: null }, 'adjustmentJournal.reject', comment);
}

/** Approves or rejects one line of a submitted journal (per-line approval); never the submitter's own. */
export async function decideLine(tx: Tx, id: string, lineNo: number, decision: 'approved' | 'rejected', ifMatch: number): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status !== 'submitted' && j.status !== 'approved') throw ruleViolation(`journal ${id} is ${j.status}; lines are approved after submission`);
  await requireSecondPerson(tx, j, 'decides on the lines of');
  const line = await tx.db.selectFrom('adjustment_journal_lines').selectAll().where('journal_id', '=', id).where('line_no', '=', lineNo).executeTakeFirst();
  if (!line) throw notFound('journal line', `${id}/${lineNo}`);
  // A line awaits approval when marked at submission, or when the limit has moved since so that
  // it now raises the limit by more than the parameter's amount (checked again at posting).
  const threshold = (await getParameters(tx)).values.adjustmentLineApprovalAmount;
  const current = (await limitsNow(tx, [line])).get(limitKey(line)) ?? null;
  if (!lineAwaitsApproval(line.approval_status, toBigInt(line.new_credit_limit), current, threshold)) throw ruleViolation(`line ${lineNo} does not await approval (it is ${line.approval_status})`);
  await tx.db.updateTable('adjustment_journal_lines').set({ approval_status: decision }).where('journal_id', '=', id).where('line_no', '=', lineNo).execute();
  return saveJournal(tx, j, {}, `adjustmentJournal.line.${decision === 'approved' ? 'approve' : 'reject'}`, `line ${lineNo}`);
}

/**
 * Posts every line in one transaction (credit.md §2.1): limits and expiry dates (and the limit
 * date), group limits, or new temporary limits. With `requireAdjustmentApproval` only an approved
 * journal posts. Posted journals are read-only.
 */
export async function postJournal(tx: Tx, id: string, ifMatch: number, postingDate?: string): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status === 'posted') throw ruleViolation(`journal ${id} is already posted`);
  if (j.status === 'rejected') throw ruleViolation(`journal ${id} was rejected; change it and submit it again`);
  const params = (await getParameters(tx)).values;
  if (params.requireAdjustmentApproval && j.status !== 'approved') throw ruleViolation(`journal ${id} is ${j.status}: adjustments need an approved journal before posting`);
  const { lines: all, limits: customers } = await linesWithLimits(tx, id);
  if (all.length === 0) throw ruleViolation('a journal without lines has nothing to post');
  // With per-line approval on, a line above the amount posts only once approved, even from a draft
  // that skipped submit, judged against each limit as it stands at posting (the rows just locked).
  const threshold = params.adjustmentLineApprovalAmount;
  const now = await limitsNow(tx, all);
  const pending = all.filter((l) => lineAwaitsApproval(l.approval_status, toBigInt(l.new_credit_limit), now.get(limitKey(l)) ?? null, threshold));
  if (pending.length) throw ruleViolation(`${pending.length} line(s) still await approval`, pending.map((l) => ({ path: `lines.${l.line_no}`, message: l.approval_status === 'pending' ? 'awaits line approval' : `awaits line approval: raises the limit by more than ${formatMoney(threshold!)} over the limit it now has (${formatMoney(now.get(limitKey(l)) ?? 0n)})` })));
  // Lines rejected in line approval are not posted.
  const lines = all.filter((l) => l.approval_status !== 'rejected');
  const date = postingDate ?? todayUtc(new Date(tx.now));


  for (const l of lines) {
    await tx.pace.step();
    const amount = toBigInt(l.new_credit_limit);
    if (j.type === 'temporary') {
      const row = { customer_id: l.customer_id, credit_group_id: l.credit_group_id, amount, from_date: l.new_from_date!, to_date: l.new_to_date!, source_journal_id: id, source_line_no: l.line_no, created_at: tx.now };
      await tx.db.insertInto('temporary_limits').values(row).execute();
      tx.audit({ action: 'temporaryLimit.create', entity: l.customer_id ? CUSTOMER : CREDIT_GROUP, entityId: (l.customer_id ?? l.credit_group_id)!, after: { ...row, amount: formatMoney(amount) }, reason: `journal ${id} line ${l.line_no}` });
      continue;
    }
    if (l.customer_id) {
      const c = customers.get(l.customer_id);
      if (!c) throw ruleViolation(`customer ${l.customer_id} of line ${l.line_no} no longer exists; nothing was posted`);
      const after: LimitRow = { id: c.id, credit_limit: amount, credit_limit_expiration_date: l.new_expiration_date, credit_limit_date: date, version: c.version + 1 };
      // Ten thousand lines post in one go: one prepared statement, and the audit keeps the fields that changed.
      await sqlRun(tx, UPDATE_LIMIT_SQL, [amount, after.credit_limit_expiration_date, date, tx.now, after.version, c.id]);
      customers.set(c.id, after);
      tx.changed(CUSTOMER, c.id, 'update', after.version, { action: 'customer.creditLimit', before: limitFields(c), after: limitFields(after), reason: `journal ${id} line ${l.line_no}` });
    } else if (l.credit_group_id) {
      const g = await tx.db.selectFrom('credit_groups').selectAll().where('id', '=', l.credit_group_id).executeTakeFirst();
      if (!g) throw ruleViolation(`credit group ${l.credit_group_id} of line ${l.line_no} no longer exists; nothing was posted`);
      const set = { credit_limit: amount, credit_limit_to_date: l.new_expiration_date ?? g.credit_limit_to_date, updated_at: tx.now, version: g.version + 1 };
      await tx.db.updateTable('credit_groups').set(set).where('id', '=', g.id).execute();
      tx.changed(CREDIT_GROUP, g.id, 'update', set.version, {
        action: 'creditGroup.creditLimit',
        before: { id: g.id, creditLimit: formatMoney(toBigInt(g.credit_limit)), creditLimitToDate: g.credit_limit_to_date },
        after: { id: g.id, creditLimit: formatMoney(amount), creditLimitToDate: set.credit_limit_to_date },
        reason: `journal ${id} line ${l.line_no}`,
      });
      // Members' expiry equals the group's date while they are members (credit.md §1.5, §3), as on PUT /credit-groups.
      if (set.credit_limit_to_date !== g.credit_limit_to_date) {
        const mq = tx.db.selectFrom('customers').selectAll().where('id', 'in', (eb) => eb.selectFrom('credit_group_members').select('customer_id').where('credit_group_id', '=', g.id));
        for (const m of await (tx.dialect === 'postgres' ? mq.forUpdate() : mq).execute()) {
          if (m.credit_limit_expiration_date === set.credit_limit_to_date) continue;
          const mset = { credit_limit_expiration_date: set.credit_limit_to_date, updated_at: tx.now, version: m.version + 1 };
          await tx.db.updateTable('customers').set(mset).where('id', '=', m.id).execute();
          if (customers.has(m.id)) customers.set(m.id, { ...m, ...mset });
          tx.changed(CUSTOMER, m.id, 'update', mset.version, { action: 'customer.joinCreditGroup', before: limitFields(m), after: limitFields({ ...m, ...mset }), reason: `credit group ${g.id} expiry from journal ${id} line ${l.line_no}` });
        }
      }
    }
  }
  // Posting changes no line: the lines read above are the journal's lines.
  return saveJournal(tx, j, { status: 'posted', posted_by: tx.actor.userId, posted_at: tx.now, posting_date: date }, 'adjustmentJournal.post', null, all);
}

const UPDATE_LIMIT_SQL = 'update customers set credit_limit = ?, credit_limit_expiration_date = ?, credit_limit_date = ?, updated_at = ?, version = ? where id = ?';
const limitFields = (c: { id: string; credit_limit: LineRow['new_credit_limit']; credit_limit_expiration_date: string | null; credit_limit_date: string | null; version: number }) => ({
  id: c.id,
  creditLimit: formatMoney(toBigInt(c.credit_limit)),
  creditLimitExpirationDate: c.credit_limit_expiration_date,
  creditLimitDate: c.credit_limit_date,
  version: c.version,
});

type LimitRow = { id: string; credit_limit: LineRow['new_credit_limit']; credit_limit_expiration_date: string | null; credit_limit_date: string | null; version: number };

const LINES_WITH_LIMITS_SQL = `select ${LINE_COLUMNS.map((c) => `l.${c}`).join(', ')}, c.id, c.credit_limit, c.credit_limit_expiration_date, c.credit_limit_date, c.version
  from adjustment_journal_lines l left join customers c on c.id = l.customer_id where l.journal_id = ? order by l.line_no`;

/**
 * A journal's lines and the limit columns of the customers they name, in one statement. On
 * PostgreSQL those customer rows are then locked and read again (FOR UPDATE cannot lock the
 * nullable side of an outer join); SQLite's writer transaction already serializes.
 */
async function linesWithLimits(tx: Tx, id: string): Promise<{ lines: LineRow[]; limits: Map<string, LimitRow> }> {
  const lines: LineRow[] = [];
  const limits = new Map<string, LimitRow>();
  const n = LINE_COLUMNS.length;
  for (const v of await sqlRows(tx, LINES_WITH_LIMITS_SQL, [id])) {
    lines.push(lineRow(v));
    if (v[n] !== null) limits.set(v[n] as string, { id: v[n] as string, credit_limit: v[n + 1] as LimitRow['credit_limit'], credit_limit_expiration_date: v[n + 2] as string | null, credit_limit_date: v[n + 3] as string | null, version: Number(v[n + 4]) });
  }
  if (tx.dialect === 'postgres') {
    const ids = [...limits.keys()];
    for (let i = 0; i < ids.length; i += 900) {
      const part = ids.slice(i, i + 900);
      const locked = await sqlAll<LimitRow>(tx, `select id, credit_limit, credit_limit_expiration_date, credit_limit_date, version from customers where id in (${part.map(() => '?').join(', ')}) for update`, part);
      for (const c of locked) limits.set(c.id, c);
    }
  }
  return { lines, limits };
}

/**
 * The `:validate` answer: what the sheet shows before sending. Per line: errors, the current and
 * new limit, projected available credit and percent used, and which held orders would pass with
 * the new limit — computed by the same shared functions the credit check runs.
 */
/**
 * The `:validate` answer. `taken` names customers (`c:<id>`) and credit groups (`g:<id>`) already
 * on the journal, so a caller validating a long sheet in parts still finds duplicates across them.
 */
export async function validateJournal(r: Reader, body: { type: JournalType; lines: unknown[] }, taken: ReadonlySet<string> = new Set()) {
  const today = todayUtc();
  const checked = await checkLines(r, body.type, body.lines, taken);
  const byLine = groupBy(checked.errors, (e) => Number(e.path.split('.')[1]));
  const asOf = today;
  const wanted = new Set<string>();
  for (let i = 0; i < checked.lines.length; i++) {
    const id = checked.lines[i]?.customerId;
    if (id && !byLine.has(i)) wanted.add(id);
  }
  // Held orders of the journal's customers: the hold list is short, so every open unforced hold is
  // read once and kept when its customer is in the journal (a journal may have 50,000 lines).
  const holds = wanted.size
    ? (
        await r.db
          .selectFrom('holds')
          .innerJoin('sales_orders', 'sales_orders.id', 'holds.sales_order_id')
          .select(['holds.id as holdId', 'holds.customer_id as customerId', 'sales_orders.id as orderId', 'sales_orders.amount', 'sales_orders.invoiced_amount', 'sales_orders.payment_terms_id', 'sales_orders.cash_discount_id', 'sales_orders.exclude_from_credit_management'])
          .where('holds.status', '=', 'onHold')
          .where('holds.forced', '=', 0)
          .execute()
      ).filter((h) => wanted.has(h.customerId))
    : [];
  const holdsOf = groupBy(holds, (h) => h.customerId);

  const lines: ValidatedLine[] = [];
  // Lines in blocks of 1,000: the engine inputs of a block's customers are read together, so a
  // 50,000-line journal never holds 50,000 inputs at once.
  for (let from = 0; from < checked.lines.length; from += 1000) {
    const to = Math.min(from + 1000, checked.lines.length);
    const ids: string[] = [];
    for (let i = from; i < to; i++) {
      const id = checked.lines[i]?.customerId;
      if (id && !byLine.has(i)) ids.push(id);
    }
    const inputs = ids.length ? await loadCreditInputs(r, ids, asOf) : undefined;
    for (let index = from; index < to; index++) {
      await r.pace.step();
      const l = checked.lines[index];
      const errors = byLine.get(index);
      const customerId = l?.customerId ?? null;
      const creditGroupId = l?.creditGroupId ?? null;
      const current = customerId ? checked.current.customers.get(customerId)?.creditLimit : creditGroupId ? checked.current.groups.get(creditGroupId)?.creditLimit : undefined;
      const input = !errors && customerId ? inputs?.get(customerId) : undefined;
      const projection = input ? projectLine(input, body.type, l!) : null;
      const holdInputs = [];
      if (input) {
        for (const h of holdsOf.get(customerId!) ?? []) {
          holdInputs.push({
            holdId: h.holdId,
            input: await loadCreditInput(r, {
              customerId: customerId!,
              asOf,
              excludeOrderId: h.orderId,
              order: { amount: toBigInt(h.amount) - toBigInt(h.invoiced_amount), paymentTermsId: h.payment_terms_id, cashDiscountId: h.cash_discount_id, excludeFromCreditManagement: h.exclude_from_credit_management === 1 },
            }),
          });
        }
      }
      lines.push({
        index,
        status: errors ? 'error' : 'ok',
        errors: errors ?? [],
        customerId,
        creditGroupId,
        currentCreditLimit: current === undefined ? null : formatMoney(current),
        newCreditLimit: l ? formatMoney(l.newCreditLimit) : null,
        currentAvailableCredit: projection?.currentAvailableCredit == null ? null : formatMoney(projection.currentAvailableCredit),
        projectedAvailableCredit: projection?.projectedAvailableCredit == null ? null : formatMoney(projection.projectedAvailableCredit),
        projectedPercentUsed: projection?.projectedPercentUsed == null ? null : formatRate(projection.projectedPercentUsed),
        releasableHolds: holdInputs.length ? releasableHolds(holdInputs, body.type, l!) : [],
      });
    }
  }
  return { valid: checked.errors.length === 0, lines };
}

/** One line of the `:validate` answer. */
export interface ValidatedLine {
  index: number;
  status: 'ok' | 'error';
  errors: ErrorDetail[];
  customerId: string | null;
  creditGroupId: string | null;
  currentCreditLimit: string | null;
  newCreditLimit: string | null;
  currentAvailableCredit: string | null;
  projectedAvailableCredit: string | null;
  projectedPercentUsed: string | null;
  releasableHolds: string[];
}
