/**
 * The cells of one worksheet and the shared strings of an .xlsx, read from their XML text as
 * exceljs reads them (see ./workbook.ts for what is read and why, and for the deliberate
 * differences from exceljs).
 */
import type { CellValue } from '../../../shared/sheets/cells';
import type { Pace } from '../../db/pace';
import {
  cellTooLong,
  MAX_CELL_CHARS,
  MAX_SHARED_STRINGS,
  MAX_UPLOAD_CELLS,
  ownString,
  tooManyCells,
  tooManyRows,
  tooManySharedStrings,
} from '../limits';
import { CLOSE, END, OPEN, TEXT, unsupported, utf8, Xml, xmlDecode } from './xml';

/**
 * The text of a string item (`<si>` or `<is>`), fed token by token, the way exceljs assembles a
 * shared string: the text since the last `<t>` opened (text after `</t>` included), or the runs
 * `<r>` joined when there are any. Phonetic runs `<rPh>` and everything in them are skipped.
 */
class StringItem {
  private text: string | null = null;
  private runs: string | null = null;
  private phonetic = 0;

  reset(): void {
    this.text = null;
    this.runs = null;
    this.phonetic = 0;
  }

  open(x: Xml): void {
    if (x.is('rPh')) this.phonetic++;
    else if (this.phonetic === 0 && x.is('t')) this.text = null;
  }

  close(x: Xml): void {
    if (x.is('rPh')) this.phonetic--;
    else if (this.phonetic === 0 && x.is('r')) {
      this.runs = (this.runs ?? '') + (this.text ?? '');
      this.text = null;
    }
  }

  add(s: string): void {
    if (this.phonetic === 0) this.text = this.text === null ? s : this.text + s;
  }

  /** The string; null when the item has no text and no runs (exceljs: no value). */
  value(): string | null {
    return this.runs ?? this.text;
  }
}

/** xl/sharedStrings.xml: each `<si>` as a string, or null for one without text (at most MAX_SHARED_STRINGS). */
export async function sharedStrings(xml: string, pace: Pace): Promise<(string | null)[]> {
  const x = new Xml(xml);
  const item = new StringItem();
  const out: (string | null)[] = [];
  for (let k = x.next(); k !== END; k = x.next()) {
    if (k === TEXT) item.add(x.text());
    else if (x.is('si')) {
      if (k === OPEN) item.reset();
      else {
        const value = item.value();
        out.push(value === null ? null : ownString(value));
        if (out.length > MAX_SHARED_STRINGS) tooManySharedStrings();
        await pace.step();
      }
    } else if (k === OPEN) item.open(x);
    else item.close(x);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Worksheet

const NUMBER = 0;
const SHARED = 1;
const STR = 2;
const INLINE = 3;
const BOOL = 4;
const ERROR = 5;

/** The worksheet elements that matter, by local name (OTHER for all the rest). */
const OTHER = 0;
const C = 1;
const V = 2;
const F = 3;
const T = 4;
const IS = 5;
const ROW = 6;
const SHEET_DATA = 7;

/** The current tag as one of the worksheet elements, from its length and first letter. */
function sheetTag(x: Xml): number {
  const s = x.s;
  const at = x.nameStart;
  switch (x.nameEnd - at) {
    case 1:
      switch (s.charCodeAt(at)) {
        case 99:
          return C;
        case 118:
          return V;
        case 102:
          return F;
        case 116:
          return T;
        default:
          return OTHER;
      }
    case 2:
      return s.startsWith('is', at) ? IS : OTHER;
    case 3:
      return s.startsWith('row', at) ? ROW : OTHER;
    case 9:
      return s.startsWith('sheetData', at) ? SHEET_DATA : OTHER;
    default:
      return OTHER;
  }
}

/** Where text inside a cell goes, as in exceljs: to the formula, to the value, or nowhere. */
const NOWHERE = 0;
const TO_F = 1;
const TO_V = 2;

/**
 * The value text of the cell being read: none, a span of the XML (the common case: one text run
 * without references, read in place), or a string (decoded, or assembled from several runs).
 */
class ValueText {
  kind: 'none' | 'span' | 'string' = 'none';
  start = 0;
  end = 0;
  str = '';

  constructor(private readonly s: string) {}

  reset(): void {
    this.kind = 'none';
  }

  /** `<v>` (or `<t>`) opened: an empty value. */
  open(): void {
    this.kind = 'span';
    this.start = this.end = 0;
  }

  set(str: string): void {
    this.kind = 'string';
    this.str = str;
  }

  /** A text run of the value (exceljs appends every run, also the ones after `</v>`). */
  add(x: Xml): void {
    if (this.kind === 'span' && this.start === this.end && x.plainText()) {
      this.start = x.textStart;
      this.end = x.textEnd;
    } else this.set(this.string() + x.text());
  }

  string(): string {
    return this.kind === 'string' ? this.str : utf8(this.s.slice(this.start, this.end));
  }

  /** parseFloat of the text, without slicing it when it is a short plain decimal. */
  float(): number {
    return this.kind === 'span' ? spanFloat(this.s, this.start, this.end) : parseFloat(this.str);
  }

  /** parseInt(text, 10), without slicing it when it is plain digits. */
  int(): number {
    if (this.kind === 'span' && this.end > this.start && this.end - this.start < 10) {
      let n = 0;
      for (let i = this.start; i < this.end; i++) {
        const d = this.s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return parseInt(this.string(), 10);
        n = n * 10 + d;
      }
      return n;
    }
    return parseInt(this.string(), 10);
  }
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * parseFloat(s.slice(from, to)) without the slice for `-?digits[.digits]` of at most 15 digits:
 * the digits are then an exact integer and so is the power of ten, and one IEEE division rounds
 * correctly, giving the very double parseFloat gives. Anything else goes to parseFloat.
 */
function spanFloat(s: string, from: number, to: number): number {
  let i = from;
  const negative = s.charCodeAt(i) === 45;
  if (negative) i++;
  let n = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < to; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      n = n * 10 + ch - 48;
      digits++;
      if (dot) scale++;
    } else if (ch === 46 && !dot) dot = true;
    else return parseFloat(utf8(s.slice(from, to)));
  }
  if (digits === 0 || digits > 15) return parseFloat(utf8(s.slice(from, to)));
  const v = scale === 0 ? n : n / POW10[scale]!;
  return negative ? -v : v;
}

/**
 * The rows of a worksheet, each `cells[column - 1]` (holes null, no trailing empty cells), and
 * their row numbers. A cell's value follows exceljs's WorksheetReader and Cell model exactly:
 * see cellValue. Throws the too-many-rows ApiError past `maxRows + 21` rows, and the too-many-cells
 * one past MAX_UPLOAD_CELLS in `held` (the sheets read so far), as streamXlsx does.
 */
export async function sheetCells(
  name: string,
  xml: string,
  sst: (string | null)[] | null,
  maxRows: number,
  pace: Pace,
  held: { cells: number },
): Promise<{ all: CellValue[][]; numbers: number[] }> {
  const x = new Xml(xml);
  const all: CellValue[][] = [];
  const numbers: number[] = [];
  const item = new StringItem();
  const v = new ValueText(xml);
  // The row being read, in a reused array copied at </row> (an exact-size array per row).
  const cells: CellValue[] = [];
  let width = 0;
  let inData = false;
  let inString = false; // inside the <is> of a cell
  let inRow = false;
  let rowNumber = 0;
  let inCell = false;
  let col = 0;
  let type = NUMBER;
  let hasF = false;
  let fText = false;
  let to = NOWHERE;
  // A cell's value, refused when longer than Excel allows.
  const checked = (value: CellValue | undefined): CellValue | undefined => {
    if (typeof value === 'string' && value.length > MAX_CELL_CHARS) cellTooLong(name, rowNumber, col, value);
    return value;
  };

  for (let k = x.next(); k !== END; k = x.next()) {
    if (inString) {
      if (k === TEXT) item.add(x.text());
      else if (k === CLOSE && sheetTag(x) === IS) {
        inString = false;
        v.set(item.value() ?? '');
        to = TO_V; // exceljs appends text after </is> to the value
      } else if (k === OPEN) item.open(x);
      else item.close(x);
      continue;
    }
    if (k === TEXT) {
      if (to === TO_V) v.add(x);
      else if (to === TO_F) fText = true;
      continue;
    }
    const tag = sheetTag(x);
    if (k === OPEN) {
      switch (tag) {
        case C: {
          if (!inRow) break;
          inCell = true;
          const last = col;
          col = x.rStart >= 0 ? columnOf(x) : col + 1;
          if (col <= last) unsupported('cells whose columns do not increase along a row');
          type = x.tStart >= 0 ? cellType(x) : NUMBER;
          hasF = false;
          fText = false;
          v.reset();
          to = NOWHERE;
          if (!x.pendingClose && plainValue(x, v)) {
            // <v>…</v></c> read in one step (what the tokens would give): the usual cell
            if (cellValueAt(cells, width, col, checked(cellValue(type, hasF, fText, v, sst)))) width = col;
            inCell = false;
          }
          break;
        }
        case V:
        case T: // a <t> straight in a <c>: exceljs reads it as the value
          if (inCell) {
            v.open();
            to = TO_V;
          }
          break;
        case F:
          if (inCell) {
            hasF = true;
            fText = false;
            to = TO_F;
          }
          break;
        case IS:
          if (inCell) {
            inString = true;
            item.reset();
          }
          break;
        case ROW:
          if (!inData) break;
          inRow = true;
          width = 0;
          rowNumber = x.rStart >= 0 ? rowNumberOf(x) : rowNumber + 1;
          col = 0;
          break;
        case SHEET_DATA:
          inData = true;
      }
    } else if (tag === C) {
      if (inRow && inCell && cellValueAt(cells, width, col, checked(cellValue(type, hasF, fText, v, sst)))) width = col;
      inCell = false;
      to = NOWHERE;
    } else if (tag === ROW) {
      if (!inRow) unsupported('a </row> outside a row');
      held.cells += width; // each row up to its last value
      if (held.cells > MAX_UPLOAD_CELLS) tooManyCells();
      all.push(cells.slice(0, width));
      numbers.push(rowNumber);
      if (all.length > maxRows + 21) tooManyRows();
      inRow = false;
      await pace.step();
    } else if (tag === SHEET_DATA) inData = false;
  }
  return { all, numbers };
}

/**
 * Puts a cell's value at its column (nulls in the holes before it); false for no value, which
 * leaves the row as it is.
 */
function cellValueAt(cells: CellValue[], width: number, col: number, value: CellValue | undefined): boolean {
  if (value === undefined) return false;
  while (width < col - 1) cells[width++] = null;
  cells[col - 1] = value;
  return true;
}

/**
 * The fast path for the usual cell: right after `<c …>` comes `<v>text</v></c>` (no prefixes).
 * Then the value is read from the span and the scan moves past `</c>`; otherwise nothing moves.
 */
function plainValue(x: Xml, v: ValueText): boolean {
  const s = x.s;
  const at = x.pos;
  if (!s.startsWith('<v>', at)) return false;
  const lt = s.indexOf('<', at + 3);
  if (lt < 0 || !s.startsWith('</v></c>', lt)) return false;
  v.open();
  if (lt > at + 3) {
    x.textStart = at + 3;
    x.textEnd = lt;
    v.add(x);
  }
  x.pos = lt + 8;
  return true;
}

/** The column number of the current tag's `r` attribute ("B7" → 2); only plain A1 references. */
function columnOf(x: Xml): number {
  const s = x.s;
  let i = x.rStart;
  let col = 0;
  for (; i < x.rEnd; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 65 || ch > 90) break;
    col = col * 26 + ch - 64;
  }
  if (col === 0 || col > 16384 || i === x.rEnd || i - x.rStart > 3)
    unsupported(`the cell reference "${s.slice(x.rStart, x.rEnd)}"`);
  for (; i < x.rEnd; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 48 || ch > 57) unsupported(`the cell reference "${s.slice(x.rStart, x.rEnd)}"`);
  }
  return col;
}

/** The current tag's `r` attribute of a row: digits only. */
function rowNumberOf(x: Xml): number {
  const s = x.s;
  if (x.rEnd === x.rStart || x.rEnd - x.rStart > 9) unsupported(`the row number "${s.slice(x.rStart, x.rEnd)}"`);
  let n = 0;
  for (let i = x.rStart; i < x.rEnd; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) unsupported(`the row number "${s.slice(x.rStart, x.rEnd)}"`);
    n = n * 10 + d;
  }
  return n;
}

/** The current tag's `t` attribute as one of the value kinds exceljs distinguishes, compared in place. */
function cellType(x: Xml): number {
  const s = x.s;
  const at = x.tStart;
  const length = x.tEnd - at;
  if (length === 1) {
    const ch = s.charCodeAt(at);
    if (ch === 115) return SHARED; // s
    if (ch === 98) return BOOL; // b
    if (ch === 101) return ERROR; // e
  } else if (length === 3 && s.startsWith('str', at)) return STR;
  else if (length === 9 && s.startsWith('inlineStr', at)) return INLINE;
  for (let i = at; i < x.tEnd; i++) if (s.charCodeAt(i) === 38) unsupported('a reference in a cell type');
  // "n", "d" and anything else: exceljs's default branch, parseFloat of the text (with styles
  // ignored it never sees a date format, so a t="d" cell "2024-01-02T00:00:00Z" gives 2024).
  return NUMBER;
}

/**
 * A cell's value as exceljs's streaming reader and `row.values` give it; undefined when exceljs
 * leaves the cell without a value (then it does not count for the row's length).
 * - A formula: the cached result (decoded text for t="str", else parseFloat). exceljs's Formula
 *   value keeps its result only when truthy (0, "" and NaN become null); a formula element
 *   without text (a shared formula's `<f t="shared" si="0"/>`) keeps the raw result.
 * - A shared string: the string; an empty one or an index out of range is no value; without a
 *   shared-strings part exceljs keeps `{ sharedString }`, which reads as null.
 * - An error: null, but a value (it counts for the row's length).
 */
function cellValue(
  type: number,
  hasF: boolean,
  fText: boolean,
  v: ValueText,
  sst: (string | null)[] | null,
): CellValue | undefined {
  if (hasF) {
    const result = v.kind === 'none' ? undefined : type === STR ? ownString(xmlDecode(v.string())) : v.float();
    if (fText) return result ? result : null;
    return result === undefined ? null : result;
  }
  if (v.kind === 'none') return undefined;
  switch (type) {
    case SHARED:
      return sst ? (sst[v.int()] ?? undefined) : null;
    case STR:
    case INLINE:
      return ownString(xmlDecode(v.string()));
    case BOOL:
      return parseInt(v.string(), 10) !== 0;
    case ERROR:
      return null;
    default:
      return v.float();
  }
}
