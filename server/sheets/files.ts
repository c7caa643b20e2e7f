import { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { excel } from './exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { ApiError } from '../http/errors';
import { matchHeaders, prefix, type CellValue } from '../../shared/sheets/cells';
import { readXlsxCells } from './xlsx/workbook';
import {
  cellTooLong,
  MAX_CELL_CHARS,
  MAX_COLUMNS,
  MAX_UPLOAD_BYTES,
  MAX_UPLOAD_CELLS,
  MAX_UPLOAD_ROWS,
  ownString,
  tooManyCells,
  tooManyRows,
  unreadable,
} from './limits';
import { checkClaims, checkWorkbookZip, zipEntries } from './xlsx/zip';

export { zipEntries } from './xlsx/zip';

/**
 * Reading an uploaded sheet (SPEC §5 "Sheets without the add-in"): the kind is recognized from the
 * content, never from the name; every entry of an .xlsx is inflated within limits and checked
 * (./zip: sizes, zip bombs, DOCTYPE and entity declarations) before any reader opens it; formula
 * cells give their cached values and are never evaluated; CSV comes as real users produce it. Every
 * reader holds the same limits (./limits): rows, cells, and Excel's 32,767 characters a cell.
 */

interface SheetRow {
  /** The row number the person sees in the sheet (the header is its own row). */
  row: number;
  /** The row's cells up to its last value (shorter rows than the header end early). */
  cells: CellValue[];
}

export interface ReadSheet {
  kind: 'xlsx' | 'csv';
  sheetName: string | null;
  headerRow: number;
  /** The header row's cells as text, as wide as the widest row. */
  headers: string[];
  rows: SheetRow[];
  /** CSV only: the file uses semicolons, so amounts use a decimal comma. */
  decimalComma: boolean;
}

/**
 * Whether text is UTF-16: a byte order mark (FF FE, FE FF), or NUL bytes in every other position
 * (ASCII in UTF-16 has a NUL beside each character) and hardly any in the others.
 */
function isUtf16(head: Buffer): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)))
    return true;
  const pairs = head.length >> 1;
  if (pairs === 0) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  return (odd >= pairs / 2 && even <= pairs / 20) || (even >= pairs / 2 && odd <= pairs / 20);
}

/**
 * The most fields a record of CSV text has, quotes followed as csv-parse follows them (a
 * delimiter or line end inside a quoted field is part of the field); it stops counting past
 * MAX_COLUMNS.
 */
function widestRecord(text: string, delimiter: string): number {
  const d = delimiter.charCodeAt(0);
  let widest = 0;
  let fields = 1;
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) i++;
        else quoted = false;
      }
    } else if (c === d) {
      if (++fields > MAX_COLUMNS) return fields;
      fieldStart = true;
    } else if (c === 10 || c === 13) {
      widest = Math.max(widest, fields);
      fields = 1;
      fieldStart = true;
    } else {
      if (c === 34 && fieldStart) quoted = true;
      fieldStart = false;
    }
  }
  return Math.max(widest, fields);
}

/** What the bytes are: an xlsx workbook, CSV text, or something to refuse (with the reason). */
function sniff(buf: Buffer): 'xlsx' | 'csv' {
  if (buf.length === 0) throw unreadable('the file is empty');
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50) {
    const entries = zipEntries(buf);
    if (!entries.some((e) => e.name === '[Content_Types].xml') || !entries.some((e) => e.name.startsWith('xl/'))) {
      throw unreadable('the zip archive is not an Excel workbook (.xlsx)');
    }
    checkClaims(entries);
    return 'xlsx';
  }
  const head = buf.subarray(0, Math.min(buf.length, 8192));
  if (isUtf16(head))
    throw unreadable(
      'the file is UTF-16 text; save it as UTF-8: in Excel, Save As "CSV UTF-8 (Comma delimited) (*.csv)"',
    );
  if (head.includes(0))
    throw unreadable('the file is neither an .xlsx workbook nor CSV text (it contains binary data)');
  if (new TextDecoder('utf-8', { fatal: false }).decode(head).includes('\ufffd')) {
    throw unreadable('the file is not UTF-8 text; save the CSV as "CSV UTF-8"');
  }
  return 'csv';
}

const isBlank = (cells: readonly CellValue[]) =>
  cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''));

/** The header row: the first row (of the first 20) in which at least two columns are recognized. */
function findHeader(rows: readonly CellValue[][]): number {
  for (let i = 0; i < Math.min(rows.length, 20); i++) {
    const headers = rows[i]!.map((c) => (c === null ? '' : String(c)));
    if (matchHeaders(headers).columns.size >= 2) return i;
  }
  return rows.findIndex((r) => !isBlank(r));
}

/**
 * The header and the data rows. The rows stay as the readers give them (each up to its last value:
 * padding every row to the widest would make 50,000 rows of 16,384 cells of a sheet with one cell
 * in column XFD); the header is as wide as the widest row.
 */
function toSheet(
  kind: 'xlsx' | 'csv',
  sheetName: string | null,
  all: CellValue[][],
  rowNumbers: number[],
  decimalComma: boolean,
): ReadSheet {
  const h = findHeader(all);
  if (h < 0) throw unreadable('the sheet is empty');
  let width = 0;
  for (const r of all) width = Math.max(width, r.length);
  const headers = Array.from({ length: width }, (_, i) => {
    const c = all[h]![i] ?? null;
    return c === null ? '' : String(c).trim();
  });
  const rows: SheetRow[] = [];
  for (let i = h + 1; i < all.length; i++) {
    if (isBlank(all[i]!)) continue;
    rows.push({ row: rowNumbers[i]!, cells: all[i]! });
    if (rows.length > MAX_UPLOAD_ROWS) tooManyRows();
  }
  return { kind, sheetName, headerRow: rowNumbers[h]!, headers, rows, decimalComma };
}

/** A cell's value as the sheet shows it: formula results (never evaluated), rich text joined, errors as null. */
function cellValue(v: ExcelJS.CellValue): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('result' in v) return cellValue((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((t) => t.text).join('');
    if ('text' in v) return String((v as ExcelJS.CellHyperlinkValue).text);
    if ('error' in v) return null;
  }
  return null;
}

/** The adjustments worksheet of a loaded workbook: the one named like "Adjustments", else the first with rows (the streaming reader's choice). */
export function adjustmentsSheet(wb: ExcelJS.Workbook): ExcelJS.Worksheet {
  const sheets = wb.worksheets.filter((w) => w.state !== 'veryHidden');
  const named = sheets.find((w) => /adjust/i.test(w.name));
  const sheet = named ?? sheets.find((w) => w.actualRowCount > 0);
  if (!sheet) throw unreadable('the workbook has no sheet with data');
  return sheet;
}

/** The strings of a list (exceljs's shared strings) by their text; only those a slice would not copy (13 characters or more). */
function byText(list: unknown[] | undefined): Map<string, string> {
  const strings = new Map<string, string>();
  for (const s of list ?? []) if (typeof s === 'string' && s.length >= 13 && !strings.has(s)) strings.set(s, s);
  return strings;
}

/**
 * The cells of the adjustments sheet, read with exceljs's streaming reader: rows are visited once
 * and styles are not loaded (dates then arrive as serial numbers, which parseDateCell reads), so a
 * 50,000-row workbook never sits in memory as a full object model. The rows are not padded.
 * The fallback of readXlsxCells (./xlsx/workbook.ts), which reads most workbooks with far less garbage.
 * exceljs never sees the upload itself: every entry is checked first (./zip: inflated within its
 * limit, no DOCTYPE or entity declaration), and exceljs reads a copy of exactly the checked
 * entries. The limits of rows, cells and characters a cell are those of the lean reader.
 */
export async function streamXlsx(buf: Buffer): Promise<{ name: string; all: CellValue[][]; numbers: number[] }> {
  const zip = await checkWorkbookZip(buf);
  const ExcelJS = await excel();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(zip.forExceljs()), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  let chosen: { name: string; all: CellValue[][]; numbers: number[] } | null = null;
  let cellCount = 0; // the cells of every sheet read, held until the choice is made
  // exceljs's strings are slices of the 16 kB pieces of text it parsed: a cell keeps its piece in
  // memory (a 128 MB sheet with a text cell in every piece would stay whole), so a string cell is
  // a copy of its own (ownString), unless it is one of the shared strings (parsed before any
  // worksheet, as forExceljs orders the zip): then it is that string, which keeps at most pieces
  // of the shared-strings part (MAX_PART_BYTES), whichever cells refer to it.
  let shared: Map<string, string> | null = null;
  for await (const ws of reader) {
    shared ??= byText((reader as unknown as { sharedStrings?: unknown[] }).sharedStrings);
    const name = String((ws as unknown as { name?: string }).name ?? '');
    const named = /adjust/i.test(name);
    if (chosen && !named) {
      for await (const _row of ws) void _row; // skip a later sheet
      continue;
    }
    const all: CellValue[][] = [];
    const numbers: number[] = [];
    for await (const row of ws) {
      const values = row.values as ExcelJS.CellValue[];
      const cells: CellValue[] = [];
      for (let c = 1; c < values.length; c++) {
        const value = cellValue(values[c] ?? null);
        if (typeof value === 'string') {
          if (value.length > MAX_CELL_CHARS) cellTooLong(name, row.number, c, value);
          cells.push(shared.get(value) ?? ownString(value));
        } else cells.push(value);
      }
      cellCount += cells.length;
      if (cellCount > MAX_UPLOAD_CELLS) tooManyCells();
      all.push(cells);
      numbers.push(row.number);
      if (all.length > MAX_UPLOAD_ROWS + 21) tooManyRows();
    }
    if (all.length > 0 && (!chosen || named)) chosen = { name, all, numbers };
    if (named && all.length > 0) break;
  }
  if (!chosen) throw unreadable('the workbook has no sheet with data');
  return chosen;
}

/**
 * The whole workbook (styles and all), to write a Result column back into the uploaded file. Read
 * by exceljs from the checked copy of the upload (./zip), as streamXlsx reads it.
 */
export async function loadWorkbook(buf: Buffer): Promise<ExcelJS.Workbook> {
  const zip = await checkWorkbookZip(buf);
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(zip.forExceljs() as unknown as ArrayBuffer);
  } catch {
    throw unreadable('the workbook could not be read; save it again as .xlsx');
  }
  return wb;
}

/**
 * Reads an uploaded .xlsx or .csv into header and rows (limits enforced), recognizing it by
 * content. An .xlsx is read by the lean reader (readXlsxCells), or by exceljs's streaming reader
 * when the lean one does not support the file; the two give the same cells, so the JSON answer
 * and the annotated workbook are built from the same reading of the rows either way.
 */
export async function readUpload(buf: Buffer): Promise<ReadSheet> {
  if (buf.length > MAX_UPLOAD_BYTES) throw new ApiError('payload_too_large', 'the file is larger than 10 MB');
  if (sniff(buf) === 'xlsx') {
    let read: Awaited<ReturnType<typeof streamXlsx>>;
    try {
      // Every entry first (./zip), whichever reader then reads the file; a refused file is never
      // left to exceljs. A damaged file makes the lean reader throw (no second try with exceljs);
      // null means "not supported here", and exceljs reads it.
      await checkWorkbookZip(buf);
      read = (await readXlsxCells(buf, MAX_UPLOAD_ROWS)) ?? (await streamXlsx(buf));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw unreadable('the workbook could not be read; save it again as .xlsx');
    }
    return toSheet('xlsx', read.name, read.all, read.numbers, false);
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The delimiter: the one the first line has more of (counted in place: a first line may be 10 MB).
  let semicolons = 0;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 59) semicolons++;
    else if (c === 44) commas++;
    else if (c === 10 || c === 13) break;
  }
  const delimiter = semicolons > commas ? ';' : ',';
  // Before csv-parse makes an array of every field: a line of 10 million commas is 10 MB.
  if (widestRecord(text, delimiter) > MAX_COLUMNS) {
    throw unreadable(
      `the CSV has a row of more than ${MAX_COLUMNS.toLocaleString('en-US')} columns, more than a sheet can have in Excel; nothing was saved`,
    );
  }
  // Each record as the .xlsx readers give a row: up to its last value, empty fields null; with
  // their limits (Excel's 32,767 characters a cell, MAX_UPLOAD_CELLS cells).
  let cellCount = 0;
  const onRecord = (record: string[], context: { records: number }): CellValue[] => {
    let last = 0;
    for (let j = 0; j < record.length; j++) {
      const c = record[j]!;
      if (c.length > MAX_CELL_CHARS) cellTooLong(null, context.records, j + 1, c);
      if (c !== '') last = j + 1;
    }
    cellCount += last;
    if (cellCount > MAX_UPLOAD_CELLS) tooManyCells();
    const cells: CellValue[] = new Array(last);
    for (let j = 0; j < last; j++) cells[j] = record[j] === '' ? null : record[j]!;
    return cells;
  };
  let all: CellValue[][];
  try {
    all = parseCsv(text, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: false,
      trim: false,
      to: MAX_UPLOAD_ROWS + 25,
      on_record: onRecord as unknown as (record: string[]) => string[],
    }) as unknown as CellValue[][];
  } catch (e) {
    if (e instanceof ApiError) throw e;
    // csv-parse may quote the field it stopped at: a short prefix only.
    throw unreadable(`the CSV could not be read: ${prefix((e as Error).message.split('\n')[0] ?? '', 200)}`);
  }
  if (all.length > MAX_UPLOAD_ROWS + 21) tooManyRows();
  return toSheet(
    'csv',
    null,
    all,
    all.map((_, i) => i + 1),
    delimiter === ';',
  );
}
