/// <reference types="office-js" />
/**
 * The Excel adapter: the only code in the add-in that touches Office.js. Panes speak in tables,
 * columns and rows of plain cells; this module turns that into batched requests, each kept under
 * the 5 MB Excel on the web accepts per `context.sync()`, with calculation suspended during writes.
 * Requirement set: ExcelApi 1.9 (newer calls are guarded with `host.supports`).
 */

export type Cell = string | number | boolean;

/** Where batches run: `Excel.run` in Excel, the simulated workbook in tests. */
export interface ExcelHost {
  run<T>(batch: (ctx: Excel.RequestContext) => Promise<T>): Promise<T>;
  /** Whether the host supports ExcelApi `version` (e.g. "1.9"). */
  supports(version: string): boolean;
}

/** The host inside Excel, once Office.onReady has fired. */
export function officeHost(): ExcelHost {
  return {
    run: (batch) => Excel.run(batch),
    supports: (version) => Office.context.requirements.isSetSupported('ExcelApi', version),
  };
}

type ColumnKind = 'text' | 'money' | 'percent' | 'date' | 'dateTime' | 'integer' | 'general';

export interface ColumnSpec {
  header: string;
  kind?: ColumnKind;
  /** A drop-down list of allowed values (data validation). */
  list?: readonly string[];
  /** Highlight cells above zero (conditional format), e.g. the oldest aging buckets. */
  highlightPositive?: boolean;
}

export interface TableSpec {
  name: string;
  sheet: string;
  columns: readonly ColumnSpec[];
}

/** Excel on the web refuses a request above 5 MB; chunks aim well below it. */
export const REQUEST_LIMIT_BYTES = 5 * 1024 * 1024;
const CHUNK_BUDGET_BYTES = 3 * 1024 * 1024;

const NUMBER_FORMATS: Record<ColumnKind, string> = {
  text: '@',
  // No currency symbol: one sheet holds amounts in several currencies, named by its Currency column.
  money: '#,##0.00',
  percent: '0.00',
  // Written as date serials (addin/excel/cells.ts dateCell, dateTimeCell), shown as ISO dates.
  date: 'yyyy-mm-dd',
  dateTime: 'yyyy-mm-dd hh:mm',
  integer: '0',
  general: 'General',
};

const numberFormatOf = (c: ColumnSpec) => NUMBER_FORMATS[c.kind ?? 'general'];

/** Rough bytes a row costs in a request: its JSON, the way Office.js serializes values and formats. */
export function rowBytes(values: readonly Cell[], formats?: readonly string[]): number {
  return JSON.stringify(values).length + (formats ? JSON.stringify(formats).length : 0) + 8;
}

/**
 * Splits rows into chunks whose estimated payload stays under `budget`: every chunk at least one
 * row; a row's size is measured, not guessed, so long texts make smaller chunks.
 */
export function chunkRows<T extends readonly Cell[]>(
  rows: readonly T[],
  formats: readonly string[] | undefined,
  budget = CHUNK_BUDGET_BYTES,
): { start: number; rows: T[] }[] {
  const chunks: { start: number; rows: T[] }[] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < rows.length; i++) {
    const bytes = rowBytes(rows[i]!, formats);
    if (i > start && size + bytes > budget) {
      chunks.push({ start, rows: rows.slice(start, i) });
      start = i;
      size = 0;
    }
    size += bytes;
  }
  if (rows.length > start) chunks.push({ start, rows: rows.slice(start) });
  return chunks;
}

/**
 * Adds rows at the end of a table with their number formats set before their values, in one
 * request: Excel converts a text by the format its cell has when the value arrives (an id "00123"
 * becomes 123, "2026-12-08" a date serial, "-Acme" a formula), so the rows are added blank, then
 * formatted, then filled.
 */
function addFormattedRows(
  table: Excel.Table,
  sheet: Excel.Worksheet,
  firstRow: number,
  firstColumn: number,
  width: number,
  rows: readonly (readonly Cell[])[],
  formats: readonly string[],
): void {
  table.rows.add(
    undefined,
    rows.map(() => new Array<Cell>(width).fill('')),
  );
  const range = sheet.getRangeByIndexes(firstRow, firstColumn, rows.length, width);
  range.numberFormat = rows.map(() => [...formats]);
  range.values = rows as Cell[][];
}

/** Estimated bytes of a chunk written by {@link addFormattedRows}: the blank rows, the formats and the values. */
const chunkBytes = (rows: readonly (readonly Cell[])[], formats: readonly string[]) =>
  rows.reduce((s, r) => s + rowBytes(r, formats) + 3 * r.length + 2, 0);

/** Calculation (ExcelApi 1.6) and, where supported, screen updating (1.9) wait for the next sync. */
function suspend(ctx: Excel.RequestContext, host: ExcelHost): void {
  ctx.workbook.application.suspendApiCalculationUntilNextSync();
  if (host.supports('1.9')) ctx.workbook.application.suspendScreenUpdatingUntilNextSync();
}

interface TableInfo {
  headers: string[];
  /** Sheet row index of the header row, and sheet column index of the first column. */
  headerRow: number;
  firstColumn: number;
  /** Data rows (an empty table has none). */
  rowCount: number;
}

async function tableInfo(ctx: Excel.RequestContext, table: Excel.Table): Promise<TableInfo> {
  const header = table.getHeaderRowRange();
  header.load(['values', 'rowIndex', 'columnIndex']);
  table.rows.load('count');
  await ctx.sync();
  return {
    headers: (header.values[0] ?? []).map(String),
    headerRow: header.rowIndex,
    firstColumn: header.columnIndex,
    rowCount: table.rows.count,
  };
}

/**
 * Finds the table by name, creating its sheet and the table when missing; columns the spec has and
 * the table lacks are added at the end (a user's extra columns are kept). A user's own sheet or
 * table that has the name is refused with a message, never written over. Formats, the drop-down
 * lists and conditional formats are applied to the whole data body.
 * @returns whether the table was created
 */
export async function ensureTable(host: ExcelHost, spec: TableSpec): Promise<{ created: boolean }> {
  return host.run(async (ctx) => {
    const existing = ctx.workbook.tables.getItemOrNullObject(spec.name);
    existing.load('isNullObject');
    const sheet = ctx.workbook.worksheets.getItemOrNullObject(spec.sheet);
    sheet.load('isNullObject');
    await ctx.sync();
    let created = false;
    if (existing.isNullObject) {
      // A sheet of that name without the table is the user's (sheet names are unique and compared
      // without case): never written over.
      if (!sheet.isNullObject)
        throw new Error(
          `a sheet named "${spec.sheet}" already exists and holds no CreditDesk table: CreditDesk does not write over it. Rename or delete that sheet, then try again.`,
        );
      const ws = ctx.workbook.worksheets.add(spec.sheet);
      const header = ws.getRangeByIndexes(0, 0, 1, spec.columns.length);
      // Text before the names: a header such as "1-30" would otherwise become a date.
      header.numberFormat = [spec.columns.map(() => '@')];
      header.values = [spec.columns.map((c) => c.header)];
      const table = ws.tables.add(header, true);
      table.name = spec.name;
      table.style = 'TableStyleMedium2';
      ws.activate();
      await ctx.sync();
      created = true;
    } else {
      const info = await tableInfo(ctx, existing);
      // Table names are unique in a workbook: one of ours always has its key (first) column.
      const key = spec.columns[0]!.header;
      if (!info.headers.includes(key))
        throw new Error(
          `the table "${spec.name}" in this workbook is not CreditDesk's (it has no "${key}" column): CreditDesk does not write over it. Rename that table (Table Design, Table Name), then try again.`,
        );
      const missing = spec.columns.filter((c) => !info.headers.includes(c.header));
      for (const c of missing) existing.columns.add(undefined, undefined, c.header);
      if (missing.length) await ctx.sync();
    }
    return { created };
  });
}

/** Column index (in the table) of each spec column, by header; throws when one is missing. */
function columnIndexes(headers: readonly string[], names: readonly string[]): number[] {
  return names.map((n) => {
    const i = headers.indexOf(n);
    if (i < 0) throw new Error(`the table has no column "${n}"`);
    return i;
  });
}

export interface TableContent {
  info: TableInfo;
  /** Data rows as Excel holds them now (after any sorting or edits by the user). */
  rows: Cell[][];
  /** The cells' number formats, when asked for: what a typed "10%" is (0.1 in a cell Excel formatted as a percentage). */
  formats?: string[][];
}

/** Reads the table back (headers and every data row), in chunks so each response stays small. */
export async function readTable(
  host: ExcelHost,
  name: string,
  rowsPerRequest = 5000,
  options: { formats?: boolean } = {},
): Promise<TableContent> {
  return host.run(async (ctx) => {
    const table = ctx.workbook.tables.getItem(name);
    const info = await tableInfo(ctx, table);
    const sheet = table.worksheet;
    const rows: Cell[][] = [];
    const formats: string[][] = [];
    for (let start = 0; start < info.rowCount; start += rowsPerRequest) {
      const n = Math.min(rowsPerRequest, info.rowCount - start);
      const range = sheet.getRangeByIndexes(info.headerRow + 1 + start, info.firstColumn, n, info.headers.length);
      range.load(options.formats ? ['values', 'numberFormat'] : 'values');
      await ctx.sync();
      rows.push(...(range.values as Cell[][]));
      if (options.formats) formats.push(...(range.numberFormat as string[][]));
    }
    return options.formats ? { info, rows, formats } : { info, rows };
  });
}

/** Data row of each key in a column (the first row wins), read from the table as it is now. */
export async function rowsByKey(host: ExcelHost, spec: TableSpec, keyHeader: string): Promise<Map<string, number>> {
  await ensureTable(host, spec);
  const { info, rows } = await readTable(host, spec.name);
  const [k] = columnIndexes(info.headers, [keyHeader]);
  const out = new Map<string, number>();
  rows.forEach((r, i) => {
    const key = String(r[k!] ?? '').trim();
    if (key && !out.has(key)) out.set(key, i);
  });
  return out;
}

export interface WriteStats {
  syncs: number;
  /** The largest estimated request of this write. */
  maxRequestBytes: number;
}

export type Progress = (done: number, total: number) => void;

/** Number formats of a block of columns, one row's worth. */
const formatsOf = (spec: TableSpec, headers: readonly string[], from: number, width: number): string[] =>
  headers.slice(from, from + width).map((h) => {
    const c = spec.columns.find((x) => x.header === h);
    return c ? numberFormatOf(c) : 'General';
  });

/**
 * Replaces every data row of the table with `rows` (in the spec's column order, the table's
 * extra columns left blank): the old rows are deleted, the new ones added in chunks, each chunk
 * with its number formats in the same request; then validation lists and conditional formats.
 */
export async function replaceRows(
  host: ExcelHost,
  spec: TableSpec,
  rows: readonly Cell[][],
  onProgress?: Progress,
): Promise<WriteStats> {
  await ensureTable(host, spec);
  return host.run(async (ctx) => {
    const table = ctx.workbook.tables.getItem(spec.name);
    const info = await tableInfo(ctx, table);
    const order = columnIndexes(
      info.headers,
      spec.columns.map((c) => c.header),
    );
    const width = info.headers.length;
    // Rows in the table's own column order (the user may have moved or added columns).
    const shaped =
      order.every((v, i) => v === i) && width === order.length
        ? rows
        : rows.map((r) => {
            const out: Cell[] = new Array(width).fill('');
            order.forEach((to, from) => (out[to] = r[from] ?? ''));
            return out;
          });
    const formats = formatsOf(spec, info.headers, 0, width);
    let syncs = 0;
    let maxRequestBytes = 0;
    if (info.rowCount > 0) {
      table.getDataBodyRange().delete('Up');
      await ctx.sync();
      syncs++;
    }
    const sheet = table.worksheet;
    let done = 0;
    for (const chunk of chunkRows(shaped, formats)) {
      suspend(ctx, host);
      addFormattedRows(table, sheet, info.headerRow + 1 + chunk.start, info.firstColumn, width, chunk.rows, formats);
      maxRequestBytes = Math.max(maxRequestBytes, chunkBytes(chunk.rows, formats));
      await ctx.sync();
      syncs++;
      done += chunk.rows.length;
      onProgress?.(done, shaped.length);
    }
    if (shaped.length) {
      applyColumnRules(table, spec, info.headers);
      autofit(sheet, info, shaped.length);
      await ctx.sync();
      syncs++;
    }
    return { syncs, maxRequestBytes };
  });
}

/**
 * Widens the table's columns to their contents (ExcelApi 1.2 `format.autofitColumns`): a money
 * column narrower than its amounts shows "#####" instead of them.
 */
function autofit(sheet: Excel.Worksheet, info: TableInfo, rows: number): void {
  sheet.getRangeByIndexes(info.headerRow, info.firstColumn, rows + 1, info.headers.length).format.autofitColumns();
}

/** Drop-down lists and conditional formats on the data body of the spec's columns. */
function applyColumnRules(table: Excel.Table, spec: TableSpec, headers: readonly string[]): void {
  for (const c of spec.columns) {
    if (!c.list && !c.highlightPositive) continue;
    const body = table.columns.getItemAt(headers.indexOf(c.header)).getDataBodyRange();
    if (c.list) {
      body.dataValidation.clear();
      body.dataValidation.rule = { list: { inCellDropDown: true, source: c.list.join(',') } };
      body.dataValidation.errorAlert = {
        showAlert: true,
        style: 'Stop',
        title: c.header,
        message: `Choose ${c.list.join(' or ')}`,
      };
    }
    if (c.highlightPositive) {
      body.conditionalFormats.clearAll();
      const cf = body.conditionalFormats.add('CellValue');
      cf.cellValue.format.fill.color = '#F4CCCC';
      cf.cellValue.format.font.color = '#9C0006';
      cf.cellValue.rule = { formula1: '0', operator: 'GreaterThan' };
    }
  }
}

export interface RowUpdate {
  /** Data row index (0 = first row under the header). */
  row: number;
  /** Values for consecutive columns of the spec starting at `column` (a header). */
  values: Cell[];
}

/**
 * Where the spec's columns from `column` on (`count` of them, in the spec's order) are in the
 * table, as runs of adjacent table columns: one run when the table has the spec's layout; more
 * when a column was added at the end of an older table (ensureTable) or the user moved one.
 */
function columnRuns(
  spec: TableSpec,
  headers: readonly string[],
  column: string,
  count: number,
): { from: number; at: number; width: number }[] {
  const start = spec.columns.findIndex((c) => c.header === column);
  if (start < 0) throw new Error(`the table "${spec.name}" has no column "${column}"`);
  const names = spec.columns.slice(start, start + count).map((c) => c.header);
  if (names.length < count)
    throw new Error(`the table "${spec.name}" has fewer than ${count} columns from "${column}"`);
  const at = columnIndexes(headers, names);
  const runs: { from: number; at: number; width: number }[] = [];
  at.forEach((col, i) => {
    const last = runs[runs.length - 1];
    if (last && last.at + last.width === col) last.width++;
    else runs.push({ from: i, at: col, width: 1 });
  });
  return runs;
}

/**
 * Writes values into existing rows: each update is one range per run of adjacent columns (one
 * range when the table has the spec's layout); many updates share a request until the request
 * reaches the chunk budget. Values land in their columns by header, wherever the table has them.
 */
export async function updateRows(
  host: ExcelHost,
  spec: TableSpec,
  column: string,
  updates: readonly RowUpdate[],
  onProgress?: Progress,
): Promise<WriteStats> {
  return host.run(async (ctx) => {
    const table = ctx.workbook.tables.getItem(spec.name);
    const info = await tableInfo(ctx, table);
    const sheet = table.worksheet;
    // Runs and their formats by update width (a pane writes one or two widths per call).
    const layouts = new Map<number, { from: number; at: number; width: number; formats: string[] }[]>();
    const layoutOf = (width: number) => {
      let l = layouts.get(width);
      if (!l) {
        l = columnRuns(spec, info.headers, column, width).map((r) => ({
          ...r,
          formats: formatsOf(spec, info.headers, r.at, r.width),
        }));
        layouts.set(width, l);
      }
      return l;
    };
    let syncs = 0;
    let maxRequestBytes = 0;
    let bytes = 0;
    let pending = 0;
    let done = 0;
    const flush = async () => {
      if (!pending) return;
      maxRequestBytes = Math.max(maxRequestBytes, bytes);
      await ctx.sync();
      syncs++;
      done += pending;
      onProgress?.(done, updates.length);
      bytes = 0;
      pending = 0;
    };
    for (const u of updates) {
      if (u.row < 0 || u.row >= info.rowCount)
        throw new Error(`row ${u.row} is outside the table (${info.rowCount} rows)`);
      if (!u.values.length) continue;
      const runs = layoutOf(u.values.length);
      const cost = runs.reduce((s, r) => s + rowBytes(u.values.slice(r.from, r.from + r.width), r.formats) + 64, 0);
      if (pending && bytes + cost > CHUNK_BUDGET_BYTES) await flush();
      if (!pending) suspend(ctx, host);
      for (const r of runs) {
        const range = sheet.getRangeByIndexes(info.headerRow + 1 + u.row, info.firstColumn + r.at, 1, r.width);
        // The format first: Excel converts a value by the format the cell has when it arrives.
        range.numberFormat = [r.formats];
        range.values = [u.values.slice(r.from, r.from + r.width)];
      }
      bytes += cost;
      pending++;
    }
    await flush();
    return { syncs, maxRequestBytes };
  });
}

/**
 * Appends rows at the end of the table (new holds found by a refresh), in budgeted chunks.
 */
export async function appendRows(host: ExcelHost, spec: TableSpec, rows: readonly Cell[][]): Promise<WriteStats> {
  if (!rows.length) return { syncs: 0, maxRequestBytes: 0 };
  return host.run(async (ctx) => {
    const table = ctx.workbook.tables.getItem(spec.name);
    const info = await tableInfo(ctx, table);
    const formats = formatsOf(spec, info.headers, 0, info.headers.length);
    let syncs = 0;
    let maxRequestBytes = 0;
    for (const chunk of chunkRows(rows, formats)) {
      suspend(ctx, host);
      addFormattedRows(
        table,
        table.worksheet,
        info.headerRow + 1 + info.rowCount + chunk.start,
        info.firstColumn,
        info.headers.length,
        chunk.rows,
        formats,
      );
      maxRequestBytes = Math.max(maxRequestBytes, chunkBytes(chunk.rows, formats));
      await ctx.sync();
      syncs++;
    }
    applyColumnRules(table, spec, info.headers);
    autofit(table.worksheet, info, info.rowCount + rows.length);
    await ctx.sync();
    return { syncs: syncs + 1, maxRequestBytes };
  });
}

const STATE_SHEET = 'CreditDesk sync';
/** Characters of the state per cell: below the 32,767 a cell holds (Excel specifications and limits). */
export const STATE_CHUNK = 30_000;
/** Cells of state written per sync: 100 × 30,000 characters stays well inside a request's 5 MB. */
const STATE_CELLS_PER_SYNC = 100;
/** The two columns the state alternates between; A1 names the one that holds the current state. */
const STATE_SLOTS = ['B', 'C'] as const;

/** A1 of the state sheet: which column holds the state, in how many cells, and its fingerprint. */
interface StateHeader {
  v: 2;
  slot: (typeof STATE_SLOTS)[number];
  parts: number;
  length: number;
  hash: string;
}

/** FNV-1a (32 bits) of a text, as 8 hex digits: tells a state read whole from one that is not. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const isHeader = (x: unknown): x is StateHeader =>
  typeof x === 'object' &&
  x !== null &&
  (x as StateHeader).v === 2 &&
  STATE_SLOTS.includes((x as StateHeader).slot) &&
  Number.isInteger((x as StateHeader).parts) &&
  (x as StateHeader).parts > 0;

/**
 * Sync state that belongs to the workbook (its id, last change sequences and pending sends with
 * their Idempotency-Keys), kept in a very hidden sheet: it travels with the workbook and holds no
 * secret (tokens stay in the pane).
 *
 * A cell holds at most 32,767 characters and pending journal bodies are far longer, so the state's
 * JSON is split into cells of {@link STATE_CHUNK} characters down one of two columns (B or C), and
 * A1 holds a small header naming the column, the number of cells, the length and a fingerprint.
 * A write fills the column the header does not name, and only when every cell of it is synced does
 * it switch A1 over: a write that fails midway (a lost connection, a cell in edit mode) leaves the
 * previous state whole, never a truncated one. A state whose cells do not add up to the header's
 * length and fingerprint is not trusted (null). A1 holding the JSON itself is the layout before
 * this one, still read.
 */
export async function readWorkbookState<T>(host: ExcelHost): Promise<T | null> {
  return host.run(async (ctx) => {
    const sheet = ctx.workbook.worksheets.getItemOrNullObject(STATE_SHEET);
    sheet.load('isNullObject');
    await ctx.sync();
    if (sheet.isNullObject) return null;
    const cell = sheet.getRange('A1');
    cell.load('values');
    await ctx.sync();
    const first = cell.values[0]?.[0];
    const parsed = parseJson(first);
    if (!isHeader(parsed)) return parsed as T | null;
    const parts = sheet.getRange(`${parsed.slot}1:${parsed.slot}${parsed.parts}`);
    parts.load('values');
    await ctx.sync();
    const text = parts.values.map((row) => String(row[0] ?? '')).join('');
    if (text.length !== parsed.length || fingerprint(text) !== parsed.hash) return null;
    return parseJson(text) as T | null;
  });
}

function parseJson(text: unknown): unknown {
  try {
    return typeof text === 'string' && text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export async function writeWorkbookState(host: ExcelHost, state: unknown): Promise<void> {
  const text = JSON.stringify(state);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += STATE_CHUNK) chunks.push(text.slice(i, i + STATE_CHUNK));
  await host.run(async (ctx) => {
    let sheet = ctx.workbook.worksheets.getItemOrNullObject(STATE_SHEET);
    sheet.load('isNullObject');
    await ctx.sync();
    if (sheet.isNullObject) {
      sheet = ctx.workbook.worksheets.add(STATE_SHEET);
      sheet.visibility = 'VeryHidden';
    }
    const a1 = sheet.getRange('A1');
    a1.load('values');
    await ctx.sync();
    const current = parseJson(a1.values[0]?.[0]);
    const slot = isHeader(current) && current.slot === STATE_SLOTS[0] ? STATE_SLOTS[1] : STATE_SLOTS[0];
    for (let i = 0; i < chunks.length; i += STATE_CELLS_PER_SYNC) {
      const part = chunks.slice(i, i + STATE_CELLS_PER_SYNC);
      const range = sheet.getRange(`${slot}${i + 1}:${slot}${i + part.length}`);
      range.numberFormat = part.map(() => ['@']);
      range.values = part.map((c) => [c]);
      await ctx.sync();
    }
    const header: StateHeader = { v: 2, slot, parts: chunks.length, length: text.length, hash: fingerprint(text) };
    a1.numberFormat = [['@']];
    a1.values = [[JSON.stringify(header)]];
    await ctx.sync();
  });
}
