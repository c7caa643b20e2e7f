/**
 * The Proposals table: credit-limit proposals typed in a sheet, previewed locally with the very
 * functions the server's journal `:validate` runs (shared/credit/adjustments), then sent as
 * adjustment journals with an Idempotency-Key. Results land on rows by customer id, so sorting or
 * filtering the table in between never puts a result on the wrong row.
 */
import { formatMoney, type Money, type Rate } from '../../shared/money';
import { percentJson } from '../../shared/api/percent';
import { todayUtc, type CalendarDate } from '../../shared/dates';
import {
  generatedLimit,
  projectLine,
  releasableHolds,
  validateJournalLines,
  type JournalLineInput,
  type JournalType,
} from '../../shared/credit/adjustments';
import {
  cellDate,
  cellMoney,
  cellPercent,
  cellText,
  isBlank,
  moneyCell,
  recordsOf,
  type CellRecord,
} from '../excel/cells';
import {
  ensureTable,
  readTable,
  updateRows,
  type Cell,
  type ExcelHost,
  type Progress,
  type RowUpdate,
  type TableSpec,
} from '../excel/workbook';
import { ApiError, type CreditDeskClient } from '../sync/api';
import type { PreviewContext } from '../sync/credit-context';
import type { JournalJson, JournalValidationJson } from '../../shared/api/wire';
import { keyFor, saveSyncState, type WorkbookSyncState } from '../sync/state';
import { isId } from '../../shared/ids';

export const PROPOSALS: TableSpec = {
  name: 'Proposals',
  sheet: 'Proposals',
  columns: [
    { header: 'Customer', kind: 'text' },
    { header: 'Name', kind: 'text' },
    { header: 'Currency', kind: 'text' },
    { header: 'Current limit', kind: 'money' },
    { header: 'New limit', kind: 'money' },
    { header: '% change', kind: 'percent' },
    { header: 'Expiry', kind: 'text' },
    { header: 'Temporary from', kind: 'text' },
    { header: 'Temporary to', kind: 'text' },
    { header: 'Limit after', kind: 'money' },
    { header: 'Available now', kind: 'money' },
    { header: 'Projected available', kind: 'money' },
    { header: 'Projected % used', kind: 'percent' },
    { header: 'Holds released', kind: 'text' },
    { header: 'Status', kind: 'text' },
    { header: 'Journal', kind: 'text' },
    { header: 'Message', kind: 'text' },
  ],
};

/** The customer's details the pane writes, in table order from `Name`: the currency of the line's limits among them. */
const DETAIL_COLUMNS = ['Name', 'Currency', 'Current limit'] as const;

/** The columns the pane writes, in table order from `Limit after` (the limit a row sets: a % change applied). */
export const RESULT_COLUMNS = [
  'Limit after',
  'Available now',
  'Projected available',
  'Projected % used',
  'Holds released',
  'Status',
  'Journal',
  'Message',
] as const;

export interface ProposalRow {
  /** Data row in the table when it was read. */
  row: number;
  customerId: string;
  type: JournalType;
  newLimit: Money | null;
  pctChange: Rate | null;
  expiry: CalendarDate | null | undefined;
  fromDate: CalendarDate | null;
  toDate: CalendarDate | null;
  errors: string[];
}

/** One proposal from its cells; bad input (SPEC "Bad input") becomes messages on the row. Blank rows are null. */
export function parseProposal(rec: CellRecord, row: number, formats: Record<string, string> = {}): ProposalRow | null {
  const inputs = ['Customer', 'New limit', '% change', 'Expiry', 'Temporary from', 'Temporary to'];
  if (inputs.every((h) => isBlank(rec[h]))) return null;
  const errors: string[] = [];
  const customerId = cellText(rec.Customer);
  if (!customerId) errors.push('Customer is empty');
  else if (!isId(customerId)) errors.push(`Customer "${customerId}" is not a customer id`);
  let newLimit: Money | null = null;
  let pctChange: Rate | null = null;
  const hasLimit = !isBlank(rec['New limit']);
  const hasPct = !isBlank(rec['% change']);
  if (hasLimit && hasPct) errors.push('give a new limit or a % change, not both');
  if (!hasLimit && !hasPct) errors.push('New limit or % change is needed');
  if (hasLimit) {
    const m = cellMoney(rec['New limit']!, 'New limit');
    if (!m.ok) errors.push(m.message);
    else if (m.value < 0n) errors.push('New limit must not be negative');
    else newLimit = m.value;
  }
  if (hasPct) {
    const r = cellPercent(rec['% change']!, formats['% change'], '% change');
    if (!r.ok) errors.push(r.message);
    else pctChange = r.value;
  }
  const date = (h: string): CalendarDate | null => {
    if (isBlank(rec[h])) return null;
    const d = cellDate(rec[h]!, h);
    if (!d.ok) errors.push(d.message);
    return d.ok ? d.value : null;
  };
  const fromDate = date('Temporary from');
  const toDate = date('Temporary to');
  const temporary = !isBlank(rec['Temporary from']) || !isBlank(rec['Temporary to']);
  const expiry = isBlank(rec.Expiry) ? undefined : date('Expiry');
  return {
    row,
    customerId,
    type: temporary ? 'temporary' : 'creditLimit',
    newLimit,
    pctChange,
    expiry,
    fromDate,
    toDate,
    errors,
  };
}

export interface PreviewResult {
  currentLimit: Money | null;
  name: string;
  line: JournalLineInput | null;
  availableNow: Money | null;
  projectedAvailable: Money | null;
  projectedPercentUsed: Rate | null;
  releasable: string[];
  errors: string[];
}

/** The journal line of a parsed row; a % change is applied to the current limit the way `generate` does. */
export function lineOf(p: ProposalRow, currentLimit: Money | null): JournalLineInput | null {
  const limit =
    p.newLimit ??
    (p.pctChange !== null && currentLimit !== null
      ? generatedLimit(currentLimit, { valueType: 'percentage', value: p.pctChange })
      : null);
  if (limit === null) return null;
  const line: JournalLineInput = { customerId: p.customerId, newCreditLimit: limit };
  if (p.type === 'temporary') {
    line.newFromDate = p.fromDate;
    line.newToDate = p.toDate;
  } else if (p.expiry !== undefined) line.newExpirationDate = p.expiry;
  return line;
}

/**
 * The local preview of every row: the shared line validation (unknown customers, duplicates, dates),
 * then per valid customer line the projection and the holds that would pass — the same calls, in
 * the same order, as the server's `:validate`.
 */
export function previewProposals(rows: readonly ProposalRow[], ctx: PreviewContext): PreviewResult[] {
  const results: PreviewResult[] = rows.map((p) => {
    const c = ctx.customers.get(p.customerId);
    const currentLimit = c ? c.input.customer.creditLimit : null;
    const line = p.errors.length ? null : lineOf(p, currentLimit);
    const errors = [...p.errors];
    // A % change needs the current limit: without the customer there is nothing to apply it to.
    if (!errors.length && !line) errors.push(`customerId: customer ${p.customerId} does not exist`);
    return {
      currentLimit,
      name: c?.name ?? '',
      line,
      availableNow: null,
      projectedAvailable: null,
      projectedPercentUsed: null,
      releasable: [],
      errors,
    };
  });
  for (const type of ['creditLimit', 'temporary'] as const) {
    const idx = rows.flatMap((p, i) => (p.type === type && results[i]!.line ? [i] : []));
    const lines = idx.map((i) => results[i]!.line!);
    const errs = validateJournalLines(type, lines, {
      customerExists: (id) => ctx.customers.has(id),
      groupExists: (id) => ctx.groupIds.has(id),
      today: ctx.asOf,
    });
    for (const e of errs) results[idx[e.index]!]!.errors.push(`${e.field}: ${e.message}`);
  }
  rows.forEach((p, i) => {
    const r = results[i]!;
    const c = ctx.customers.get(p.customerId);
    if (r.errors.length || !r.line || !c) return;
    const projection = projectLine(c.input, p.type, r.line);
    r.availableNow = projection.currentAvailableCredit;
    r.projectedAvailable = projection.projectedAvailableCredit;
    r.projectedPercentUsed = projection.projectedPercentUsed;
    r.releasable = releasableHolds(c.holds, p.type, r.line).sort();
  });
  return results;
}

export interface ReadProposals {
  headers: string[];
  records: CellRecord[];
  parsed: ProposalRow[];
}

export async function readProposals(host: ExcelHost): Promise<ReadProposals> {
  await ensureTable(host, PROPOSALS);
  // With the number formats: a typed "10%" is 0.1 in a cell Excel formatted as a percentage.
  const { info, rows, formats } = await readTable(host, PROPOSALS.name, undefined, { formats: true });
  const records = recordsOf(info.headers, rows);
  const formatRecords = recordsOf(info.headers, formats ?? []) as Record<string, string>[];
  const parsed = records.flatMap((r, i) => {
    // Rows already in a journal stay as they are: sending twice would propose them twice.
    if (cellText(r.Status) === 'sent' && cellText(r.Journal)) return [];
    const p = parseProposal(r, i, formatRecords[i]);
    return p ? [p] : [];
  });
  return { headers: info.headers, records, parsed };
}

type ResultCells = [Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell];

/**
 * Which result a row gets: its customer and its kind of line. A customer may have a permanent and
 * a temporary row, each with its own outcome; the key is found again from the cells after the
 * user sorted the sheet (a row index would not be).
 */
export const resultKey = (customerId: string, type: JournalType) => `${customerId}|${type}`;
const rowType = (rec: CellRecord): JournalType =>
  isBlank(rec['Temporary from']) && isBlank(rec['Temporary to']) ? 'creditLimit' : 'temporary';
export type DetailPatch = Partial<Record<(typeof DETAIL_COLUMNS)[number], Cell>>;

/**
 * Writes result columns (Limit after … Message) on rows found by {@link resultKey} (customer and
 * kind of line) in the table as it is now, and, from `details`, the customer's columns (Name,
 * Currency, Current limit) by customer id; a patch's missing columns keep what the cell holds.
 */
export async function writeResults(
  host: ExcelHost,
  byKey: Map<string, Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>>,
  byRow: Map<number, Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>> = new Map(),
  details?: Map<string, DetailPatch>,
  onProgress?: Progress,
): Promise<void> {
  const { info, rows } = await readTable(host, PROPOSALS.name);
  const records = recordsOf(info.headers, rows);
  const updates: RowUpdate[] = [];
  const detailUpdates: RowUpdate[] = [];
  records.forEach((rec, row) => {
    const id = cellText(rec.Customer);
    const patch = byRow.get(row) ?? (id ? byKey.get(resultKey(id, rowType(rec))) : undefined);
    if (patch)
      updates.push({
        row,
        values: RESULT_COLUMNS.map((h) => (h in patch ? patch[h]! : (rec[h] ?? ''))) as ResultCells,
      });
    const d = id ? details?.get(id) : undefined;
    if (d) detailUpdates.push({ row, values: DETAIL_COLUMNS.map((h) => (h in d ? d[h]! : (rec[h] ?? ''))) });
  });
  await updateRows(host, PROPOSALS, RESULT_COLUMNS[0], updates, onProgress);
  if (detailUpdates.length) await updateRows(host, PROPOSALS, DETAIL_COLUMNS[0], detailUpdates);
}

/**
 * The currency customer limits are in: the accounting currency (credit.md §1.2), which the
 * preview writes beside each customer's limit (a sent row gets its journal line's own currency).
 * Null when the server does not say; the Currency cells then stay empty.
 */
export async function limitCurrency(client: CreditDeskClient): Promise<string | null> {
  // The parameters answer documents its values loosely (server/credit/parameters): read the one field.
  const p = await client.get<{ accountingCurrency?: unknown }>('/api/v1/parameters');
  return typeof p.accountingCurrency === 'string' ? p.accountingCurrency : null;
}

/** The Currency cells of a created journal's lines, by customer (a server older than multi-currency names none). */
function lineCurrencies(journal: Pick<JournalJson, 'lines'>): Map<string, DetailPatch> {
  const out = new Map<string, DetailPatch>();
  for (const l of journal.lines ?? []) if (l.customerId && l.currency) out.set(l.customerId, { Currency: l.currency });
  return out;
}

/** Cells of a previewed row. */
export function previewCells(r: PreviewResult): Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>> {
  if (r.errors.length)
    return {
      'Limit after': '',
      'Available now': '',
      'Projected available': '',
      'Projected % used': '',
      'Holds released': '',
      Status: 'error',
      Message: r.errors.join('; '),
    };
  return {
    'Limit after': moneyCell(r.line?.newCreditLimit ?? null),
    'Available now': moneyCell(r.availableNow),
    'Projected available': moneyCell(r.projectedAvailable),
    // The number the server's projectedPercentUsed writes (shared/api/percent.ts), as a number cell.
    'Projected % used': r.projectedPercentUsed === null ? '' : Number(percentJson(r.projectedPercentUsed)),
    'Holds released': r.releasable.join(', '),
    Status: 'previewed',
    Message: '',
  };
}

export interface SendOutcome {
  sent: number;
  failed: number;
  notSent: number;
  journals: string[];
  message: string;
}

/** Messages per line index from an error answer with `lines.N.field` paths. */
export function lineErrors(details: readonly { path: string; message: string }[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const d of details) {
    const m = /^lines\.(\d+)(?:\.(.+))?$/.exec(d.path);
    if (!m) continue;
    const i = Number(m[1]);
    out.set(i, [...(out.get(i) ?? []), m[2] ? `${m[2]}: ${d.message}` : d.message]);
  }
  return out;
}

/** The JSON the server receives for a line (money as 2-decimal strings). */
export function lineJson(l: JournalLineInput) {
  return {
    customerId: l.customerId,
    newCreditLimit: formatMoney(l.newCreditLimit),
    ...(l.newExpirationDate !== undefined ? { newExpirationDate: l.newExpirationDate } : {}),
    ...(l.newFromDate ? { newFromDate: l.newFromDate } : {}),
    ...(l.newToDate ? { newToDate: l.newToDate } : {}),
  };
}

/**
 * Send: rows with local errors stop the send (marked, nothing sent). Otherwise per journal type:
 * `:validate`, then create with the Idempotency-Key stored in the workbook for exactly this body —
 * a retry after a failure replays, never duplicates. Unreachable server: rows stay "not sent".
 */
export async function sendProposals(
  host: ExcelHost,
  client: CreditDeskClient,
  state: WorkbookSyncState,
  ctx: PreviewContext,
  description: string,
  onProgress?: Progress,
): Promise<SendOutcome> {
  const { parsed } = await readProposals(host);
  const preview = previewProposals(parsed, ctx);
  const cells = new Map<string, Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>>();
  const rowCells = new Map<number, Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>>();
  const bad = preview.flatMap((r, i) => (r.errors.length || !r.line ? [i] : []));
  if (bad.length) {
    preview.forEach((r, i) => {
      const p = parsed[i]!;
      const c = r.errors.length
        ? { Status: 'error', Message: r.errors.join('; ') }
        : { Status: 'not sent', Message: 'not sent: other rows have errors' };
      const key = resultKey(p.customerId, p.type);
      if (p.customerId && !cells.has(key)) cells.set(key, c);
      else rowCells.set(p.row, c);
    });
    await writeResults(host, cells, rowCells);
    return {
      sent: 0,
      failed: bad.length,
      notSent: parsed.length - bad.length,
      journals: [],
      message: `${bad.length} row(s) have errors; nothing was sent`,
    };
  }
  const outcome: SendOutcome = { sent: 0, failed: 0, notSent: 0, journals: [], message: '' };
  const currencies = new Map<string, DetailPatch>();
  let done = 0;
  for (const type of ['creditLimit', 'temporary'] as const) {
    // Lines in customer order, not sheet order: a resend after the user sorted is the same body,
    // so it reuses the stored Idempotency-Key and the server replays instead of creating twice.
    const idx = parsed
      .flatMap((p, i) => (p.type === type ? [i] : []))
      .sort((a, b) =>
        parsed[a]!.customerId < parsed[b]!.customerId ? -1 : parsed[a]!.customerId > parsed[b]!.customerId ? 1 : a - b,
      );
    if (!idx.length) continue;
    const body = { type, description, lines: idx.map((i) => lineJson(preview[i]!.line!)) };
    const bodyText = JSON.stringify(body);
    const slot = `proposals:${type}`;
    const key = keyFor(state, slot, bodyText);
    await saveSyncState(host, state);
    const mark = (i: number, c: Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>) =>
      cells.set(resultKey(parsed[i]!.customerId, parsed[i]!.type), c);
    try {
      const v = await client.post<JournalValidationJson>('/api/v1/adjustment-journals:validate', {
        type,
        lines: body.lines,
      });
      if (!v.valid) {
        v.lines.forEach((l) =>
          mark(
            idx[l.index]!,
            l.status === 'ok'
              ? { Status: 'not sent', Message: 'not sent: other rows have errors' }
              : {
                  Status: 'error',
                  Message: l.errors.map((e) => `${e.path.replace(/^lines\.\d+\./, '')}: ${e.message}`).join('; '),
                },
          ),
        );
        outcome.failed += v.lines.filter((l) => l.status === 'error').length;
        outcome.notSent += v.lines.filter((l) => l.status === 'ok').length;
        continue;
      }
      const journal = await client.post<JournalJson>('/api/v1/adjustment-journals', body, { idempotencyKey: key });
      idx.forEach((i) => mark(i, { Status: 'sent', Journal: journal.id, Message: '' }));
      for (const [id, c] of lineCurrencies(journal)) currencies.set(id, c);
      outcome.sent += idx.length;
      outcome.journals.push(journal.id);
      delete state.pendingSends[slot];
      await saveSyncState(host, state);
    } catch (e) {
      if (e instanceof ApiError && e.offline) {
        idx.forEach((i) =>
          mark(i, {
            Status: 'not sent',
            Message: 'server unreachable: Send again (the retry cannot create a second journal)',
          }),
        );
        outcome.notSent += idx.length;
      } else if (e instanceof ApiError && e.status === 422 && e.details.some((d) => d.path.startsWith('lines.'))) {
        const errs = lineErrors(e.details);
        idx.forEach((i, n) =>
          mark(
            i,
            errs.has(n)
              ? { Status: 'error', Message: errs.get(n)!.join('; ') }
              : { Status: 'not sent', Message: 'not sent: other rows have errors' },
          ),
        );
        outcome.failed += errs.size;
        outcome.notSent += idx.length - errs.size;
      } else {
        const message = e instanceof Error ? e.message : String(e);
        idx.forEach((i) => mark(i, { Status: 'not sent', Message: `not sent: ${message}` }));
        outcome.notSent += idx.length;
      }
    }
    done += idx.length;
    onProgress?.(done, parsed.length);
  }
  await writeResults(host, cells, new Map(), currencies);
  outcome.message =
    outcome.notSent && !outcome.sent && !outcome.failed
      ? 'The server could not be reached: rows are marked "not sent"; Send again later.'
      : `${outcome.sent} sent${outcome.journals.length ? ` (journal ${outcome.journals.join(', ')})` : ''}, ${outcome.failed} in error, ${outcome.notSent} not sent`;
  return outcome;
}

export const todayForPreview = () => todayUtc();

/** Marks the rows about to be sent "not sent" (the server could not be reached before anything went out). */
export async function markNotSent(host: ExcelHost, parsed: readonly ProposalRow[], message: string): Promise<void> {
  const cells = new Map<string, Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>>();
  const rows = new Map<number, Partial<Record<(typeof RESULT_COLUMNS)[number], Cell>>>();
  for (const p of parsed) {
    const key = resultKey(p.customerId, p.type);
    if (p.customerId && !cells.has(key)) cells.set(key, { Status: 'not sent', Message: message });
    else rows.set(p.row, { Status: 'not sent', Message: message });
  }
  await writeResults(host, cells, rows);
}
