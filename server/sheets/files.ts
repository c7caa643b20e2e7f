import { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { excel } from './exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { ApiError } from '../http/errors';
import { matchHeaders, type CellValue } from '../../shared/sheets/cells';
import { readXlsxCells } from './xlsx-cells';

/**
 * Reading an uploaded sheet (SPEC §5 "Sheets without the add-in"): the kind is recognized from the
 * content, never from the name; an .xlsx is checked for zip bombs before it is opened; formula
 * cells give their cached values and are never evaluated; CSV comes as real users produce it.
 */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_UPLOAD_ROWS = 50_000;
/** An xlsx whose parts inflate beyond this (or 100× their compressed size) is refused. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

export interface SheetRow {
  /** The row number the person sees in the sheet (the header is its own row). */
  row: number;
  cells: CellValue[];
}

export interface ReadSheet {
  kind: 'xlsx' | 'csv';
  sheetName: string | null;
  headerRow: number;
  headers: string[];
  rows: SheetRow[];
  /** CSV only: the file uses semicolons, so amounts use a decimal comma. */
  decimalComma: boolean;
}

const unreadable = (message: string) => new ApiError('rule_violation', message, [{ path: 'file', message }]);

/** A zip entry as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** Sizes of the stored data and of the inflated entry. */
  compressed: number;
  size: number;
  /** 0 stored, 8 deflate. */
  method: number;
  /** The general purpose flags (bit 0: encrypted). */
  flags: number;
  /** Where the entry's local file header starts. */
  localOffset: number;
}

/**
 * Every entry of a zip (name, sizes, method, where its data is), from its central directory (no
 * inflating). Throws when the directory is missing or malformed: such a file is not an xlsx.
 */
export function zipEntries(buf: Buffer): ZipEntry[] {
  const min = Math.max(0, buf.length - 65_557);
  let eocd = -1;
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadable('the file looks like a zip archive but has no central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw unreadable('the zip archive is damaged');
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const localOffset = buf.readUInt32LE(at + 42);
    entries.push({ name: buf.toString('utf8', at + 46, at + 46 + nameLength), compressed, size, method, flags, localOffset });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

/** What the bytes are: an xlsx workbook, CSV text, or something to refuse (with the reason). */
export function sniff(buf: Buffer): 'xlsx' | 'csv' {
  if (buf.length === 0) throw unreadable('the file is empty');
  if (buf.readUInt32LE(0) === 0x04034b50) {
    const entries = zipEntries(buf);
    if (!entries.some((e) => e.name === '[Content_Types].xml') || !entries.some((e) => e.name.startsWith('xl/'))) {
      throw unreadable('the zip archive is not an Excel workbook (.xlsx)');
    }
    const inflated = entries.reduce((s, e) => s + e.size, 0);
    const packed = entries.reduce((s, e) => s + e.compressed, 0);
    if (inflated > MAX_INFLATED_BYTES || inflated > Math.max(packed, 1) * 100 + 1024 * 1024) {
      throw unreadable('the workbook inflates to far more than its size (a zip bomb?); it was not opened');
    }
    return 'xlsx';
  }
  const head = buf.subarray(0, Math.min(buf.length, 8192));
  if (head.includes(0)) throw unreadable('the file is neither an .xlsx workbook nor CSV text (it contains binary data)');
  if (new TextDecoder('utf-8', { fatal: false }).decode(head).includes('\ufffd')) {
    throw unreadable('the file is not UTF-8 text; save the CSV as "CSV UTF-8"');
  }
  return 'csv';
}

const isBlank = (cells: readonly CellValue[]) => cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''));

/** The header row: the first row (of the first 20) in which at least two columns are recognized. */
function findHeader(rows: readonly CellValue[][]): number {
  for (let i = 0; i < Math.min(rows.length, 20); i++) {
    const headers = rows[i]!.map((c) => (c === null ? '' : String(c)));
    if (matchHeaders(headers).columns.size >= 2) return i;
  }
  return rows.findIndex((r) => !isBlank(r));
}

/** The answer to a sheet with more rows than one upload takes (also thrown by the lean xlsx reader). */
export function tooManyRows(): never {
  throw new ApiError('payload_too_large', `the sheet has more than ${MAX_UPLOAD_ROWS.toLocaleString('en-US')} rows; split it into several uploads`);
}

function toSheet(kind: 'xlsx' | 'csv', sheetName: string | null, all: CellValue[][], rowNumbers: number[], decimalComma: boolean): ReadSheet {
  const h = findHeader(all);
  if (h < 0) throw unreadable('the sheet is empty');
  const headers = all[h]!.map((c) => (c === null ? '' : String(c).trim()));
  const rows: SheetRow[] = [];
  for (let i = h + 1; i < all.length; i++) {
    if (isBlank(all[i]!)) continue;
    rows.push({ row: rowNumbers[i]!, cells: all[i]! });
    if (rows.length > MAX_UPLOAD_ROWS) tooManyRows();
  }
  return { kind, sheetName, headerRow: rowNumbers[h]!, headers, rows, decimalComma };
}

/** A cell's value as the sheet shows it: formula results (never evaluated), rich text joined, errors as null. */
export function cellValue(v: ExcelJS.CellValue): CellValue {
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

/**
 * The cells of the adjustments sheet, read with exceljs's streaming reader: rows are visited once
 * and styles are not loaded (dates then arrive as serial numbers, which parseDateCell reads), so a
 * 50,000-row workbook never sits in memory as a full object model. The rows are not padded.
 * The fallback of readXlsxCells (./xlsx-cells), which reads most workbooks with far less garbage.
 */
export async function streamXlsx(buf: Buffer): Promise<{ name: string; all: CellValue[][]; numbers: number[] }> {
  const ExcelJS = await excel();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(buf), { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', entries: 'ignore' });
  let chosen: { name: string; all: CellValue[][]; numbers: number[] } | null = null;
  for await (const ws of reader) {
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
      for (let c = 1; c < values.length; c++) cells.push(cellValue(values[c] ?? null));
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

/** Pads every row with nulls to the width of the widest, so columns line up with the header. */
function padRows(all: CellValue[][]): void {
  let width = 0;
  for (const r of all) width = Math.max(width, r.length);
  for (const r of all) while (r.length < width) r.push(null);
}

/** The whole workbook (styles and all), to write a Result column back into the uploaded file. */
export async function loadWorkbook(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
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
      // A damaged file makes the lean reader throw (no second try with exceljs); null means
      // "not supported here", and exceljs reads it.
      read = (await readXlsxCells(buf, MAX_UPLOAD_ROWS)) ?? (await streamXlsx(buf));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw unreadable('the workbook could not be read; save it again as .xlsx');
    }
    padRows(read.all);
    return toSheet('xlsx', read.name, read.all, read.numbers, false);
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const semicolons = (firstLine.match(/;/g) ?? []).length;
  const commas = (firstLine.match(/,/g) ?? []).length;
  const delimiter = semicolons > commas ? ';' : ',';
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false, trim: false, to: MAX_UPLOAD_ROWS + 25 }) as string[][];
  } catch (e) {
    throw unreadable(`the CSV could not be read: ${(e as Error).message.split('\n')[0]}`);
  }
  if (records.length > MAX_UPLOAD_ROWS + 21) tooManyRows();
  const all = records.map((r) => r.map((c) => (c === '' ? null : c)));
  return toSheet('csv', null, all, all.map((_, i) => i + 1), delimiter === ';');
}
