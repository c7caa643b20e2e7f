/**
 * A lean reader for the cell values of one worksheet of an uploaded .xlsx: this file reads the
 * workbook (its parts, relationships and the sheet to read), ./worksheet.ts the cells of a
 * worksheet and the shared strings, ./xml.ts scans XML text, ./zip.ts checks and inflates entries.
 *
 * Why it exists: exceljs's streaming reader (used by `streamXlsx` in ../files) allocates about
 * 480 MB of garbage and takes 1–2 s for a 1 MB workbook of 50,000 rows × 3 cells (a SAX event
 * object, an attribute object and a Cell/Row model for every cell), which keeps the server's RSS
 * above its 300 MB target. This reader inflates the few parts it needs with zlib and scans their
 * XML text with indexOf and character loops, without a DOM and without per-element objects
 * (about 17 MB allocated, most of it the answer, and a tenth of the time), and returns what
 * `streamXlsx` returns (before its padding). exceljs stays for writing workbooks and as the
 * fallback: whenever this reader meets something it does not support it returns null and the
 * caller uses `streamXlsx`. It throws (a 422 or 413 ApiError) for a damaged zip (bad local header,
 * a deflate stream that does not inflate, sizes that do not match the central directory), for a
 * part that inflates past its limit (./zip.ts: each part is inflated with a hard limit on its output,
 * never past the size its directory gives), for a DOCTYPE or entity declaration in a part it reads
 * (never left to exceljs), for a cell of more than Excel's 32,767 characters and for a sheet of more
 * than MAX_UPLOAD_ROWS rows or MAX_UPLOAD_CELLS cells (../limits).
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
 *   streamXlsx avoids that by handing exceljs the workbook's own parts first (./zip.ts, forExceljs).
 *
 * Not supported (null, exceljs reads the file): a zip64 entry without its sizes, encrypted entries,
 * compression methods other than stored and deflate (streamXlsx refuses those three), duplicate part
 * names, worksheets exceljs would visit in another order than the workbook lists them or would not
 * visit at all, a worksheet larger than MAX_HELD_SHEET_BYTES or more inflated parts to hold than
 * MAX_HELD_BYTES (exceljs streams the worksheets), CDATA sections,
 * unknown entities, cells whose columns do not increase along a row, cell references other than
 * `A1` style, and a workbook without a sheet with rows (exceljs then gives its usual error).
 */
import type { CellValue } from '../../../shared/sheets/cells';
import { Pace } from '../../db/pace';
import { ownString } from '../limits';
import { declarationAt, doctype, inflateEntry, zipEntries, type ZipEntry } from './zip';
import { CLOSE, END, OPEN, Unsupported, unsupported, Xml, xmlDecode } from './xml';
import { sharedStrings, sheetCells } from './worksheet';
/** The cells of the chosen worksheet, as `streamXlsx` returns them before padding. */
export interface XlsxCells {
  name: string;
  /** One array per `<row>`, `cells[column - 1]`, holes null, no trailing empty cells. */
  all: CellValue[][];
  /** The sheet row number of each row of `all`. */
  numbers: number[];
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
export async function explainXlsxCells(
  buf: Buffer,
  maxRows: number,
  pace = new Pace(),
): Promise<XlsxCells | { unsupported: string }> {
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
  const sheets = worksheets(
    workbookSheets(text('xl/workbook.xml') ?? unsupported('no xl/workbook.xml')),
    relationships(text('xl/_rels/workbook.xml.rels') ?? unsupported('no xl/_rels/workbook.xml.rels')),
  );
  if (sheets.map((s) => s.path).join('\n') !== exceljsSheetOrder([...parts.values()]).join('\n')) {
    unsupported('exceljs would visit other worksheets or visit them in another order');
  }
  let held = parts.get('xl/sharedStrings.xml')?.size ?? 0;
  // What this reader holds; larger worksheets are left to exceljs, which streams them.
  const hold = (path: string) => {
    const size = parts.get(path)!.size;
    if (size > MAX_HELD_SHEET_BYTES)
      unsupported(`the part ${path} inflates to more than ${MAX_HELD_SHEET_BYTES / 1024 / 1024} MB`);
    held += size;
    if (held > MAX_HELD_BYTES)
      unsupported(`the shared strings and worksheets read inflate to more than ${MAX_HELD_BYTES / 1024 / 1024} MB`);
  };
  // The sheets it will read, as far as can be told before reading them (the first, and those named
  // like "adjust"): refused at once rather than after the work.
  const likely = sheets.filter((s, i) => i === 0 || ADJUST.test(s.name));
  if (
    likely.some((s) => parts.get(s.path)!.size > MAX_HELD_SHEET_BYTES) ||
    likely.reduce((n, s) => n + parts.get(s.path)!.size, held) > MAX_HELD_BYTES
  ) {
    unsupported(
      `a worksheet to read inflates to more than ${MAX_HELD_SHEET_BYTES / 1024 / 1024} MB, or with the others and the shared strings to more than ${MAX_HELD_BYTES / 1024 / 1024} MB`,
    );
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
function worksheets(
  sheets: { name: string; rId: string }[],
  rels: Map<string, Relationship>,
): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const s of sheets) {
    const rel = rels.get(s.rId) ?? unsupported(`no relationship ${s.rId}`);
    const path = partPath(rel.target);
    if (SHEET_PATH.test(path)) out.push({ name: s.name, path });
    else if (rel.type.endsWith('/worksheet')) unsupported(`a worksheet at ${path}`);
  }
  return out;
}
