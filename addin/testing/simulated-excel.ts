/**
 * A simulated workbook for tests: an in-page implementation of the Excel JavaScript API subset the
 * adapter (addin/excel) uses, with Office.js's request semantics:
 * - calls on proxy objects are queued and run in order at `context.sync()`;
 * - reading a property that was not `load`ed (and synced) throws PropertyNotLoaded;
 * - `getItem` of a missing table or sheet fails the sync with ItemNotFound; `getItemOrNullObject`
 *   gives a null object (`isNullObject`);
 * - a request whose payload exceeds 5 MB fails with RequestPayloadSizeLimitExceeded and changes
 *   nothing; a response above 5 MB fails with ResponsePayloadSizeLimitExceeded;
 * - a text longer than a cell holds (32,767 characters: "Total number of characters that a cell
 *   can contain", Excel specifications and limits,
 *   https://support.microsoft.com/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3)
 *   fails its write with InvalidArgument (the code Excel gives is not documented; what matters is
 *   that the write fails and no longer text is kept); the operations queued before it in the same
 *   sync have run, as in Excel, where a batch is not a transaction;
 * - a test can make the n-th sync from now fail before it runs anything (`failSync`), as a lost
 *   connection or a cell in edit mode fails a real one.
 * Tables, ranges (values and number formats), data-validation lists and conditional formats are
 * modelled; `renderGrid` shows the active sheet as a visible grid so screenshots show data.
 * Not modelled: formulas, merged cells, more than one table per sheet row band, undo.
 */
import type { Cell, ExcelHost } from '../excel/workbook';

export const PAYLOAD_LIMIT = 5 * 1024 * 1024;
/** The most characters one cell holds (Excel specifications and limits). */
export const CELL_TEXT_LIMIT = 32_767;

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const ISO_DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * What Excel keeps of a text written into a cell through `Range.values` or `TableRowCollection.add`,
 * given the cell's number format at that moment (so a format set after the value comes too late):
 * - a text starting with "=", "+" or "-" is taken as a formula ("If the returned value starts with
 *   a plus ("+"), minus ("-"), or equal sign ("="), Excel interprets this value as a formula",
 *   https://learn.microsoft.com/javascript/api/excel/excel.range#excel-excel-range-values-member):
 *   "-5" evaluates to the number −5, "-Acme" or "=oops" to the error #NAME?;
 * - in a cell formatted as text ("@", "Number format codes",
 *   https://support.microsoft.com/office/number-format-codes-5026bbd6-04bc-48cd-bf33-80f18b4eae68)
 *   the text is kept as it is, and no formula is made;
 * - otherwise a number written as text becomes the number ("00123" is 123: ids lose their leading
 *   zeros) and a date written as text becomes its date serial ("2026-12-08" is 46364), as when
 *   typed into a General cell ("Change the format of a cell",
 *   https://support.microsoft.com/office/format-numbers-as-dates-or-times-418bd3fe-0577-47c8-8caa-b4d30c528309).
 * Numbers and booleans are kept.
 */
export function excelStores(v: Cell, format: string): Cell {
  if (typeof v !== 'string' || format === '@') return v;
  if (NUMERIC_TEXT.test(v)) return Number(v);
  if (/^[=+-]/.test(v)) return '#NAME?';
  const d = ISO_DATE_TEXT.exec(v);
  if (d) {
    const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
    const back = new Date(ms);
    if (back.getUTCMonth() === Number(d[2]) - 1) return Math.round((ms - EXCEL_EPOCH_MS) / 86_400_000);
  }
  return v;
}

/**
 * What Excel keeps of what a person types into a cell of number format `format`, and the cell's
 * format after it ("Format numbers as percentages",
 * https://support.microsoft.com/office/format-numbers-as-percentages-de49eb2d-1dba-4ab4-b9ce-a77d1fa8bd9e):
 * - "10%" is the number 0.1, and a cell that was not a percentage becomes one ("0%");
 * - in a cell already formatted as a percentage, a number equal to or larger than 1 is taken as
 *   percent (10 is 10 %, kept as 0.1) and a smaller one is kept as it is (0.1 is 10 % too);
 * - anything else as {@link excelStores} keeps a written value.
 */
export function excelTyped(typed: Cell, format: string): { value: Cell; format: string } {
  const percentCell = format.includes('%');
  if (format !== '@' && typeof typed === 'string') {
    const m = /^\s*([+-]?(\d+\.?\d*|\.\d+))\s*%\s*$/.exec(typed);
    if (m) return { value: Number(m[1]) / 100, format: percentCell ? format : '0%' };
  }
  const value = excelStores(typed, format);
  if (percentCell && typeof value === 'number' && Math.abs(value) >= 1) return { value: value / 100, format };
  return { value, format };
}

export class SimulatedExcelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'RichApi.Error';
  }
}

interface Rect {
  r0: number;
  c0: number;
  rows: number;
  cols: number;
}

interface RuleArea extends Rect {
  sheet: SheetModel;
}

interface Validation extends RuleArea {
  list: string[];
}

interface ConditionalFormat extends RuleArea {
  operator: string;
  formula1: string;
  fill: string | null;
  font: string | null;
}

class SheetModel {
  values: Cell[][] = [];
  formats: string[][] = [];
  visibility = 'Visible';
  /** Ranges whose columns were autofitted (`range.format.autofitColumns()`), for tests. */
  autofitted: string[] = [];
  constructor(public name: string) {}
  get(r: number, c: number): Cell {
    return this.values[r]?.[c] ?? '';
  }
  format(r: number, c: number): string {
    return this.formats[r]?.[c] ?? 'General';
  }
  set(r: number, c: number, v: Cell): void {
    (this.values[r] ??= [])[c] = v;
  }
  setFormat(r: number, c: number, f: string): void {
    (this.formats[r] ??= [])[c] = f;
  }
  get usedRows(): number {
    return this.values.length;
  }
  insertRows(at: number, n: number): void {
    this.values.splice(at, 0, ...Array.from({ length: n }, () => [] as Cell[]));
    this.formats.splice(at, 0, ...Array.from({ length: n }, () => [] as string[]));
  }
  deleteRows(at: number, n: number): void {
    this.values.splice(at, n);
    this.formats.splice(at, n);
  }
}

class TableModel {
  style = 'TableStyleLight1';
  constructor(
    public name: string,
    public sheet: SheetModel,
    public headerRow: number,
    public c0: number,
    public width: number,
    public rowCount: number,
  ) {}
  headers(): string[] {
    return Array.from({ length: this.width }, (_, i) => String(this.sheet.get(this.headerRow, this.c0 + i)));
  }
  /** Excel shows one blank row under the header of an empty table; its body range is that row. */
  bodyRect(): Rect {
    return { r0: this.headerRow + 1, c0: this.c0, rows: Math.max(1, this.rowCount), cols: this.width };
  }
}

export interface WorkbookModel {
  sheets: SheetModel[];
  tables: TableModel[];
  validations: Validation[];
  conditionalFormats: ConditionalFormat[];
  active: SheetModel | null;
}

export interface SyncRecord {
  requestBytes: number;
  responseBytes: number;
  ops: number;
  ms: number;
}

type Op = { bytes: number; run: () => void };

/** Proxy base: a lazily resolved target plus the properties loaded so far. */
abstract class Proxy<T> {
  protected loaded = new Map<string, unknown>();
  constructor(
    protected ctx: SimulatedContext,
    protected target: () => T,
  ) {}
  protected read<V>(prop: string): V {
    if (!this.loaded.has(prop))
      throw new SimulatedExcelError(
        'PropertyNotLoaded',
        `The property '${prop}' is not available. Before reading the property's value, call the load method on the containing object and call "context.sync()" on the associated request context.`,
      );
    return this.loaded.get(prop) as V;
  }
  protected abstract snapshot(prop: string, t: T): unknown;
  load(props?: string | string[] | { select?: string }): this {
    const list =
      typeof props === 'string'
        ? props.split(',').map((s) => s.trim())
        : Array.isArray(props)
          ? props
          : typeof props?.select === 'string'
            ? props.select.split(',')
            : [];
    this.ctx.queue(32 + JSON.stringify(list).length, () => {
      const t = this.target();
      for (const p of list) {
        const v = this.snapshot(p, t);
        this.loaded.set(p, v);
        this.ctx.responseBytes += JSON.stringify(v ?? null).length;
      }
    });
    return this;
  }
}

function a1ToRect(address: string): Rect {
  const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(address.replace(/\$/g, '').toUpperCase());
  if (!m)
    throw new SimulatedExcelError('InvalidArgument', `address ${address} is not supported by the simulated workbook`);
  const col = (s: string) => [...s].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const r0 = Number(m[2]) - 1;
  const c0 = col(m[1]!);
  const r1 = m[4] ? Number(m[4]) - 1 : r0;
  const c1 = m[3] ? col(m[3]) : c0;
  return { r0, c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 };
}

export function columnName(c: number): string {
  let s = '';
  for (let n = c + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const rectAddress = (sheet: SheetModel, r: Rect) =>
  `${sheet.name}!${columnName(r.c0)}${r.r0 + 1}:${columnName(r.c0 + r.cols - 1)}${r.r0 + r.rows}`;

function checkShape(values: unknown, r: Rect, what: string): unknown[][] {
  if (
    !Array.isArray(values) ||
    values.length !== r.rows ||
    values.some((row) => !Array.isArray(row) || row.length !== r.cols)
  ) {
    throw new SimulatedExcelError(
      'InvalidArgument',
      `The number of rows or columns in the ${what} array doesn't match the size or dimensions of the range (${r.rows}×${r.cols}).`,
    );
  }
  return values as unknown[][];
}

class RangeProxy extends Proxy<{ sheet: SheetModel; rect: Rect }> {
  readonly dataValidation: DataValidationProxy;
  readonly conditionalFormats: ConditionalFormatsProxy;
  /** Only `autofitColumns` (ExcelApi 1.2): recorded on the sheet, widths are not modelled. */
  readonly format: { autofitColumns(): void };
  constructor(ctx: SimulatedContext, target: () => { sheet: SheetModel; rect: Rect }) {
    super(ctx, target);
    this.dataValidation = new DataValidationProxy(ctx, target);
    this.conditionalFormats = new ConditionalFormatsProxy(ctx, target);
    this.format = {
      autofitColumns: () =>
        ctx.queue(32, () => {
          const { sheet, rect } = target();
          sheet.autofitted.push(rectAddress(sheet, rect));
        }),
    };
  }
  protected snapshot(prop: string, { sheet, rect }: { sheet: SheetModel; rect: Rect }): unknown {
    const grid = <V>(f: (r: number, c: number) => V) =>
      Array.from({ length: rect.rows }, (_, i) =>
        Array.from({ length: rect.cols }, (_, j) => f(rect.r0 + i, rect.c0 + j)),
      );
    switch (prop) {
      case 'values':
        return grid((r, c) => sheet.get(r, c));
      case 'numberFormat':
        return grid((r, c) => sheet.format(r, c));
      case 'rowIndex':
        return rect.r0;
      case 'columnIndex':
        return rect.c0;
      case 'rowCount':
        return rect.rows;
      case 'columnCount':
        return rect.cols;
      case 'address':
        return rectAddress(sheet, rect);
      default:
        throw new SimulatedExcelError('InvalidArgument', `range property ${prop} is not simulated`);
    }
  }
  get values(): Cell[][] {
    return this.read('values');
  }
  set values(v: Cell[][]) {
    this.ctx.queue(JSON.stringify(v).length + 32, () => {
      const { sheet, rect } = this.target();
      const rows = checkShape(v, rect, 'values');
      for (const row of rows)
        for (const x of row)
          if (typeof x === 'string' && x.length > CELL_TEXT_LIMIT)
            throw new SimulatedExcelError(
              'InvalidArgument',
              `a cell holds at most ${CELL_TEXT_LIMIT} characters; this text has ${x.length}`,
            );
      rows.forEach((row, i) =>
        row.forEach((x, j) => {
          const r = rect.r0 + i;
          const c = rect.c0 + j;
          sheet.set(r, c, excelStores((x ?? '') as Cell, sheet.format(r, c)));
        }),
      );
    });
  }
  get numberFormat(): string[][] {
    return this.read('numberFormat');
  }
  set numberFormat(v: string[][]) {
    this.ctx.queue(JSON.stringify(v).length + 32, () => {
      const { sheet, rect } = this.target();
      checkShape(v, rect, 'numberFormat').forEach((row, i) =>
        row.forEach((x, j) => sheet.setFormat(rect.r0 + i, rect.c0 + j, String(x))),
      );
    });
  }
  get rowIndex(): number {
    return this.read('rowIndex');
  }
  get columnIndex(): number {
    return this.read('columnIndex');
  }
  get rowCount(): number {
    return this.read('rowCount');
  }
  get address(): string {
    return this.read('address');
  }
  /** Deleting a table's whole body empties the table; other ranges shift the rows below up. */
  delete(shift: string): void {
    this.ctx.queue(32, () => {
      if (shift !== 'Up') throw new SimulatedExcelError('InvalidArgument', 'only Up is simulated');
      const { sheet, rect } = this.target();
      const table = this.ctx.model.tables.find(
        (t) => t.sheet === sheet && t.headerRow + 1 === rect.r0 && t.c0 === rect.c0 && t.width === rect.cols,
      );
      const n = table && table.rowCount === 0 ? 0 : rect.rows;
      sheet.deleteRows(rect.r0, n);
      if (table) table.rowCount -= Math.min(n, table.rowCount);
      shiftRules(this.ctx.model, sheet, rect.r0, -n);
    });
  }
  getCell(row: number, column: number): RangeProxy {
    return new RangeProxy(this.ctx, () => {
      const { sheet, rect } = this.target();
      return { sheet, rect: { r0: rect.r0 + row, c0: rect.c0 + column, rows: 1, cols: 1 } };
    });
  }
  getResizedRange(deltaRows: number, deltaColumns: number): RangeProxy {
    return new RangeProxy(this.ctx, () => {
      const { sheet, rect } = this.target();
      return { sheet, rect: { ...rect, rows: rect.rows + deltaRows, cols: rect.cols + deltaColumns } };
    });
  }
}

/** Rules (validation, conditional formats) move with inserted or deleted rows; rules in deleted rows go. */
function shiftRules(model: WorkbookModel, sheet: SheetModel, at: number, delta: number): void {
  const shift = <T extends RuleArea>(list: T[]): T[] =>
    list.flatMap((a) => {
      if (a.sheet !== sheet || a.r0 + a.rows <= at) return [a];
      if (delta > 0) return [a.r0 >= at ? { ...a, r0: a.r0 + delta } : { ...a, rows: a.rows + delta }];
      const end = at - delta;
      const keptAbove = Math.max(0, Math.min(a.r0 + a.rows, at) - a.r0);
      const keptBelow = Math.max(0, a.r0 + a.rows - Math.max(a.r0, end));
      const rows = keptAbove + keptBelow;
      return rows > 0 ? [{ ...a, r0: a.r0 < at ? a.r0 : at, rows }] : [];
    });
  model.validations = shift(model.validations);
  model.conditionalFormats = shift(model.conditionalFormats);
}

class DataValidationProxy {
  constructor(
    private ctx: SimulatedContext,
    private target: () => { sheet: SheetModel; rect: Rect },
  ) {}
  clear(): void {
    this.ctx.queue(32, () => {
      const { sheet, rect } = this.target();
      this.ctx.model.validations = this.ctx.model.validations.filter((v) => !(v.sheet === sheet && overlaps(v, rect)));
    });
  }
  set rule(rule: { list?: { inCellDropDown?: boolean; source: string } }) {
    this.ctx.queue(JSON.stringify(rule).length + 32, () => {
      const { sheet, rect } = this.target();
      if (!rule.list) throw new SimulatedExcelError('InvalidArgument', 'only list validation is simulated');
      this.ctx.model.validations.push({ sheet, ...rect, list: rule.list.source.split(',').map((s) => s.trim()) });
    });
  }
  set errorAlert(alert: unknown) {
    this.ctx.queue(JSON.stringify(alert).length + 32, () => undefined);
  }
}

const overlaps = (a: Rect, b: Rect) =>
  a.r0 < b.r0 + b.rows && b.r0 < a.r0 + a.rows && a.c0 < b.c0 + b.cols && b.c0 < a.c0 + a.cols;

class ConditionalFormatsProxy {
  constructor(
    private ctx: SimulatedContext,
    private target: () => { sheet: SheetModel; rect: Rect },
  ) {}
  clearAll(): void {
    this.ctx.queue(32, () => {
      const { sheet, rect } = this.target();
      this.ctx.model.conditionalFormats = this.ctx.model.conditionalFormats.filter(
        (v) => !(v.sheet === sheet && overlaps(v, rect)),
      );
    });
  }
  add(type: string) {
    if (type !== 'CellValue')
      throw new SimulatedExcelError('InvalidArgument', `conditional format ${type} is not simulated`);
    const cf: ConditionalFormat = {
      sheet: null as unknown as SheetModel,
      r0: 0,
      c0: 0,
      rows: 0,
      cols: 0,
      operator: 'GreaterThan',
      formula1: '0',
      fill: null,
      font: null,
    };
    this.ctx.queue(48, () => {
      const { sheet, rect } = this.target();
      Object.assign(cf, { sheet, ...rect });
      this.ctx.model.conditionalFormats.push(cf);
    });
    const ctx = this.ctx;
    const setter = (key: 'fill' | 'font') => ({
      set color(c: string) {
        ctx.queue(32, () => (cf[key] = c));
      },
    });
    return {
      cellValue: {
        format: { fill: setter('fill'), font: setter('font') },
        set rule(r: { formula1: string; operator: string }) {
          ctx.queue(64, () => Object.assign(cf, { formula1: r.formula1, operator: r.operator }));
        },
      },
    };
  }
}

class TableRowsProxy extends Proxy<TableModel> {
  protected snapshot(prop: string, t: TableModel): unknown {
    if (prop === 'count') return t.rowCount;
    throw new SimulatedExcelError('InvalidArgument', `table rows property ${prop} is not simulated`);
  }
  get count(): number {
    return this.read('count');
  }
  add(index: number | undefined | null, values: Cell[][]): void {
    this.ctx.queue(JSON.stringify(values).length + 32, () => {
      const t = this.target();
      const at = index == null ? t.rowCount : index;
      if (at < 0 || at > t.rowCount)
        throw new SimulatedExcelError('InvalidArgument', `row index ${at} is outside the table`);
      checkShape(values, { r0: 0, c0: 0, rows: values.length, cols: t.width }, 'values');
      // The blank row of an empty table is taken by the first row added.
      const inserted = t.rowCount === 0 ? values.length - 1 : values.length;
      if (inserted > 0) {
        t.sheet.insertRows(t.headerRow + 1 + at + (t.rowCount === 0 ? 1 : 0), inserted);
        // Table rules cover new rows (Excel extends a column's validation and formats).
        for (const a of [...this.ctx.model.validations, ...this.ctx.model.conditionalFormats]) {
          if (a.sheet === t.sheet && a.r0 === t.headerRow + 1 && a.c0 >= t.c0 && a.c0 < t.c0 + t.width)
            a.rows += inserted;
        }
      }
      values.forEach((row, i) =>
        row.forEach((v, j) => {
          const r = t.headerRow + 1 + at + i;
          const c = t.c0 + j;
          t.sheet.set(r, c, excelStores(v ?? '', t.sheet.format(r, c)));
        }),
      );
      t.rowCount += values.length;
    });
  }
}

class TableColumnsProxy {
  constructor(
    private ctx: SimulatedContext,
    private target: () => TableModel,
  ) {}
  add(index?: number, values?: Cell[][], name?: string): void {
    this.ctx.queue(JSON.stringify(values ?? name ?? '').length + 32, () => {
      const t = this.target();
      if (index != null && index !== t.width)
        throw new SimulatedExcelError('InvalidArgument', 'only appending columns is simulated');
      t.sheet.set(t.headerRow, t.c0 + t.width, name ?? String(values?.[0]?.[0] ?? `Column${t.width + 1}`));
      t.width++;
    });
  }
  getItemAt(index: number) {
    const target = this.target;
    return {
      getDataBodyRange: () =>
        new RangeProxy(this.ctx, () => {
          const t = target();
          if (index < 0 || index >= t.width)
            throw new SimulatedExcelError('ItemNotFound', `column ${index} of table ${t.name}`);
          const b = t.bodyRect();
          return { sheet: t.sheet, rect: { ...b, c0: t.c0 + index, cols: 1 } };
        }),
    };
  }
}

class TableProxy extends Proxy<TableModel | null> {
  readonly rows: TableRowsProxy;
  readonly columns: TableColumnsProxy;
  constructor(ctx: SimulatedContext, target: () => TableModel | null, name: string) {
    super(ctx, target);
    const must = () => {
      const t = target();
      if (!t) throw new SimulatedExcelError('ItemNotFound', `table ${name} does not exist`);
      return t;
    };
    this.must = must;
    this.rows = new TableRowsProxy(ctx, must);
    this.columns = new TableColumnsProxy(ctx, must);
  }
  private must: () => TableModel;
  protected snapshot(prop: string, t: TableModel | null): unknown {
    if (prop === 'isNullObject') return t === null;
    if (!t) throw new SimulatedExcelError('ItemNotFound', 'table does not exist');
    if (prop === 'name') return t.name;
    if (prop === 'style') return t.style;
    throw new SimulatedExcelError('InvalidArgument', `table property ${prop} is not simulated`);
  }
  get isNullObject(): boolean {
    return this.read('isNullObject');
  }
  get name(): string {
    return this.read('name');
  }
  set name(n: string) {
    this.ctx.queue(n.length + 32, () => {
      if (this.ctx.model.tables.some((t) => t.name === n && t !== this.must()))
        throw new SimulatedExcelError('InvalidArgument', `a table named ${n} already exists`);
      this.must().name = n;
    });
  }
  set style(s: string) {
    this.ctx.queue(s.length + 32, () => (this.must().style = s));
  }
  get worksheet(): WorksheetProxy {
    return new WorksheetProxy(this.ctx, () => this.must().sheet, '(table sheet)');
  }
  getHeaderRowRange(): RangeProxy {
    return new RangeProxy(this.ctx, () => {
      const t = this.must();
      return { sheet: t.sheet, rect: { r0: t.headerRow, c0: t.c0, rows: 1, cols: t.width } };
    });
  }
  getDataBodyRange(): RangeProxy {
    return new RangeProxy(this.ctx, () => {
      const t = this.must();
      return { sheet: t.sheet, rect: t.bodyRect() };
    });
  }
}

class TableCollectionProxy {
  constructor(
    private ctx: SimulatedContext,
    private sheet: (() => SheetModel) | null,
  ) {}
  getItem(name: string): TableProxy {
    const p = new TableProxy(this.ctx, () => this.find(name), name);
    this.ctx.queue(32, () => {
      if (!this.find(name))
        throw new SimulatedExcelError('ItemNotFound', `The requested resource doesn't exist: table ${name}`);
    });
    return p;
  }
  getItemOrNullObject(name: string): TableProxy {
    return new TableProxy(this.ctx, () => this.find(name), name);
  }
  private find(name: string): TableModel | null {
    const t = this.ctx.model.tables.find((x) => x.name.toLowerCase() === name.toLowerCase()) ?? null;
    return t && (!this.sheet || t.sheet === this.sheet()) ? t : null;
  }
  /** A table over `address` (a range proxy or an A1 address on this sheet); with headers, the first row is the header. */
  add(address: RangeProxy | string, hasHeaders: boolean): TableProxy {
    let created: TableModel | null = null;
    this.ctx.queue(64, () => {
      const { sheet, rect } =
        typeof address === 'string'
          ? { sheet: this.sheet!(), rect: a1ToRect(address) }
          : (address as unknown as { target: () => { sheet: SheetModel; rect: Rect } }).target();
      if (!hasHeaders) throw new SimulatedExcelError('InvalidArgument', 'only tables with headers are simulated');
      if (
        this.ctx.model.tables.some(
          (t) =>
            t.sheet === sheet && overlaps({ r0: t.headerRow, c0: t.c0, rows: t.rowCount + 2, cols: t.width }, rect),
        )
      )
        throw new SimulatedExcelError('InvalidOperation', 'a table cannot overlap another table');
      created = new TableModel(
        `Table${this.ctx.model.tables.length + 1}`,
        sheet,
        rect.r0,
        rect.c0,
        rect.cols,
        rect.rows - 1,
      );
      this.ctx.model.tables.push(created);
    });
    return new TableProxy(this.ctx, () => created, '(new table)');
  }
}

class WorksheetProxy extends Proxy<SheetModel | null> {
  readonly tables: TableCollectionProxy;
  constructor(
    ctx: SimulatedContext,
    target: () => SheetModel | null,
    private sheetName: string,
  ) {
    super(ctx, target);
    this.tables = new TableCollectionProxy(ctx, () => this.must());
  }
  private must(): SheetModel {
    const s = this.target();
    if (!s) throw new SimulatedExcelError('ItemNotFound', `worksheet ${this.sheetName} does not exist`);
    return s;
  }
  protected snapshot(prop: string, s: SheetModel | null): unknown {
    if (prop === 'isNullObject') return s === null;
    if (!s) throw new SimulatedExcelError('ItemNotFound', `worksheet ${this.sheetName}`);
    if (prop === 'name') return s.name;
    if (prop === 'visibility') return s.visibility;
    throw new SimulatedExcelError('InvalidArgument', `worksheet property ${prop} is not simulated`);
  }
  get isNullObject(): boolean {
    return this.read('isNullObject');
  }
  get name(): string {
    return this.read('name');
  }
  set visibility(v: string) {
    this.ctx.queue(32, () => (this.must().visibility = v));
  }
  activate(): void {
    this.ctx.queue(16, () => (this.ctx.model.active = this.must()));
  }
  getRange(address: string): RangeProxy {
    return new RangeProxy(this.ctx, () => ({ sheet: this.must(), rect: a1ToRect(address) }));
  }
  getRangeByIndexes(startRow: number, startColumn: number, rowCount: number, columnCount: number): RangeProxy {
    return new RangeProxy(this.ctx, () => {
      if (rowCount < 1 || columnCount < 1 || startRow < 0 || startColumn < 0)
        throw new SimulatedExcelError('InvalidArgument', 'a range needs at least one row and one column');
      return { sheet: this.must(), rect: { r0: startRow, c0: startColumn, rows: rowCount, cols: columnCount } };
    });
  }
}

class WorksheetCollectionProxy {
  constructor(private ctx: SimulatedContext) {}
  private find(name: string) {
    return this.ctx.model.sheets.find((s) => s.name.toLowerCase() === name.toLowerCase()) ?? null;
  }
  getItem(name: string): WorksheetProxy {
    this.ctx.queue(32, () => {
      if (!this.find(name)) throw new SimulatedExcelError('ItemNotFound', `worksheet ${name}`);
    });
    return new WorksheetProxy(this.ctx, () => this.find(name), name);
  }
  getItemOrNullObject(name: string): WorksheetProxy {
    return new WorksheetProxy(this.ctx, () => this.find(name), name);
  }
  add(name: string): WorksheetProxy {
    this.ctx.queue(name.length + 32, () => {
      if (this.find(name)) throw new SimulatedExcelError('ItemAlreadyExists', `worksheet ${name}`);
      this.ctx.model.sheets.push(new SheetModel(name));
    });
    return new WorksheetProxy(this.ctx, () => this.find(name), name);
  }
}

class SimulatedContext {
  private ops: Op[] = [];
  private bytes = 0;
  responseBytes = 0;
  readonly workbook: {
    tables: TableCollectionProxy;
    worksheets: WorksheetCollectionProxy;
    application: { suspendApiCalculationUntilNextSync(): void; suspendScreenUpdatingUntilNextSync(): void };
  };
  constructor(
    readonly model: WorkbookModel,
    private onSync: (r: SyncRecord) => void,
    /** Called before each sync runs; throwing fails that sync with nothing of it applied. */
    private beforeSync: () => void = () => undefined,
  ) {
    this.workbook = {
      tables: new TableCollectionProxy(this, null),
      worksheets: new WorksheetCollectionProxy(this),
      application: {
        suspendApiCalculationUntilNextSync: () => this.queue(16, () => undefined),
        suspendScreenUpdatingUntilNextSync: () => this.queue(16, () => undefined),
      },
    };
  }
  queue(bytes: number, run: () => void): void {
    this.ops.push({ bytes, run });
    this.bytes += bytes;
  }
  async sync(): Promise<void> {
    const ops = this.ops;
    const requestBytes = this.bytes;
    this.ops = [];
    this.bytes = 0;
    this.responseBytes = 0;
    // A real request crosses a process boundary: yield so the page stays responsive.
    await new Promise((r) => setTimeout(r, 0));
    this.beforeSync();
    if (requestBytes > PAYLOAD_LIMIT)
      throw new SimulatedExcelError(
        'RequestPayloadSizeLimitExceeded',
        `The request payload size (${requestBytes} bytes) has exceeded the limit (${PAYLOAD_LIMIT} bytes).`,
      );
    const started = performance.now();
    for (const op of ops) op.run();
    if (this.responseBytes > PAYLOAD_LIMIT)
      throw new SimulatedExcelError(
        'ResponsePayloadSizeLimitExceeded',
        `The response payload size (${this.responseBytes} bytes) has exceeded the limit.`,
      );
    this.onSync({ requestBytes, responseBytes: this.responseBytes, ops: ops.length, ms: performance.now() - started });
  }
}

/** The simulated workbook: an ExcelHost for the adapter, plus inspection and "user typing" helpers. */
export class SimulatedWorkbook implements ExcelHost {
  readonly model: WorkbookModel = {
    sheets: [new SheetModel('Sheet1')],
    tables: [],
    validations: [],
    conditionalFormats: [],
    active: null,
  };
  readonly syncs: SyncRecord[] = [];
  private listeners = new Set<() => void>();
  constructor(private apiVersion = '1.9') {
    this.model.active = this.model.sheets[0]!;
  }
  supports(version: string): boolean {
    const [a, b] = version.split('.').map(Number);
    const [x, y] = this.apiVersion.split('.').map(Number);
    return a! < x! || (a === x && b! <= y!);
  }
  private failures: { after: number; code: string }[] = [];
  /** Fails the n-th sync from now (1 = the next one) with `code`, before it runs anything. */
  failSync(n: number, code = 'GeneralException'): void {
    this.failures.push({ after: n, code });
  }
  async run<T>(batch: (ctx: Excel.RequestContext) => Promise<T>): Promise<T> {
    const ctx = new SimulatedContext(
      this.model,
      (r) => this.syncs.push(r),
      () => {
        for (const f of this.failures) f.after--;
        const due = this.failures.find((f) => f.after === 0);
        this.failures = this.failures.filter((f) => f.after > 0);
        if (due) throw new SimulatedExcelError(due.code, 'the sync failed (simulated)');
      },
    );
    try {
      return await batch(ctx as unknown as Excel.RequestContext);
    } finally {
      this.changed();
    }
  }
  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
  changed(): void {
    for (const f of this.listeners) f();
  }
  table(name: string): TableModel | undefined {
    return this.model.tables.find((t) => t.name === name);
  }
  /** The table as a list of records keyed by header (what a test asserts on). */
  records(name: string): Record<string, Cell>[] {
    const t = this.table(name);
    if (!t) return [];
    const headers = t.headers();
    return Array.from({ length: t.rowCount }, (_, i) =>
      Object.fromEntries(headers.map((h, j) => [h, t.sheet.get(t.headerRow + 1 + i, t.c0 + j)])),
    );
  }
  /** What a user typing into a cell does: sets the value of a table cell (by data row and header). */
  type(tableName: string, row: number, header: string, value: Cell): void {
    const t = this.table(tableName);
    if (!t) throw new Error(`no table ${tableName}`);
    const c = t.headers().indexOf(header);
    // Typing in the row right under a table extends it (Excel's table auto-expansion).
    if (row === t.rowCount) this.extend(t);
    if (c < 0 || row < 0 || row >= t.rowCount) throw new Error(`no cell ${header} in row ${row} of ${tableName}`);
    const list = this.validationAt(t.sheet, t.headerRow + 1 + row, t.c0 + c);
    if (list && value !== '' && !list.includes(String(value)))
      throw new Error(`${value} is not one of ${list.join(', ')} (data validation)`);
    const r = t.headerRow + 1 + row;
    const typed = excelTyped(value, t.sheet.format(r, t.c0 + c));
    t.sheet.set(r, t.c0 + c, typed.value);
    t.sheet.setFormat(r, t.c0 + c, typed.format);
    this.changed();
  }
  private extend(t: TableModel): void {
    if (t.rowCount > 0) {
      t.sheet.insertRows(t.headerRow + 1 + t.rowCount, 1);
      for (const a of [...this.model.validations, ...this.model.conditionalFormats]) {
        if (a.sheet === t.sheet && a.r0 === t.headerRow + 1 && a.rows === t.rowCount) a.rows++;
      }
    }
    t.rowCount++;
  }
  /** Sorting by a column, as the user may do before sending (row identity must not be by position). */
  sort(tableName: string, header: string, descending = false): void {
    const t = this.table(tableName)!;
    const c = t.headers().indexOf(header);
    const r0 = t.headerRow + 1;
    const rows = t.sheet.values.slice(r0, r0 + t.rowCount);
    const fmts = t.sheet.formats.slice(r0, r0 + t.rowCount);
    const order = rows
      .map((_, i) => i)
      .sort((a, b) => {
        const x = rows[a]![t.c0 + c] ?? '';
        const y = rows[b]![t.c0 + c] ?? '';
        const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return descending ? -cmp : cmp;
      });
    order.forEach((from, i) => {
      t.sheet.values[r0 + i] = rows[from]!;
      t.sheet.formats[r0 + i] = fmts[from]!;
    });
    this.changed();
  }
  validationAt(sheet: SheetModel, r: number, c: number): string[] | null {
    return (
      this.model.validations.find((v) => v.sheet === sheet && overlaps(v, { r0: r, c0: c, rows: 1, cols: 1 }))?.list ??
      null
    );
  }
  highlightAt(sheet: SheetModel, r: number, c: number): ConditionalFormat | null {
    const v = sheet.get(r, c);
    return (
      this.model.conditionalFormats.find(
        (f) =>
          f.sheet === sheet &&
          overlaps(f, { r0: r, c0: c, rows: 1, cols: 1 }) &&
          f.operator === 'GreaterThan' &&
          typeof v === 'number' &&
          v > Number(f.formula1),
      ) ?? null
    );
  }
}

function displayed(v: Cell, format: string): string {
  if (typeof v === 'number') {
    if (format === '#,##0.00') return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    if (format === '0.00') return v.toFixed(2);
    if (format === '0') return v.toFixed(0);
    if (format === 'yyyy-mm-dd' || format === 'yyyy-mm-dd hh:mm') {
      // A date serial: days since 1899-12-30, the fraction the time of day.
      const iso = new Date(EXCEL_EPOCH_MS + Math.round(v * 1440) * 60_000).toISOString();
      return format === 'yyyy-mm-dd' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
    }
  }
  return String(v);
}

const ROWS_SHOWN = 200;

/**
 * Renders the active sheet (sheet tabs, column letters, row numbers, formats, drop-down cells,
 * highlighted cells) into `root`, again after every batch. Long tables show their first rows.
 */
export function renderGrid(wb: SimulatedWorkbook, root: HTMLElement): () => void {
  let scheduled = false;
  const draw = () => {
    scheduled = false;
    const m = wb.model;
    const sheet = m.active ?? m.sheets[0]!;
    const tabs = m.sheets
      .filter((s) => s.visibility === 'Visible')
      .map(
        (s) =>
          `<button class="sheet-tab${s === sheet ? ' active' : ''}" data-sheet="${esc(s.name)}">${esc(s.name)}</button>`,
      )
      .join('');
    const cols = Math.max(1, ...sheet.values.slice(0, ROWS_SHOWN + 1).map((r) => r.length));
    const tables = m.tables.filter((t) => t.sheet === sheet);
    const head = `<tr><th></th>${Array.from({ length: cols }, (_, c) => `<th>${columnName(c)}</th>`).join('')}</tr>`;
    const rows: string[] = [];
    const shown = Math.min(sheet.usedRows, ROWS_SHOWN + 1);
    for (let r = 0; r < Math.max(shown, 1); r++) {
      const header = tables.some((t) => t.headerRow === r);
      const cells = Array.from({ length: cols }, (_, c) => {
        const v = sheet.get(r, c);
        const list = wb.validationAt(sheet, r, c);
        const hi = wb.highlightAt(sheet, r, c);
        const style = hi ? ` style="background:${hi.fill ?? '#F4CCCC'};color:${hi.font ?? 'inherit'}"` : '';
        const num = typeof v === 'number' ? ' class="num"' : '';
        if (list && !header) {
          const opts = ['', ...list].map((o) => `<option${o === v ? ' selected' : ''}>${esc(o)}</option>`).join('');
          return `<td data-cell="${r},${c}"><select data-row="${r}" data-col="${c}" aria-label="${columnName(c)}${r + 1}">${opts}</select></td>`;
        }
        return `<td data-cell="${r},${c}"${num}${style}>${esc(displayed(v, sheet.format(r, c)))}</td>`;
      }).join('');
      rows.push(`<tr${header ? ' class="table-header"' : ''}><th>${r + 1}</th>${cells}</tr>`);
    }
    const more =
      sheet.usedRows > ROWS_SHOWN + 1 ? `<p class="more">… ${sheet.usedRows - ROWS_SHOWN - 1} more rows</p>` : '';
    const info = tables.map((t) => `${t.name}: ${t.rowCount} rows`).join(' · ');
    root.innerHTML = `<div class="sheet-tabs">${tabs}</div><div class="table-info">${esc(info)}</div><table class="grid">${head}${rows.join('')}</table>${more}`;
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(draw);
  };
  root.addEventListener('click', (e) => {
    const name = (e.target as HTMLElement).dataset?.sheet;
    const sheet = wb.model.sheets.find((s) => s.name === name);
    if (sheet) {
      wb.model.active = sheet;
      schedule();
    }
  });
  root.addEventListener('change', (e) => {
    const el = e.target as HTMLSelectElement;
    if (el.tagName !== 'SELECT' || el.dataset.row === undefined) return;
    const sheet = wb.model.active ?? wb.model.sheets[0]!;
    sheet.set(Number(el.dataset.row), Number(el.dataset.col), el.value);
    wb.changed();
  });
  draw();
  return wb.onChange(schedule);
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
