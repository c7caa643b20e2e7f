import { createHash, randomBytes } from 'node:crypto';
import type ExcelJS from 'exceljs';
import type { Tx } from '../db/transaction';
import type { Reader } from '../db/prepared-sql';
import { ApiError } from '../http/errors';
import { createJournal } from '../credit/journals/journals.service';
import { validateJournal } from '../credit/journals/journals.validate';
import { JOURNAL_TYPES } from '../credit/journals/journals.schema';
import { formatMoney } from '../../shared/money';
import {
  matchHeaders,
  normalizeHeader,
  parseAmountCell,
  parseDateCell,
  prefix,
  quoteCell,
  textCell,
  type AdjustmentField,
  type CellValue,
} from '../../shared/sheets/cells';
import { adjustmentsSheet, type ReadSheet } from './files';
import { withArticle } from '../../shared/words';

/**
 * Uploading a sheet of limit changes (SPEC §5): each row becomes a journal line through the same
 * validation as `POST /adjustment-journals`; the answer is per row, numbered as in the sheet.
 */
type JournalType = (typeof JOURNAL_TYPES)[number];
type ValidatedLine = Awaited<ReturnType<typeof validateJournal>>['lines'][number];

interface RowError {
  /** The field (`newCreditLimit`) or `row`. */
  path: string;
  /** The column header as written in the sheet, when the error is about one cell. */
  column: string | null;
  message: string;
}

export interface RowResult {
  row: number;
  status: 'ok' | 'error';
  errors: RowError[];
  customerId: string | null;
  creditGroupId: string | null;
  /** The currency the row's limits are in: the accounting currency for a customer, the group's own for a credit group; null when neither is known. */
  currency: string | null;
  currentCreditLimit: string | null;
  newCreditLimit: string | null;
  projectedAvailableCredit: string | null;
  projectedPercentUsed: string | null;
  releasableHolds: string[];
}

export interface UploadOutcome {
  type: JournalType;
  sheet: string | null;
  headerRow: number;
  valid: boolean;
  rows: RowResult[];
}

const TYPE_NAMES: Record<string, JournalType> = {
  creditlimit: 'creditLimit',
  limit: 'creditLimit',
  temporary: 'temporary',
  temporarylimit: 'temporary',
  temp: 'temporary',
};

interface Converted {
  row: number;
  line: Record<string, unknown> | null;
  type: JournalType | null;
  errors: RowError[];
  /** The Currency cell as typed (trimmed), null when empty or the sheet has no Currency column. */
  currency: string | null;
}

/**
 * The header of a field's column as the answer names it: a header matches however much space and
 * punctuation it has around the name ("New limit"), so it is quoted short, as every row repeats it.
 */
function columnHeader(sheet: ReadSheet, columns: Map<AdjustmentField, number>, f: AdjustmentField): string | null {
  const i = columns.get(f);
  const h = i === undefined ? undefined : sheet.headers[i];
  return h === undefined ? null : prefix(h, 40);
}

/** One sheet row as a journal line, or the reasons it cannot be one (cell by cell). */
function convertRow(
  sheet: ReadSheet,
  columns: Map<AdjustmentField, number>,
  row: number,
  cells: CellValue[],
): Converted {
  const errors: RowError[] = [];
  const header = (f: AdjustmentField) => columnHeader(sheet, columns, f) ?? f;
  const cell = (f: AdjustmentField): CellValue => (columns.has(f) ? (cells[columns.get(f)!] ?? null) : null);
  const line: Record<string, unknown> = {};
  const customerId = textCell(cell('customerId'));
  const creditGroupId = textCell(cell('creditGroupId'));
  if (customerId !== null) line.customerId = customerId;
  if (creditGroupId !== null) line.creditGroupId = creditGroupId;
  const limit = parseAmountCell(cell('newCreditLimit'), sheet.decimalComma);
  if (limit.ok) line.newCreditLimit = formatMoney(limit.value);
  else errors.push({ path: 'newCreditLimit', column: header('newCreditLimit'), message: limit.message });
  for (const f of ['newExpirationDate', 'newFromDate', 'newToDate'] as const) {
    const v = cell(f);
    if (v === null || (typeof v === 'string' && v.trim() === '')) continue; // empty: keep the current value
    const d = parseDateCell(v);
    if (d.ok) line[f] = d.value;
    else errors.push({ path: f, column: header(f), message: d.message });
  }
  let type: JournalType | null = 'creditLimit';
  const typeText = textCell(cell('type'));
  if (typeText !== null) {
    type = TYPE_NAMES[normalizeHeader(typeText)] ?? null;
    if (type === null)
      errors.push({
        path: 'type',
        column: header('type'),
        message: `${quoteCell(typeText)} is not a journal type; use creditLimit or temporary`,
      });
  }
  return {
    row,
    line: errors.length ? null : line,
    type,
    errors,
    currency: textCell(cell('currency')),
  };
}

/**
 * The optional Currency cell against the currency the row's limit is in, as the journal validation
 * states it (credit.md §1.2, §1.5: the accounting currency for a customer, the group's own for a
 * credit group): empty is fine, the same code in any case is fine, anything else refuses the row.
 * A row the validation did not reach (its cells are refused) or an unknown group is not compared.
 */
function currencyErrors(c: Converted, v: ValidatedLine | undefined, column: () => string): RowError[] {
  const limitsIn = v?.currency;
  if (c.currency === null || !limitsIn || c.currency.toUpperCase() === limitsIn) return [];
  const message = v.customerId
    ? `is ${quoteCell(c.currency)}, but customer limits are in ${limitsIn}, the accounting currency`
    : `is ${quoteCell(c.currency)}, but the limit of credit group ${v.creditGroupId} is in ${limitsIn}, the group's currency`;
  return [{ path: 'currency', column: column(), message }];
}

/** A journal error path (`lines.3.newFromDate`) as the field it names. */
const fieldOf = (path: string) => path.split('.').slice(2).join('.') || 'row';

/** A row's result: its own cell errors, then the journal validation's answer for its line (when its cells were good). */
function rowResult(
  sheet: ReadSheet,
  columns: Map<AdjustmentField, number>,
  c: Converted,
  v: ValidatedLine | undefined,
): RowResult {
  const column = (path: string) => columnHeader(sheet, columns, fieldOf(path) as AdjustmentField);
  // An id is at most 64 characters (SPEC §8): a longer one (refused by the validation) is quoted short.
  const lineId = c.line?.customerId as string | undefined;
  const currency = currencyErrors(c, v, () => columnHeader(sheet, columns, 'currency') ?? 'currency');
  const errors =
    v?.errors.length || currency.length
      ? [
          ...c.errors,
          ...(v?.errors ?? []).map((e) => ({ path: fieldOf(e.path), column: column(e.path), message: e.message })),
          ...currency,
        ]
      : c.errors;
  return {
    row: c.row,
    status: errors.length ? 'error' : 'ok',
    errors,
    customerId: v?.customerId ?? (lineId === undefined ? null : prefix(lineId, 64)),
    creditGroupId: v?.creditGroupId ?? null,
    currency: v?.currency ?? null,
    currentCreditLimit: v?.currentCreditLimit ?? null,
    newCreditLimit: v?.newCreditLimit ?? null,
    projectedAvailableCredit: v?.projectedAvailableCredit ?? null,
    projectedPercentUsed: v?.projectedPercentUsed ?? null,
    releasableHolds: v?.releasableHolds ?? [],
  };
}

/**
 * Checks every row: the cells first (amounts, dates, type), then the journal's own validation
 * (customers and credit groups exist, dates in order, no duplicates…) for the rows whose cells are
 * good. One upload makes one journal, so every row must have the same type.
 */
export async function checkUpload(
  r: Reader,
  sheet: ReadSheet,
): Promise<UploadOutcome & { lines: Record<string, unknown>[] }> {
  const { columns } = matchHeaders(sheet.headers);
  const missing: string[] = [];
  if (!columns.has('customerId') && !columns.has('creditGroupId')) missing.push('a Customer (or Credit group) column');
  if (!columns.has('newCreditLimit')) missing.push('a New limit column');
  if (missing.length) {
    // The header row quoted short: 20 headers of at most 40 characters (a header is a cell of up to 32,767).
    const named = sheet.headers.filter(Boolean);
    const reads =
      named
        .slice(0, 20)
        .map((h) => prefix(h, 40))
        .join(', ') + (named.length > 20 ? `, … (${named.length} columns)` : '');
    throw new ApiError(
      'rule_violation',
      `the sheet has no ${missing.join(' and no ')}; the header row (row ${sheet.headerRow}) reads: ${reads || '(empty)'}`,
      [{ path: 'file', message: `missing ${missing.join(', ')}` }],
    );
  }
  if (sheet.rows.length === 0)
    throw new ApiError('rule_violation', 'the sheet has a header but no data rows', [
      { path: 'file', message: 'no data rows' },
    ]);
  const converted: Converted[] = [];
  await r.pace.each(sheet.rows, (x) => void converted.push(convertRow(sheet, columns, x.row, x.cells)));
  const type = converted.find((c) => c.type !== null)?.type ?? 'creditLimit';
  for (const c of converted) {
    if (c.type !== null && c.type !== type) {
      c.errors.push({
        path: 'type',
        column: columnHeader(sheet, columns, 'type') ?? 'type',
        message: `is ${c.type}, but this upload is ${withArticle(type)} journal (one upload makes one journal)`,
      });
      c.line = null;
    }
  }
  const good = converted.filter((c) => c.line !== null);
  const lines = good.map((c) => c.line!);
  // Validated 5,000 lines at a time (duplicates are still found across parts through `taken`), and
  // each part's answer becomes row results at once, so a 50,000-row sheet never holds every line's
  // engine input, projection and validation answer together.
  const results = new Map<number, RowResult>();
  const taken = new Set<string>();
  for (let i = 0; i < good.length; i += 5000) {
    const part = good.slice(i, i + 5000);
    const validation = await validateJournal(r, { type, lines: part.map((c) => c.line!) }, taken);
    await r.pace.each(part, (c, j) => void results.set(c.row, rowResult(sheet, columns, c, validation.lines[j])));
    for (const c of part) {
      const l = c.line!;
      if (l.customerId && !l.creditGroupId) taken.add(`c:${String(l.customerId)}`);
      else if (l.creditGroupId && !l.customerId) taken.add(`g:${String(l.creditGroupId)}`);
    }
  }
  const rows: RowResult[] = [];
  await r.pace.each(converted, (c) => void rows.push(results.get(c.row) ?? rowResult(sheet, columns, c, undefined)));
  const valid = rows.every((x) => x.status === 'ok');
  return { type, sheet: sheet.sheetName, headerRow: sheet.headerRow, valid, rows, lines };
}

/** Creates the journal of a valid upload and keeps the file and its results for audit, in the caller's transaction. */
export async function applyUpload(
  tx: Tx,
  file: { name: string; type: string; bytes: Buffer },
  outcome: UploadOutcome & { lines: Record<string, unknown>[] },
  description: string,
) {
  const journal = await createJournal(tx, { type: outcome.type, description, lines: outcome.lines });
  const id = `UPL-${randomBytes(5).toString('hex')}`;
  await tx.db
    .insertInto('uploads')
    .values({
      id,
      kind: 'adjustments',
      file_name: file.name,
      file_type: file.type,
      file_size: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      content: file.bytes,
      row_count: outcome.rows.length,
      results: JSON.stringify(outcome.rows),
      journal_id: journal.id,
      uploaded_by: tx.actor.userId,
      uploaded_at: tx.now,
    })
    .execute();
  tx.changed('upload', id, 'create', 1, {
    action: 'upload.adjustments',
    after: {
      id,
      fileName: file.name,
      fileType: file.type,
      fileSize: file.bytes.length,
      rows: outcome.rows.length,
      journalId: journal.id,
    },
  });
  return { uploadId: id, journalId: journal.id };
}

/** The text of the Result column for one row. */
function resultText(r: RowResult, journalId: string | null): string {
  if (r.status === 'ok') return journalId ? `OK: in journal ${journalId}` : 'OK';
  return r.errors.map((e) => `${e.column ?? e.path}: ${e.message}`).join('; ');
}

/**
 * The uploaded workbook with a Result column filled in: an existing "Result" column is reused,
 * otherwise one is added after the last header. Everything else (styles, other sheets) is kept.
 */
export function annotateWorkbook(
  wb: ExcelJS.Workbook,
  sheetName: string,
  headerRow: number,
  rows: RowResult[],
  journalId: string | null,
): void {
  const sheet = wb.getWorksheet(sheetName) ?? adjustmentsSheet(wb);
  const header = sheet.getRow(headerRow);
  let col = 0;
  header.eachCell({ includeEmpty: false }, (cell, n) => {
    if (normalizeHeader(String(cell.value ?? '')) === 'result') col = n;
  });
  if (col === 0) {
    col = header.actualCellCount === 0 ? 1 : header.cellCount + 1;
    const cell = header.getCell(col);
    cell.value = 'Result';
    cell.font = { bold: true };
  }
  for (const r of rows) {
    const cell = sheet.getRow(r.row).getCell(col);
    cell.value = resultText(r, journalId);
    cell.font = { color: { argb: r.status === 'ok' ? 'FF107C10' : 'FFC50F1F' } };
  }
  sheet.getColumn(col).width = Math.max(sheet.getColumn(col).width ?? 10, 40);
}
