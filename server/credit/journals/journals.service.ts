import { randomBytes } from 'node:crypto';
import type { Tx } from '../../db/transaction';
import type { Reader } from '../../db/prepared-sql';
import { ApiError, notFound, ruleViolation, type ErrorDetail } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { toBigInt } from '../../db/values';
import { formatMoney, tryParseMoney, tryParseRate } from '../../../shared/money';
import {
  generatedLimit,
  shiftedDate,
  type JournalLineInput as DomainLine,
  type JournalType,
} from '../../../shared/credit/adjustments';
import { fourEyesRefusal, lineAwaitsApproval, lineNeedsApproval } from '../../../shared/credit/approvals';
import { membersTakingGroupExpiry } from '../../../shared/credit/credit-groups';
import {
  CUSTOMER,
  findCustomersByIds,
  lockRows,
  updateCustomer,
  updateCustomerCreditLimit,
} from '../../customers/customers.repository';
import { CREDIT_GROUP, findCreditGroup, membersOf, updateCreditGroup } from '../credit-groups/credit-groups.repository';
import { getParameters } from '../parameters/parameters.service';
import { automaticLimitsFor } from '../risk/risk.service';
import {
  JOURNAL,
  creditGroupsForGeneration,
  currentCustomerTemporaryLimits,
  customersForGeneration,
  findJournal,
  findLine,
  groupCurrencies,
  insertJournal,
  insertLineRows,
  insertTemporaryLimit,
  journalRowToJournal,
  lastLineNo,
  lineCreators,
  limitKey,
  limitsNow,
  linesOf,
  linesWithLimits,
  NO_LINE_CURRENCIES,
  takenKeys,
  updateJournal,
  updateLine,
  type CurrentValues,
  type Journal,
  type JournalRow,
  type LimitRow,
  type LineCurrencies,
  type LineRow,
} from './journals.repository';
import { checkLines } from './journals.validate';
import type { GenerateBody } from './journals.schema';
import { accountingCurrency } from '../credit-check/credit-input';
import { rateBook } from '../../exchange-rates/exchange-rates.service';

/** The currency of each line's limits: AC for customers, the group's for credit groups. */
async function lineCurrencies(r: Reader, lines: readonly LineRow[]): Promise<LineCurrencies> {
  const [accounting, groups] = await Promise.all([accountingCurrency(r), groupCurrencies(r.db, lines)]);
  return { accounting, groups };
}

/** A journal with its lines as JSON. */
async function journalJson(r: Reader, j: JournalRow, lines: LineRow[]): Promise<Journal> {
  return journalRowToJournal(j, lines, await lineCurrencies(r, lines));
}

export async function getJournal(r: Reader, id: string): Promise<Journal> {
  const j = await findJournal(r.db, id);
  if (!j) throw notFound('adjustment journal', id);
  return journalJson(r, j, await linesOf(r, id));
}

function refuse(errors: ErrorDetail[]): never {
  throw new ApiError(
    'rule_violation',
    `${new Set(errors.map((e) => e.path.split('.').slice(0, 2).join('.'))).size} line(s) are invalid; nothing was saved`,
    errors,
  );
}

/** Line rows with the current limit for display; an omitted expiry keeps the current one (null = never expires). */
async function insertLines(
  tx: Tx,
  journalId: string,
  type: JournalType,
  lines: DomainLine[],
  current: CurrentValues,
  firstNo: number,
): Promise<LineRow[]> {
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
      new_expiration_date:
        type === 'creditLimit' ? (l.newExpirationDate === undefined ? keptExpiry : l.newExpirationDate) : null,
      new_from_date: l.newFromDate ?? null,
      new_to_date: l.newToDate ?? null,
      approval_status: 'none',
      created_by: tx.actor.userId,
    };
  });
  await insertLineRows(tx, rows);
  return rows;
}

/** 409 with the journal as it is now; the journal (with every line) is only read when the version is stale. */
async function checkVersion(tx: Tx, j: JournalRow, ifMatch: number): Promise<void> {
  if (ifMatch !== j.version) assertVersion(ifMatch, j, await getJournal(tx, j.id));
}

async function lockJournal(tx: Tx, id: string): Promise<JournalRow> {
  const j = await findJournal(tx.db, id, lockRows(tx));
  if (!j) throw notFound('adjustment journal', id);
  return j;
}

/** Writes the journal's header; `lines` are its lines as they now stand, when the caller already has them. */
async function saveJournal(
  tx: Tx,
  before: JournalRow,
  patch: Partial<JournalRow>,
  action: string,
  reason?: string | null,
  lines?: LineRow[],
): Promise<Journal> {
  const row = { ...before, ...patch, updated_at: tx.now, version: before.version + 1 };
  await updateJournal(tx.db, row);
  lines ??= await linesOf(tx, row.id);
  const json = await journalJson(tx, row, lines);
  tx.changed(JOURNAL, row.id, 'update', row.version, {
    action,
    before: { ...journalRowToJournal(before, [], NO_LINE_CURRENCIES), lines: undefined, lineCount: lines.length },
    after: { ...json, lines: undefined },
    reason: reason ?? null,
  });
  return json;
}

/** All or nothing: any invalid line answers 422 with every line's errors and saves nothing. */
export async function createJournal(
  tx: Tx,
  body: { type: JournalType; description: string; lines: unknown[] },
): Promise<Journal> {
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
  await insertJournal(tx.db, row);
  const json = await journalJson(
    tx,
    row,
    await insertLines(tx, row.id, body.type, checked.lines as DomainLine[], checked.current, 1),
  );
  tx.changed(JOURNAL, row.id, 'create', 1, {
    action: 'adjustmentJournal.create',
    after: { ...json, lines: undefined },
  });
  return json;
}

function requireEditable(j: JournalRow): void {
  if (j.status !== 'draft' && j.status !== 'rejected')
    throw ruleViolation(`journal ${j.id} is ${j.status}; only draft or rejected journals can be changed`);
}

async function appendLines(
  tx: Tx,
  j: JournalRow,
  lines: DomainLine[],
  current: CurrentValues,
  action: string,
): Promise<Journal> {
  await insertLines(tx, j.id, j.type as JournalType, lines, current, (await lastLineNo(tx.db, j.id)) + 1);
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
  const parsed =
    g.mode === 'automatic'
      ? ({ ok: true, value: 0n } as const)
      : g.valueType === 'fixed'
        ? tryParseMoney(g.value)
        : tryParseRate(g.value);
  if (!parsed.ok)
    throw new ApiError('invalid_request', 'value is not valid', [{ path: 'value', message: parsed.message }]);
  const taken = await takenKeys(tx.db, id);
  const today = tx.today;

  type Target = {
    customerId?: string;
    creditGroupId?: string;
    current: bigint;
    expiry: string | null;
    from: string | null;
    to: string | null;
  };
  const targets: Target[] = [];
  const f = g.filter ?? {};
  if (g.mode === 'customers' || g.mode === 'automatic') {
    const rows = (await customersForGeneration(tx.db, f)).filter((r) => !taken.has(`c:${r.id}`));
    const temps = type === 'temporary' && rows.length ? await currentCustomerTemporaryLimits(tx.db, today) : [];
    for (const r of rows) {
      const active = temps
        .filter((t) => t.customer_id === r.id && t.from_date <= today)
        .sort((a, b) => Number(b.id) - Number(a.id))[0];
      targets.push({
        customerId: r.id,
        current: toBigInt(r.credit_limit),
        expiry: r.credit_limit_expiration_date,
        from: active?.from_date ?? null,
        to: active?.to_date ?? null,
      });
    }
  } else {
    for (const r of (await creditGroupsForGeneration(tx.db, f)).filter((r) => !taken.has(`g:${r.id}`))) {
      targets.push({
        creditGroupId: r.id,
        current: toBigInt(r.credit_limit),
        expiry: r.credit_limit_to_date,
        from: null,
        to: null,
      });
    }
  }

  const value = {
    valueType: g.valueType,
    value: parsed.value,
    roundOff: g.roundOff ?? null,
    roundingForm: g.roundingForm,
  };
  // Automatic (credit.md §2.3): the limit comes from the customer's risk group and the automatic-limit
  // setup in the customer's currency; customers without one get no line. A customer's limit is in
  // the accounting currency: the setup's limit is converted at today's rate, rounded once (422
  // naming the currency and date when there is none).
  let automatic: Map<string, bigint> | null = null;
  if (g.mode === 'automatic') {
    const found = await automaticLimitsFor(
      tx,
      targets.map((t) => t.customerId!),
      { asOf: today },
    );
    const rates = await rateBook(tx);
    automatic = new Map(found.map((a) => [a.customerId, rates.toAccounting(a.creditLimit, a.currency, today, 'mode')]));
  }
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
    ...(type === 'creditLimit'
      ? keepsExpiry
        ? {}
        : { newExpirationDate: date(t.expiry, d?.newExpirationDate) }
      : { newFromDate: date(t.from, d?.newFromDate), newToDate: date(t.to, d?.newToDate) }),
  }));
  const raw = lines.map((l) => ({ ...l, newCreditLimit: formatMoney(l.newCreditLimit) }));
  // Paths number the journal's lines: the generated ones follow those already there (one per taken key).
  const checked = await checkLines(tx, type, raw, taken, taken.size);
  if (checked.errors.length) refuse(checked.errors);
  return appendLines(tx, j, checked.lines as DomainLine[], checked.current, 'adjustmentJournal.generate');
}

/** Four eyes (credit.md §6, shared/credit/approvals.ts): refuses the journal's creator, submitter and line creators. */
async function requireSecondPerson(tx: Tx, j: JournalRow, doing: string): Promise<void> {
  const why = fourEyesRefusal(tx.actor.userId, {
    createdBy: j.created_by,
    submittedBy: j.submitted_by,
    lineCreators: await lineCreators(tx.db, j.id),
  });
  if (why)
    throw ruleViolation(
      `four eyes: nobody ${doing} a journal they created, submitted or put lines on (${why}); another credit manager must`,
    );
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
    const currentChanged =
      current !== null && (l.current_credit_limit === null || toBigInt(l.current_credit_limit) !== current);
    if (status === l.approval_status && !currentChanged) continue;
    await updateLine(tx.db, id, l.line_no, { approval_status: status, current_credit_limit: current });
    l.approval_status = status;
    l.current_credit_limit = current;
  }
  return saveJournal(
    tx,
    j,
    {
      status: 'submitted',
      submitted_by: tx.actor.userId,
      submitted_at: tx.now,
      rejected_by: null,
      rejected_at: null,
      reject_comment: null,
    },
    'adjustmentJournal.submit',
    null,
    lines,
  );
}

export async function approveJournal(tx: Tx, id: string, ifMatch: number): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status !== 'submitted')
    throw ruleViolation(`journal ${id} is ${j.status}; only a submitted journal can be approved`);
  await requireSecondPerson(tx, j, 'approves');
  return saveJournal(
    tx,
    j,
    { status: 'approved', approved_by: tx.actor.userId, approved_at: tx.now },
    'adjustmentJournal.approve',
  );
}

export async function rejectJournal(tx: Tx, id: string, comment: string, ifMatch: number): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status !== 'submitted')
    throw ruleViolation(`journal ${id} is ${j.status}; only a submitted journal can be rejected`);
  // Rejecting asks less than approving (shared/credit/approvals.ts): only the submitter is refused.
  if (fourEyesRefusal(tx.actor.userId, { createdBy: null, submittedBy: j.submitted_by, lineCreators: [] }))
    throw ruleViolation('nobody decides on their own submission');
  return saveJournal(
    tx,
    j,
    {
      status: 'rejected',
      rejected_by: tx.actor.userId,
      rejected_at: tx.now,
      reject_comment: comment,
      approved_by: null,
      approved_at: null,
    },
    'adjustmentJournal.reject',
    comment,
  );
}

/** Approves or rejects one line of a submitted journal (per-line approval); never the submitter's own. */
export async function decideLine(
  tx: Tx,
  id: string,
  lineNo: number,
  decision: 'approved' | 'rejected',
  ifMatch: number,
): Promise<Journal> {
  const j = await lockJournal(tx, id);
  await checkVersion(tx, j, ifMatch);
  if (j.status !== 'submitted' && j.status !== 'approved')
    throw ruleViolation(`journal ${id} is ${j.status}; lines are approved after submission`);
  await requireSecondPerson(tx, j, 'decides on the lines of');
  const line = await findLine(tx.db, id, lineNo);
  if (!line) throw notFound('journal line', `${id}/${lineNo}`);
  // A line awaits approval when marked at submission, or when the limit has moved since so that
  // it now raises the limit by more than the parameter's amount (checked again at posting).
  const threshold = (await getParameters(tx)).values.adjustmentLineApprovalAmount;
  const current = (await limitsNow(tx, [line])).get(limitKey(line)) ?? null;
  if (!lineAwaitsApproval(line.approval_status, toBigInt(line.new_credit_limit), current, threshold))
    throw ruleViolation(`line ${lineNo} does not await approval (it is ${line.approval_status})`);
  await updateLine(tx.db, id, lineNo, { approval_status: decision });
  return saveJournal(
    tx,
    j,
    {},
    `adjustmentJournal.line.${decision === 'approved' ? 'approve' : 'reject'}`,
    `line ${lineNo}`,
  );
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
  if (params.requireAdjustmentApproval && j.status !== 'approved')
    throw ruleViolation(`journal ${id} is ${j.status}: adjustments need an approved journal before posting`);
  const { lines: all, limits: customers } = await linesWithLimits(tx, id);
  if (all.length === 0) throw ruleViolation('a journal without lines has nothing to post');
  // With per-line approval on, a line above the amount posts only once approved, even from a draft
  // that skipped submit, judged against each limit as it stands at posting (the rows just locked).
  const threshold = params.adjustmentLineApprovalAmount;
  const now = await limitsNow(tx, all);
  const pending = all.filter((l) =>
    lineAwaitsApproval(l.approval_status, toBigInt(l.new_credit_limit), now.get(limitKey(l)) ?? null, threshold),
  );
  if (pending.length)
    throw ruleViolation(
      `${pending.length} line(s) still await approval`,
      pending.map((l) => ({
        path: `lines.${l.line_no}`,
        message:
          l.approval_status === 'pending'
            ? 'awaits line approval'
            : `awaits line approval: raises the limit by more than ${formatMoney(threshold!)} over the limit it now has (${formatMoney(now.get(limitKey(l)) ?? 0n)})`,
      })),
    );
  // Lines rejected in line approval are not posted.
  const lines = all.filter((l) => l.approval_status !== 'rejected');
  const date = postingDate ?? tx.today;

  for (const l of lines) {
    await tx.pace.step();
    const amount = toBigInt(l.new_credit_limit);
    if (j.type === 'temporary') {
      const row = {
        customer_id: l.customer_id,
        credit_group_id: l.credit_group_id,
        amount,
        from_date: l.new_from_date!,
        to_date: l.new_to_date!,
        source_journal_id: id,
        source_line_no: l.line_no,
        created_at: tx.now,
      };
      await insertTemporaryLimit(tx.db, row);
      tx.audit({
        action: 'temporaryLimit.create',
        entity: l.customer_id ? CUSTOMER : CREDIT_GROUP,
        entityId: (l.customer_id ?? l.credit_group_id)!,
        after: { ...row, amount: formatMoney(amount) },
        reason: `journal ${id} line ${l.line_no}`,
      });
      continue;
    }
    if (l.customer_id) {
      const c = customers.get(l.customer_id);
      if (!c)
        throw ruleViolation(`customer ${l.customer_id} of line ${l.line_no} no longer exists; nothing was posted`);
      const after: LimitRow = {
        id: c.id,
        credit_limit: amount,
        credit_limit_expiration_date: l.new_expiration_date,
        credit_limit_date: date,
        version: c.version + 1,
      };
      // Ten thousand lines post in one go: one prepared statement, and the audit keeps the fields that changed.
      await updateCustomerCreditLimit(tx, c.id, {
        creditLimit: amount,
        expirationDate: after.credit_limit_expiration_date,
        limitDate: date,
        updatedAt: tx.now,
        version: after.version,
      });
      customers.set(c.id, after);
      tx.changed(CUSTOMER, c.id, 'update', after.version, {
        action: 'customer.creditLimit',
        before: limitFields(c),
        after: limitFields(after),
        reason: `journal ${id} line ${l.line_no}`,
      });
    } else if (l.credit_group_id) {
      const g = await findCreditGroup(tx.db, l.credit_group_id);
      if (!g)
        throw ruleViolation(
          `credit group ${l.credit_group_id} of line ${l.line_no} no longer exists; nothing was posted`,
        );
      const set = {
        credit_limit: amount,
        credit_limit_to_date: l.new_expiration_date ?? g.credit_limit_to_date,
        updated_at: tx.now,
        version: g.version + 1,
      };
      await updateCreditGroup(tx.db, g.id, set);
      tx.changed(CREDIT_GROUP, g.id, 'update', set.version, {
        action: 'creditGroup.creditLimit',
        before: {
          id: g.id,
          creditLimit: formatMoney(toBigInt(g.credit_limit)),
          creditLimitToDate: g.credit_limit_to_date,
        },
        after: { id: g.id, creditLimit: formatMoney(amount), creditLimitToDate: set.credit_limit_to_date },
        reason: `journal ${id} line ${l.line_no}`,
      });
      // Members' expiry equals the group's date while they are members (credit.md §1.5, §3), as on PUT /credit-groups.
      if (set.credit_limit_to_date !== g.credit_limit_to_date) {
        const members = [...(await findCustomersByIds(tx.db, await membersOf(tx.db, g.id), lockRows(tx))).values()].map(
          (row) => ({ id: row.id, creditLimitExpirationDate: row.credit_limit_expiration_date, row }),
        );
        for (const { member, creditLimitExpirationDate } of membersTakingGroupExpiry(
          members,
          set.credit_limit_to_date,
        )) {
          const m = member.row;
          const mset = {
            credit_limit_expiration_date: creditLimitExpirationDate,
            updated_at: tx.now,
            version: m.version + 1,
          };
          await updateCustomer(tx.db, m.id, mset);
          if (customers.has(m.id)) customers.set(m.id, { ...m, ...mset });
          tx.changed(CUSTOMER, m.id, 'update', mset.version, {
            action: 'customer.joinCreditGroup',
            before: limitFields(m),
            after: limitFields({ ...m, ...mset }),
            reason: `credit group ${g.id} expiry from journal ${id} line ${l.line_no}`,
          });
        }
      }
    }
  }
  // Posting changes no line: the lines read above are the journal's lines.
  return saveJournal(
    tx,
    j,
    { status: 'posted', posted_by: tx.actor.userId, posted_at: tx.now, posting_date: date },
    'adjustmentJournal.post',
    null,
    all,
  );
}

const limitFields = (c: {
  id: string;
  credit_limit: LineRow['new_credit_limit'];
  credit_limit_expiration_date: string | null;
  credit_limit_date: string | null;
  version: number;
}) => ({
  id: c.id,
  creditLimit: formatMoney(toBigInt(c.credit_limit)),
  creditLimitExpirationDate: c.credit_limit_expiration_date,
  creditLimitDate: c.credit_limit_date,
  version: c.version,
});
