/**
 * A lean reader for the cell values of one worksheet of an uploaded .xlsx.
 *
 * Why it exists: exceljs's streaming reader (used by `streamXlsx` in ./files) allocates about
 * 480 MB of garbage and takes 1–2 s for a 1 MB workbook of 50,000 rows × 3 cells (a SAX event
 * object, an attribute object and a Cell/Row model for every cell), which keeps the server's RSS
 * above its 300 MB target. This reader inflates the few parts it needs with zlib and scans their
 * XML text with indexOf and character loops, without a DOM and without per-element objects
 * (about 17 MB allocated, most of it the answer, and a tenth of the time), and returns what
 * `streamXlsx` returns (before its padding). exceljs stays for writing workbooks and as the
 * fallback: whenever this reader meets something it does not support it returns null and the
 * caller uses `streamXlsx`. It throws (a 422 or 413 ApiError) for a damaged zip (bad local header,
 * a deflate stream that does not inflate, sizes that do not match the central directory), for a
 * part that inflates past its limit (./zip: each part is inflated with a hard limit on its output,
 * never past the size its directory gives), for a DOCTYPE or entity declaration in a part it reads
 * (never left to exceljs), for a cell of more than Excel's 32,767 characters and for a sheet of more
 * than MAX_UPLOAD_ROWS rows or MAX_UPLOAD_CELLS cells (./limits).
 *
 * The same answer as exceljs, quirks included: a cell's value is decided the way exceljs's
 * WorksheetReader and Cell model decide it (formula results only when truthy, `t="d"` cells as
 * `parseFloat` of their text, entities decoded a second time in `t="str"` and inline strings,
 * error cells and shared strings of a workbook without a shared-strings part as present nulls,
 * an empty shared string as no value, text after `</v>` kept…), sheets are taken in workbook
 * order only when that is the order exceljs visits them in, and chosen as streamXlsx chooses.
 * Deliberate differences, where exceljs reads a valid file wrongly:
 * - element names with a namespace prefix (`<x:row>`, `<x:c>`, written by the OpenXML SDK) are
 *   read (exceljs sees no rows at all);
 * - a `<row>` or `<c>` without `r` is the next row or column (exceljs gives NaN or fails);
 * - phonetic runs `<rPh>` are left out of a string (exceljs returns the phonetic reading instead);
 * - an inline string `<is>` is all its runs (exceljs keeps the last run only);
 * - sheets are named through absolute relationship targets too (`/xl/worksheets/sheet1.xml`, as
 *   openpyxl writes them; exceljs calls such a sheet "Sheet1" and so never prefers it by name);
 * - the parts are decoded as UTF-8 as a whole (exceljs decodes the inflated stream chunk by chunk
 *   and now and then turns a character across two chunks into U+FFFD, exceljs issue #2316);
 * - every part is read: exceljs's unzip loop sometimes ends before the entries that follow a
 *   worksheet it parked in a temp file (usually the shared strings or the workbook part), and then
 *   gives `{sharedString: n}` (null) for strings, "SheetN" names or an error (exceljs issue #683);
 *   streamXlsx avoids that by handing exceljs the workbook's own parts first (./zip, forExceljs).
 *
 * Not supported (null, exceljs reads the file): a zip64 entry without its sizes, encrypted entries,
 * compression methods other than stored and deflate (streamXlsx refuses those three), duplicate part
 * names, worksheets exceljs would visit in another order than the workbook lists them or would not
 * visit at all, a worksheet larger than MAX_HELD_SHEET_BYTES or more inflated parts to hold than
 * MAX_HELD_BYTES (exceljs streams the worksheets), CDATA sections,
 * unknown entities, cells whose columns do not increase along a row, cell references other than
 * `A1` style, and a workbook without a sheet with rows (exceljs then gives its usual error).
 */
import type { CellValue } from '../../shared/sheets/cells';
import { Pace } from '../db/pace';
import { cellTooLong, MAX_CELL_CHARS, MAX_SHARED_STRINGS, MAX_UPLOAD_CELLS, ownString, tooManyCells, tooManyRows, tooManySharedStrings } from './limits';
import { declarationAt, doctype, inflateEntry, zipEntries, type ZipEntry } from './zip';

/** The cells of the chosen worksheet, as `streamXlsx` returns them before padding. */
export interface XlsxCells {
  name: string;
  /** One array per `<row>`, `cells[column - 1]`, holes null, no trailing empty cells. */
  all: CellValue[][];
  /** The sheet row number of each row of `all`. */
  numbers: number[];
}

/** Thrown inside this module for what it does not read; readXlsxCells turns it into null. */
class Unsupported extends Error {}
function unsupported(why: string): never {
  throw new Unsupported(why);
}

/**
 * The cells of the adjustments worksheet (chosen as `streamXlsx` chooses it), or null when the
 * workbook uses something this reader does not support: then exceljs must read it. Throws an
 * ApiError for a damaged or hostile file (see the top of this file) and the too-many-rows one past
 * `maxRows + 21` rows.
 */
export async function readXlsxCells(buf: Buffer, maxRows: number, pace = new Pace()): Promise<XlsxCells | null> {
  const read = await explainXlsxCells(buf, maxRows, pace);
  return 'unsupported' in read ? null : read;
}

/**
 * readXlsxCells, but saying why a workbook is left to exceljs (for tests and diagnostics). The
 * scan steps `pace` at every row and shared string (server/db/pace.ts): 50,000 rows take longer
 * than other requests of the process should wait.
 */
export async function explainXlsxCells(buf: Buffer, maxRows: number, pace = new Pace()): Promise<XlsxCells | { unsupported: string }> {
  try {
    return await read(buf, maxRows, pace);
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message };
    throw e;
  }
}

const ADJUST = /adjust/i;
/** The worksheet parts exceljs's WorkbookReader reads: its own (unanchored) test of the path. */
const EXCELJS_SHEET = /xl\/worksheets\/sheet\d+[.]xml/;
const SHEET_PATH = /^xl\/worksheets\/sheet\d+\.xml$/;

async function read(buf: Buffer, maxRows: number, pace: Pace): Promise<XlsxCells> {
  const parts = zipParts(buf);
  const text = (path: string): string | null => {
    const entry = parts.get(path);
    return entry ? partText(buf, entry) : null;
  };
  // Each part's text is held only while it is scanned (the helpers below take it): what is read
  // from it are strings of their own (ownString), so a large part does not stay in memory for
  // one short value.
  const sheets = worksheets(workbookSheets(text('xl/workbook.xml') ?? unsupported('no xl/workbook.xml')), relationships(text('xl/_rels/workbook.xml.rels') ?? unsupported('no xl/_rels/workbook.xml.rels')));
  if (sheets.map((s) => s.path).join('\n') !== exceljsSheetOrder([...parts.values()]).join('\n')) {
    unsupported('exceljs would visit other worksheets or visit them in another order');
  }
  let held = parts.get('xl/sharedStrings.xml')?.size ?? 0;
  // What this reader holds; larger worksheets are left to exceljs, which streams them.
  const hold = (path: string) => {
    const size = parts.get(path)!.size;
    if (size > MAX_HELD_SHEET_BYTES) unsupported(`the part ${path} inflates to more than ${MAX_HELD_SHEET_BYTES / 1024 / 1024} MB`);
    held += size;
    if (held > MAX_HELD_BYTES) unsupported(`the shared strings and worksheets read inflate to more than ${MAX_HELD_BYTES / 1024 / 1024} MB`);
  };
  // The sheets it will read, as far as can be told before reading them (the first, and those named
  // like "adjust"): refused at once rather than after the work.
  const likely = sheets.filter((s, i) => i === 0 || ADJUST.test(s.name));
  if (likely.some((s) => parts.get(s.path)!.size > MAX_HELD_SHEET_BYTES) || likely.reduce((n, s) => n + parts.get(s.path)!.size, held) > MAX_HELD_BYTES) {
    unsupported(`a worksheet to read inflates to more than ${MAX_HELD_SHEET_BYTES / 1024 / 1024} MB, or with the others and the shared strings to more than ${MAX_HELD_BYTES / 1024 / 1024} MB`);
  }
  const sst = parts.has('xl/sharedStrings.xml') ? await sharedStrings(text('xl/sharedStrings.xml')!, pace) : null;

  // streamXlsx's choice: the first sheet named like "adjust" with rows, else the first with rows;
  // a later unnamed sheet is not read at all, a named one replaces an earlier unnamed choice.
  let chosen: XlsxCells | null = null;
  const cells = { cells: 0 }; // the cells of every sheet read, held until the choice is made
  for (const sheet of sheets) {
    const named = ADJUST.test(sheet.name);
    if (chosen && !named) continue;
    hold(sheet.path);
    const { all, numbers } = await sheetCells(sheet.name, text(sheet.path)!, sst, maxRows, pace, cells);
    if (all.length > 0 && (!chosen || named)) chosen = { name: sheet.name, all, numbers };
    if (named && all.length > 0) break;
  }
  return chosen ?? unsupported('no sheet with data (exceljs gives the error)');
}

// ---------------------------------------------------------------------------------------------
// Zip

/** The entries by name; zip64, encryption, other methods and duplicate names are not supported. */
function zipParts(buf: Buffer): Map<string, ZipEntry> {
  const parts = new Map<string, ZipEntry>();
  for (const e of zipEntries(buf)) {
    if (e.compressed === 0xffffffff || e.size === 0xffffffff || e.localOffset === 0xffffffff) unsupported('zip64');
    if (parts.has(e.name)) unsupported(`two entries named ${e.name}`);
    parts.set(e.name, e);
  }
  return parts;
}

/**
 * The largest worksheet this reader holds (as one string, one byte a character, with its cells):
 * a 50,000-row sheet of a dozen columns is about 25 MB of XML.
 */
const MAX_HELD_SHEET_BYTES = 32 * 1024 * 1024;
/**
 * The most this reader inflates for one workbook, the shared strings and the worksheets it reads
 * together (one after the other, but a part's memory is not given back at once); beyond it
 * exceljs streams the worksheets.
 */
const MAX_HELD_BYTES = 48 * 1024 * 1024;

/**
 * An entry's bytes as text: inflated (or stored) with a hard limit on the output (never past the
 * size the central directory gives, nor past the part's limit: ./zip), and refused when it holds a
 * DOCTYPE or entity declaration.
 */
function partText(buf: Buffer, e: ZipEntry): string {
  if (e.flags & 1) unsupported('an encrypted zip entry');
  if (e.method !== 0 && e.method !== 8) unsupported(`zip compression method ${e.method}`);
  const bytes = inflateEntry(buf, e);
  if (declarationAt(bytes) >= 0) throw doctype(e.name);
  // One character per byte (see utf8): the markup is ASCII, and a one-byte string takes no more
  // memory than the part, where UTF-16 would take twice as much for any text beyond Latin-1.
  const s = bytes.toString('latin1');
  return s.startsWith('\xef\xbb\xbf') ? s.slice(3) : s;
}

const HIGH = /[\x80-\xff]/;

/**
 * A piece of a part as text. The parts are scanned as one character per byte (partText): XML's
 * markup is ASCII, so tags, attributes and text runs are found as in the decoded text, and each
 * value taken from a part is decoded from UTF-8 here (at once when it is ASCII). A part is so
 * decoded as a whole, never character by character across chunks (unlike exceljs, issue #2316).
 */
function utf8(t: string): string {
  return HIGH.test(t) ? Buffer.from(t, 'latin1').toString('utf8') : t;
}

/**
 * The worksheet paths in the order exceljs's WorkbookReader emits them from the zip streamXlsx
 * hands it (./zip, forExceljs): in zip order. (It reads the zip front to back and parses a
 * worksheet at once when the workbook relationships and the shared strings came before it, else
 * parks it until the end of the zip; that zip has those two parts first.)
 */
function exceljsSheetOrder(entries: ZipEntry[]): string[] {
  const order: string[] = [];
  for (const e of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    if (EXCELJS_SHEET.test(e.name)) {
      if (!SHEET_PATH.test(e.name)) unsupported(`exceljs would read ${e.name} as a worksheet`);
      order.push(e.name);
    }
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// Workbook and relationships

interface Relationship {
  target: string;
  type: string;
}

/** `<sheets><sheet name r:id/>` in workbook order; names decoded twice, as exceljs does. */
function workbookSheets(xml: string): { name: string; rId: string }[] {
  const x = new Xml(xml);
  const sheets: { name: string; rId: string }[] = [];
  let inSheets = false;
  for (let k = x.next(); k !== END; k = x.next()) {
    if (k === OPEN && x.is('sheets')) inSheets = true;
    else if (k === CLOSE && x.is('sheets')) inSheets = false;
    else if (k === OPEN && inSheets && x.is('sheet')) {
      const name = x.attr('name') ? ownString(xmlDecode(x.attrValue())) : unsupported('a sheet without a name');
      const rId = x.attr('r:id') ? x.attrValue() : unsupported('a sheet without r:id');
      sheets.push({ name, rId });
    }
  }
  return sheets;
}

/** `Relationship Id → Target, Type` of xl/_rels/workbook.xml.rels. */
function relationships(xml: string): Map<string, Relationship> {
  const x = new Xml(xml);
  const rels = new Map<string, Relationship>();
  for (let k = x.next(); k !== END; k = x.next()) {
    if (k === OPEN && x.is('Relationship') && x.attr('Id')) {
      const id = x.attrValue();
      const target = x.attr('Target') ? x.attrValue() : '';
      const type = x.attr('Type') ? x.attrValue() : '';
      if (!rels.has(id)) rels.set(id, { target, type }); // exceljs takes the first
    }
  }
  return rels;
}

/** A relationship target as a zip path: relative to xl/, or absolute from the package root. */
function partPath(target: string): string {
  const segments: string[] = target.startsWith('/') ? [] : ['xl'];
  for (const s of target.split('/')) {
    if (s === '..') segments.pop();
    else if (s !== '.' && s !== '') segments.push(s);
  }
  return segments.join('/');
}

/**
 * The workbook's sheets (name and part), in workbook order. Chart and dialog sheets, which
 * exceljs never visits and which have no cells, are left out; a worksheet at a path exceljs does
 * not recognize is not supported.
 */
function worksheets(sheets: { name: string; rId: string }[], rels: Map<string, Relationship>): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const s of sheets) {
    const rel = rels.get(s.rId) ?? unsupported(`no relationship ${s.rId}`);
    const path = partPath(rel.target);
    if (SHEET_PATH.test(path)) out.push({ name: s.name, path });
    else if (rel.type.endsWith('/worksheet')) unsupported(`a worksheet at ${path}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strings

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
async function sharedStrings(xml: string, pace: Pace): Promise<(string | null)[]> {
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
async function sheetCells(name: string, xml: string, sst: (string | null)[] | null, maxRows: number, pace: Pace, held: { cells: number }): Promise<{ all: CellValue[][]; numbers: number[] }> {
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
  if (col === 0 || col > 16384 || i === x.rEnd || i - x.rStart > 3) unsupported(`the cell reference "${s.slice(x.rStart, x.rEnd)}"`);
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
function cellValue(type: number, hasF: boolean, fText: boolean, v: ValueText, sst: (string | null)[] | null): CellValue | undefined {
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

// ---------------------------------------------------------------------------------------------
// XML scanning

const END = 0;
const OPEN = 1;
const CLOSE = 2;
const TEXT = 3;

/**
 * A pull scanner over XML text that allocates nothing per tag: each call to next() moves to the
 * next start tag, end tag or text run and leaves spans (start/end offsets) to be compared in place.
 * A self-closing tag gives OPEN then CLOSE. Names are compared without their namespace prefix.
 * Comments and processing instructions are skipped (exceljs ignores them too); CDATA is not
 * supported, and a DOCTYPE or any other declaration is refused.
 */
class Xml {
  /** Where the scan goes on (a reader may move it past what it read itself). */
  pos = 0;
  /** The current start tag closed itself: the next token is its end tag. */
  pendingClose = false;
  /** The local name of the current tag (after any prefix). */
  nameStart = 0;
  nameEnd = 0;
  /** The attributes of the current start tag. */
  private attrsStart = 0;
  private attrsEnd = 0;
  /** The current text run. */
  textStart = 0;
  textEnd = 0;
  /** The value of the attribute found by attr(). */
  valueStart = 0;
  valueEnd = 0;
  /** The values of the current start tag's attributes `r` and `t` (start -1: absent). */
  rStart = -1;
  rEnd = -1;
  tStart = -1;
  tEnd = -1;

  constructor(readonly s: string) {}

  next(): number {
    if (this.pendingClose) {
      this.pendingClose = false;
      return CLOSE;
    }
    const s = this.s;
    for (;;) {
      const i = this.pos;
      if (i >= s.length) return END;
      if (s.charCodeAt(i) !== 60) {
        const lt = s.indexOf('<', i);
        this.textStart = i;
        this.textEnd = this.pos = lt < 0 ? s.length : lt;
        return TEXT;
      }
      const c = s.charCodeAt(i + 1);
      if (c === 47) return this.endTag(i);
      if (c === 63) {
        this.pos = this.after(s.indexOf('?>', i + 2), 2);
        continue;
      }
      if (c === 33) {
        if (!s.startsWith('<!--', i)) {
          // A DOCTYPE or another declaration is refused (partText refuses it before the scan: this
          // is the scanner's own guard); CDATA is left to exceljs.
          if (/[A-Za-z]/.test(s.charAt(i + 2))) throw doctype('a part of the workbook');
          unsupported('CDATA or a malformed declaration');
        }
        this.pos = this.after(s.indexOf('-->', i + 4), 3);
        continue;
      }
      return this.startTag(i);
    }
  }

  private after(at: number, length: number): number {
    return at < 0 ? unsupported('unterminated XML') : at + length;
  }

  private endTag(i: number): number {
    const s = this.s;
    const gt = s.indexOf('>', i + 2);
    if (gt < 0) unsupported('unterminated XML');
    let j = (this.nameStart = i + 2);
    for (; j < gt; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 58) this.nameStart = j + 1;
      else if (ch <= 32) break;
    }
    this.nameEnd = j;
    this.pos = gt + 1;
    return CLOSE;
  }

  /**
   * A start tag: its name, its end (attribute by attribute, so a '>' inside a quoted value does
   * not end it), and on the way the values of the attributes `r` and `t`, which the worksheet
   * reader needs for every row and cell.
   */
  private startTag(i: number): number {
    const s = this.s;
    const n = s.length;
    let j = (this.nameStart = i + 1);
    for (; j < n; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 58) this.nameStart = j + 1;
      else if (ch <= 32 || ch === 47 || ch === 62) break;
    }
    this.nameEnd = this.attrsStart = j;
    this.rStart = this.tStart = -1;
    for (;;) {
      let ch = s.charCodeAt(j);
      while (ch <= 32) ch = s.charCodeAt(++j);
      if (ch === 62 || ch === 47) break;
      const start = j;
      while (ch > 32 && ch !== 61 && ch !== 62 && ch !== 47) ch = s.charCodeAt(++j);
      const length = j - start;
      while (ch <= 32) ch = s.charCodeAt(++j);
      if (ch !== 61) unsupported('a malformed attribute or unterminated XML');
      ch = s.charCodeAt(++j);
      while (ch <= 32) ch = s.charCodeAt(++j);
      if (ch !== 34 && ch !== 39) unsupported('a malformed attribute or unterminated XML');
      const close = s.indexOf(ch === 34 ? '"' : "'", j + 1);
      if (close < 0) unsupported('unterminated XML');
      if (length === 1) {
        const name = s.charCodeAt(start);
        if (name === 114) {
          this.rStart = j + 1;
          this.rEnd = close;
        } else if (name === 116) {
          this.tStart = j + 1;
          this.tEnd = close;
        }
      }
      j = close + 1;
    }
    this.attrsEnd = j;
    this.pendingClose = s.charCodeAt(j) === 47;
    if (this.pendingClose) j++;
    if (s.charCodeAt(j) !== 62) unsupported('a malformed tag or unterminated XML');
    this.pos = j + 1;
    return OPEN;
  }

  /** Whether the current tag's local name is `name`. */
  is(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && this.s.startsWith(name, this.nameStart);
  }

  /** Finds attribute `name` (exact, prefix included) of the current start tag: valueStart/valueEnd. */
  attr(name: string): boolean {
    const s = this.s;
    const end = this.attrsEnd;
    let j = this.attrsStart;
    for (;;) {
      while (j < end && s.charCodeAt(j) <= 32) j++;
      if (j >= end) return false;
      const start = j;
      while (j < end && s.charCodeAt(j) > 32 && s.charCodeAt(j) !== 61) j++;
      const nameEnd = j;
      while (j < end && s.charCodeAt(j) <= 32) j++;
      if (s.charCodeAt(j) !== 61) unsupported('a malformed attribute');
      j++;
      while (j < end && s.charCodeAt(j) <= 32) j++;
      const q = s.charCodeAt(j);
      if (q !== 34 && q !== 39) unsupported('a malformed attribute');
      const close = s.indexOf(q === 34 ? '"' : "'", j + 1);
      if (nameEnd - start === name.length && s.startsWith(name, start)) {
        this.valueStart = j + 1;
        this.valueEnd = close;
        return true;
      }
      j = close + 1;
    }
  }

  /** The found attribute's value, decoded (entities, and whitespace normalized as XML does). */
  attrValue(): string {
    const raw = utf8(this.s.slice(this.valueStart, this.valueEnd));
    return decodeEntities(raw.replace(/\r\n?|[\n\t]/g, ' '));
  }

  /** Whether the current text run needs no decoding (no reference, no carriage return). */
  plainText(): boolean {
    const s = this.s;
    for (let i = this.textStart; i < this.textEnd; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 38 || ch === 13) return false;
    }
    return true;
  }

  /** The current text run, decoded (line ends normalized and entities replaced, as saxes does). */
  text(): string {
    const t = utf8(this.s.slice(this.textStart, this.textEnd));
    if (t.indexOf('&') < 0 && t.indexOf('\r') < 0) return t;
    return decodeEntities(t.replace(/\r\n?/g, '\n'));
  }
}

const NAMED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const CHAR_REF = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/;

/** XML entity and character references replaced; what saxes rejects is not supported. */
function decodeEntities(s: string): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    const semi = s.indexOf(';', amp);
    if (semi < 0) unsupported('a bare & in XML text');
    out += s.slice(last, amp) + entity(s.slice(amp + 1, semi));
    last = semi + 1;
    amp = s.indexOf('&', last);
  }
  return out + s.slice(last);
}

/** The text of one reference (`lt`, `#123`, `#x1F`). */
function entity(ref: string): string {
  const named = NAMED.get(ref);
  if (named !== undefined) return named;
  const m = CHAR_REF.exec(ref) ?? unsupported(`the XML entity &${ref};`);
  const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) unsupported(`the character reference &${ref};`);
  return String.fromCodePoint(code);
}

/** exceljs's utils.xmlDecode, applied by exceljs a second time to t="str" and inline strings. */
function xmlDecode(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&([a-z]*);/g, (m: string, name: string) => NAMED.get(name) ?? m);
}
