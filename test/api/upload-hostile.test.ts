// Hostile uploads (issue 18, item 10; SPEC §5 "Sheets without the add-in", §8): workbooks and CSV
// made to blow up the server or to reach the XML parser, written here byte by byte (zip entries
// with node:zlib, sizes that lie, entries the directory does not list). Each is refused in the one
// error shape (or read within the limits), by both readers (the lean one, ./xlsx-cells, and
// exceljs's streaming reader, streamXlsx), changes nothing, and leaves the server responsive and
// its RSS under 300 MB.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants, deflateRawSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, lastSeq } from '../support/conventions';
import { putCustomer } from '../support/credit';
import { ApiError } from '../../server/http/errors';
import { readUpload, streamXlsx } from '../../server/sheets/files';
import { explainXlsxCells, readXlsxCells } from '../../server/sheets/xlsx/workbook';
import { MAX_CELL_CHARS, MAX_UPLOAD_CELLS } from '../../server/sheets/limits';
import { zip, type Entry } from '../support/zip';

const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Deflate streams of repeated pieces (the zips themselves: test/support/zip.ts)

type Segment = { text: string } | { unit: string; bytes: number };

/**
 * A deflate stream of text pieces and of units repeated to about `bytes`: a repeated megabyte is
 * one fully flushed block (it does not depend on what came before), written as often as needed,
 * so a gigabyte costs about a megabyte here and is never made.
 */
function deflated(segments: Segment[]): { data: Buffer; size: number } {
  const flush = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const blocks: Buffer[] = [];
  let size = 0;
  for (const s of segments) {
    if ('text' in s) {
      const b = Buffer.from(s.text, 'utf8');
      blocks.push(deflateRawSync(b, flush));
      size += b.length;
    } else {
      const piece = Buffer.from(s.unit.repeat(Math.max(1, Math.floor(Math.min(s.bytes, MB) / s.unit.length))), 'utf8');
      const block = deflateRawSync(piece, flush);
      for (let i = Math.max(1, Math.round(s.bytes / piece.length)); i > 0; i--) {
        blocks.push(block);
        size += piece.length;
      }
    }
  }
  blocks.push(deflateRawSync(Buffer.alloc(0))); // the final block
  return { data: Buffer.concat(blocks), size };
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const CONTENT_TYPES: Entry = {
  name: '[Content_Types].xml',
  text: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
};
const workbookXml = (names: string[], doctype = '') =>
  `${PROLOG}${doctype}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>${names.map((n, i) => `<sheet name="${n}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`;
const relsXml = (n: number) =>
  `${PROLOG}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${Array.from({ length: n }, (_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}</Relationships>`;
const sheetHead = (doctype = '') => `${PROLOG}${doctype}<worksheet xmlns="${MAIN}"><sheetData>`;
const SHEET_TAIL = '</sheetData></worksheet>';
const sstXml = (items: string, doctype = '') => `${PROLOG}${doctype}<sst xmlns="${MAIN}">${items}</sst>`;
const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
/** The header row; with `cdata` its first header is a CDATA section, which the lean reader leaves to exceljs. */
const header = (cdata = false) =>
  `<row r="1">${inline('A1', cdata ? '<![CDATA[Customer]]>' : 'Customer')}${inline('B1', 'New limit')}</row>`;
const row = (r: number, customer: string, limit: string) =>
  `<row r="${r}">${inline(`A${r}`, customer)}<c r="B${r}"><v>${limit}</v></c></row>`;
const colName = (n: number) => {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
};

interface Book {
  /** The content of <sheetData> (default: the header and one row). */
  rows?: string;
  /** The sheet entry as given (it replaces `rows`). */
  sheet?: Partial<Entry>;
  /** The <si> items of xl/sharedStrings.xml (none when absent), or the whole part. */
  sst?: string;
  sstPart?: Partial<Entry>;
  workbookDoctype?: string;
  sheetDoctype?: string;
  /** Entries before the workbook's parts, and after them. */
  before?: Entry[];
  after?: Entry[];
  /** More worksheets (sheet2…), each the content of its <sheetData>; the sheets are then named Data, Adjustments… */
  more?: string[];
}

/** An .xlsx laid out as Excel lays it out: workbook, relationships, worksheets, shared strings. */
function book(o: Book = {}): Buffer {
  const sheets = 1 + (o.more?.length ?? 0);
  const names =
    sheets === 1
      ? ['Adjustments']
      : ['Data', 'Adjustments', ...Array.from({ length: sheets - 2 }, (_, i) => `More${i}`)];
  const entries: Entry[] = [
    CONTENT_TYPES,
    ...(o.before ?? []),
    { name: 'xl/workbook.xml', text: workbookXml(names, o.workbookDoctype) },
    { name: 'xl/_rels/workbook.xml.rels', text: relsXml(sheets) },
  ];
  entries.push({
    name: 'xl/worksheets/sheet1.xml',
    text: `${sheetHead(o.sheetDoctype)}${o.rows ?? header() + row(2, 'C1', '100')}${SHEET_TAIL}`,
    ...o.sheet,
  });
  o.more?.forEach((rows, i) =>
    entries.push({ name: `xl/worksheets/sheet${i + 2}.xml`, text: `${sheetHead()}${rows}${SHEET_TAIL}` }),
  );
  if (o.sst !== undefined || o.sstPart)
    entries.push({ name: 'xl/sharedStrings.xml', text: sstXml(o.sst ?? ''), ...o.sstPart });
  entries.push(...(o.after ?? []));
  return zip(entries);
}

const utf16 = (s: string, order: 'le' | 'be', bom: boolean) => {
  const le = Buffer.from((bom ? '\ufeff' : '') + s, 'utf16le');
  return order === 'le' ? le : Buffer.from(le).swap16();
};

// ---------------------------------------------------------------------------------------------
// The hostile files

const DOCTYPE = '<!DOCTYPE worksheet>';
const LAUGHS = (() => {
  let dtd = '<!DOCTYPE sst [<!ENTITY lol "lol">';
  for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  return `${dtd}]>`;
})();
const XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
const LONG = 'Z'.repeat(40_000);

/** A 1 GB worksheet with a 100 MB cell, made to be read by exceljs, in a 1 MB file (the issue's file). */
const bombSheet = (cdata: boolean) =>
  deflated([
    { text: sheetHead() + header(cdata) + '<row r="2">' + inline('A2', 'C1') + '<c r="B2" t="inlineStr"><is><t>' },
    { unit: 'A', bytes: 100 * MB },
    { text: '</t></is></c></row>' },
    { unit: ' ', bytes: 900 * MB },
    { text: SHEET_TAIL },
  ]);

/** What each hostile file must answer: status, code and a piece of the message. */
interface Hostile {
  file: Buffer;
  name: string;
  status: number;
  code: string;
  message: RegExp;
}

let hostileFiles: Record<string, Hostile> | undefined;
/** The hostile files, made once (a few of them take a moment). */
function hostile(): Record<string, Hostile> {
  if (hostileFiles) return hostileFiles;
  const doctype = (file: Buffer, part: string): Hostile => ({
    file,
    name: 'doctype.xlsx',
    status: 422,
    code: 'rule_violation',
    message: new RegExp(`DOCTYPE or entity declaration \\(in ${part.replace(/[.[\]]/g, '\\$&')}\\)`),
  });
  const long = (file: Buffer, where: string, name = 'long.xlsx'): Hostile => ({
    file,
    name,
    status: 422,
    code: 'rule_violation',
    message: new RegExp(
      `^${where}.*: the cell has 40,000 characters, more than the 32,767 a cell can hold in Excel \\(it begins "Z{20}…"\\)`,
    ),
  });
  const bomb = (file: Buffer, why: RegExp): Hostile => ({
    file,
    name: 'bomb.xlsx',
    status: 422,
    code: 'rule_violation',
    message: why,
  });
  hostileFiles = {
    'DOCTYPE in the worksheet': doctype(book({ sheetDoctype: DOCTYPE }), 'xl/worksheets/sheet1.xml'),
    'DOCTYPE in the shared strings': doctype(
      book({
        rows: header() + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>1</v></c></row>',
        sstPart: { text: sstXml('<si><t>C1</t></si>', '<!DOCTYPE sst>') },
      }),
      'xl/sharedStrings.xml',
    ),
    'DOCTYPE in xl/workbook.xml': doctype(book({ workbookDoctype: '<!DOCTYPE workbook>' }), 'xl/workbook.xml'),
    'DOCTYPE in a part no reader reads': doctype(
      book({ after: [{ name: 'docProps/custom.xml', text: `${PROLOG}<!DOCTYPE Properties><Properties/>` }] }),
      'docProps/custom.xml',
    ),
    'DOCTYPE in a workbook the lean reader leaves to exceljs': doctype(
      book({
        rows: header(true) + row(2, 'C1', '100'),
        sstPart: { text: sstXml('<si><t>x</t></si>', '<!DOCTYPE sst>') },
      }),
      'xl/sharedStrings.xml',
    ),
    'a DOCTYPE in UTF-16': doctype(
      book({ sstPart: { bytes: utf16(sstXml('<si><t>x</t></si>', '<!DOCTYPE sst>'), 'le', true) } }),
      'xl/sharedStrings.xml',
    ),
    'billion laughs in the shared strings': doctype(
      book({
        rows: header() + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>1</v></c></row>',
        sstPart: { text: sstXml('<si><t>&lol9;</t></si>', LAUGHS) },
      }),
      'xl/sharedStrings.xml',
    ),
    'an external entity (XXE) in the worksheet': doctype(
      book({ sheetDoctype: XXE, rows: header() + row(2, '&xxe;', '100') }),
      'xl/worksheets/sheet1.xml',
    ),
    'the issue: a DOCTYPE and a worksheet that says 1 MB and inflates to 1 GB': doctype(
      book({ workbookDoctype: '<!DOCTYPE workbook>', sheet: { deflated: bombSheet(false), claim: MB } }),
      'xl/workbook.xml',
    ),
    'a worksheet whose directory understates its size': bomb(
      book({
        sheet: {
          deflated: deflated([
            { text: sheetHead() + header() },
            { unit: row(2, 'C1', '100'), bytes: 50 * MB },
            { text: SHEET_TAIL },
          ]),
          claim: 1000,
        },
      }),
      /inflates to more than the 1,000 bytes its directory gives/,
    ),
    'a worksheet for exceljs that says 90 MB and inflates to 1 GB': bomb(
      book({ sheet: { deflated: bombSheet(true), claim: 90 * MB } }),
      /sheet1\.xml inflates to more than the 94,371,840 bytes its directory gives/,
    ),
    'a worksheet that says it inflates beyond the limit': bomb(
      book({
        sheet: {
          deflated: deflated([{ text: sheetHead() + header() }, { unit: ' ', bytes: 2 * MB }, { text: SHEET_TAIL }]),
          claim: 200 * MB,
        },
      }),
      /would be 200 MB, more than the 128 MB a part may have/,
    ),
    'shared strings that say 30 MB': bomb(
      book({ sstPart: { deflated: deflated([{ text: sstXml('') }]), claim: 30 * MB } }),
      /xl\/sharedStrings\.xml would be 30 MB, more than the 16 MB a part may have/,
    ),
    'two directory entries for one piece of data': bomb(
      book({ after: [{ name: 'docProps/app.xml', text: '<Properties/>', twice: true }] }),
      /could not be read \(the zip entry docProps\/app\.xml overlaps another\)/,
    ),
    'a 40,000-character shared string': long(
      book({
        rows: header() + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>',
        sst: `<si><t>C1</t></si><si><t>${LONG}</t></si>`,
      }),
      'row 2, column B of the sheet "Adjustments"',
    ),
    'a 40,000-character inline string': long(
      book({ rows: header() + row(2, 'C1', '100') + row(3, LONG, '100') }),
      'row 3, column A of the sheet "Adjustments"',
    ),
    'a 40,000-character inline string read by exceljs': long(
      book({ rows: header(true) + row(2, 'C1', '100') + row(3, LONG, '100') }),
      'row 3, column A of the sheet "Adjustments"',
    ),
    'a 40,000-character CSV field': long(
      Buffer.from(`Customer,New limit\r\nC1,100\r\nC2,"${LONG}"\r\n`),
      'row 3, column B',
      'long.csv',
    ),
    'a UTF-16 LE CSV': {
      file: utf16('Customer,New limit\r\nC1,100\r\n', 'le', true),
      name: 'utf16.csv',
      status: 422,
      code: 'rule_violation',
      message: /UTF-16 text; save it as UTF-8/,
    },
    'a UTF-16 BE CSV': {
      file: utf16('Customer,New limit\r\nC1,100\r\n', 'be', true),
      name: 'utf16.csv',
      status: 422,
      code: 'rule_violation',
      message: /UTF-16 text; save it as UTF-8/,
    },
    'a UTF-16 LE CSV without a byte order mark': {
      file: utf16('Customer,New limit\r\nC1,100\r\n', 'le', false),
      name: 'utf16.csv',
      status: 422,
      code: 'rule_violation',
      message: /UTF-16 text; save it as UTF-8/,
    },
    'a CSV line of 10 million commas': {
      file: Buffer.from(`Customer,New limit${','.repeat(10 * MB - 100)}\n`),
      name: 'commas.csv',
      status: 422,
      code: 'rule_violation',
      message: /more than 16,384 columns/,
    },
    'a sheet of more cells than an upload takes': {
      file: book({
        rows:
          header() +
          Array.from(
            { length: 50_000 },
            (_, i) => `<row r="${i + 2}">${inline(`A${i + 2}`, 'C1')}<c r="AY${i + 2}"><v>1</v></c></row>`,
          ).join(''),
      }),
      name: 'wide.xlsx',
      status: 413,
      code: 'payload_too_large',
      message: /more than 2,000,000 cells/,
    },
  };
  return hostileFiles;
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, String(e)).toBeInstanceOf(ApiError);
  return e as ApiError;
}

// ---------------------------------------------------------------------------------------------

describe('hostile files, read directly', () => {
  it('refuses each hostile file in readUpload, with the one error shape and no echo of the file', async () => {
    for (const [what, h] of Object.entries(hostile())) {
      const t = performance.now();
      const e = await refusal(readUpload(h.file));
      expect([e.status, e.code], what).toEqual([h.status, h.code]);
      expect(e.message, what).toMatch(h.message);
      expect(
        e.details.map((d) => d.path),
        what,
      ).toEqual(['file']);
      expect(e.message.length + JSON.stringify(e.details).length, what).toBeLessThan(700);
      expect(e.message, what).not.toMatch(/Z{21}|A{50}/);
      expect(performance.now() - t, what).toBeLessThan(5000);
    }
  });

  it('refuses a DOCTYPE or an entity declaration in both readers, and exceljs never parses such a part', async () => {
    const write = vi.spyOn(SaxesParser.prototype, 'write');
    try {
      // (a DOCTYPE in a part the lean reader does not read is for readUpload's check of every entry)
      for (const what of Object.keys(hostile()).filter(
        (k) => /DOCTYPE|laughs|XXE/.test(k) && !/no reader reads/.test(k),
      )) {
        const { file, message } = hostile()[what]!;
        // the lean reader refuses it (never "not supported, exceljs reads it")…
        const lean = await refusal(readXlsxCells(file, 50_000));
        expect(lean.message, what).toMatch(/DOCTYPE or entity declaration/);
        // …and so does exceljs's streaming reader, before exceljs sees the file
        expect((await refusal(streamXlsx(file))).message, what).toMatch(message);
      }
      expect(write).not.toHaveBeenCalled();
      // (the spy does see exceljs parse a workbook it may read)
      await streamXlsx(book({ rows: header(true) + row(2, 'C1', '100') }));
      expect(write).toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('limits every entry in both readers: a directory that understates a size, a bomb for exceljs', async () => {
    const understated = hostile()['a worksheet whose directory understates its size']!;
    expect((await refusal(readXlsxCells(understated.file, 50_000))).message).toMatch(understated.message);
    expect((await refusal(streamXlsx(understated.file))).message).toMatch(understated.message);
    // The lean reader leaves this one to exceljs (a CDATA section, a part larger than it holds);
    // exceljs is never handed more than the limit.
    const fallback = hostile()['a worksheet for exceljs that says 90 MB and inflates to 1 GB']!;
    expect(await explainXlsxCells(fallback.file, 50_000)).toMatchObject({
      unsupported: expect.stringMatching(/more than 32 MB/),
    });
    const write = vi.spyOn(SaxesParser.prototype, 'write');
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    try {
      expect((await refusal(streamXlsx(fallback.file))).message).toMatch(fallback.message);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
    expect(performance.now() - t).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(150 * MB);
  });

  it('hands exceljs only the entries the directory lists: an entry hidden between them is never inflated', async () => {
    // A local entry of 1 GB that the central directory does not list, before the workbook's parts:
    // a streaming unzip (exceljs's) would inflate it; the copy exceljs reads does not have it.
    const hiddenBomb: Entry = {
      name: 'xl/worksheets/sheet9.xml',
      deflated: deflated([{ unit: '<row/>', bytes: 1024 * MB }]),
      hidden: true,
    };
    const file = book({ before: [hiddenBomb], rows: header(true) + row(2, 'C1', '100') });
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    const sheet = await readUpload(file);
    expect(sheet.rows).toEqual([{ row: 2, cells: ['C1', 100] }]);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(150 * MB);
  });

  it('reads a cell of 32,767 characters, and quotes no more than a short prefix of a cell in an answer', async () => {
    const most = 'Y'.repeat(MAX_CELL_CHARS);
    const file = book({ rows: header() + row(2, most, '100') });
    expect((await readUpload(file)).rows[0]!.cells[0]).toBe(most);
    const csv = await readUpload(Buffer.from(`Customer,New limit\nC1,${most}\n`));
    expect(csv.rows[0]!.cells[1]).toBe(most);
  });

  it('keeps rows as wide as their last value: one value in column XFD does not make every row 16,384 cells', async () => {
    const rows =
      header().replace('</row>', '<c r="XFD1"><v>1</v></c></row>') +
      Array.from({ length: 20_000 }, (_, i) => row(i + 2, `C${i}`, '1')).join('');
    const sheet = await readUpload(book({ rows }));
    expect(sheet.headers).toHaveLength(16_384);
    expect(sheet.rows).toHaveLength(20_000);
    expect(sheet.rows.every((r) => r.cells.length === 2)).toBe(true);
    expect(MAX_UPLOAD_CELLS).toBe(2_000_000);
  });

  it('reads UTF-8 CSV with and without a byte order mark, and answers tiny files without a 500', async () => {
    for (const text of ['\ufeffCustomer,New limit\r\nC1,100\r\n', 'Customer,New limit\r\nC1,100\r\n']) {
      expect((await readUpload(Buffer.from(text, 'utf8'))).rows).toEqual([{ row: 2, cells: ['C1', '100'] }]);
    }
    for (const tiny of ['P', 'PK', 'PK\u0003', 'a,b']) {
      await readUpload(Buffer.from(tiny, 'latin1')); // read as CSV (the upload then has no Customer column)
    }
    expect((await refusal(readUpload(Buffer.from('PK\u0003\u0004', 'latin1')))).message).toMatch(
      /no central directory/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function upload(t: TestApp, file: Buffer, name: string, o: { query?: string; accept?: string } = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)]), name);
  const headers: Record<string, string> = { authorization: `Bearer ${t.tokens.credit_clerk}` };
  if (o.accept) headers.accept = o.accept;
  const res = await t.app.request(`/api/v1/uploads/adjustments${o.query ?? ''}`, {
    method: 'POST',
    headers,
    body: form,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, size: text.length };
}

describe.each(DIALECTS)('hostile uploads on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const id of ['C1', 'C2']) await putCustomer(t, id);
  });
  afterAll(() => t.close());

  it('answers each hostile file with a 4xx in the one error shape, saves nothing, and stays responsive', async () => {
    const before = await lastSeq(t);
    for (const [what, h] of Object.entries(hostile())) {
      for (const o of [{}, { query: '?dryRun=true' }, { accept: XLSX }]) {
        const res = await upload(t, h.file, h.name, o);
        const details = expectError(res, h.status, h.code);
        expect(res.body.error.message, what).toMatch(h.message);
        expect(
          details.map((d) => d.path),
          what,
        ).toEqual(['file']);
        expect(res.size, what).toBeLessThan(1000);
      }
      const customer = await t.request('GET', '/api/v1/customers/C1', { as: 'credit_clerk' });
      expect(customer.status, what).toBe(200);
    }
    expect(await lastSeq(t)).toBe(before);
    // and a good file still goes through
    const good = await upload(t, Buffer.from('Customer,New limit\nC1,12000\n'), 'good.csv');
    expect(good.status).toBe(201);
  });

  it('serves other requests while a bomb is being refused', async () => {
    const { file } = hostile()['a worksheet for exceljs that says 90 MB and inflates to 1 GB']!;
    let done = false;
    const refused = upload(t, file, 'bomb.xlsx').finally(() => (done = true));
    let slowest = 0;
    let served = 0;
    while (!done) {
      // A request over a socket arrives through the event loop; app.request in process resolves
      // in microtasks only, so without this turn the loop would never let zlib's thread report back.
      await new Promise((resolve) => setImmediate(resolve));
      const start = performance.now();
      expect((await t.request('GET', '/api/v1/customers/C2', { as: 'credit_clerk' })).status).toBe(200);
      slowest = Math.max(slowest, performance.now() - start);
      served++;
    }
    expect((await refused).status).toBe(422);
    expect(served).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(1000);
  });

  it('quotes a short prefix of each bad cell: 1,000 rows of 32,767 characters answer in kilobytes, not 32 MB', async () => {
    const before = await lastSeq(t);
    const rows =
      header() +
      Array.from(
        { length: 1000 },
        (_, i) =>
          `<row r="${i + 2}">${inline(`A${i + 2}`, i % 2 ? 'C1' : 'C2')}<c r="B${i + 2}" t="s"><v>0</v></c></row>`,
      ).join('');
    const file = book({ rows, sst: `<si><t>${'9'.repeat(MAX_CELL_CHARS - 1)}x</t></si>` });
    const res = await upload(t, file, 'echo.xlsx', { query: '?dryRun=true' });
    expect(res.status).toBe(200);
    expect(res.body.rows).toHaveLength(1000);
    expect(res.body.rows[0].errors[0].message).toBe(`"${'9'.repeat(40)}…" (32,767 characters) is not an amount`);
    expect(res.size).toBeLessThan(1000 * 600);
    // the same sheet with a 32,767-character header row: the missing-column answer is short too
    const noColumns = await upload(
      t,
      book({
        rows: `<row r="1">${inline('A1', 'H'.repeat(MAX_CELL_CHARS))}${inline('B1', 'Amount')}</row>${row(2, 'C1', '1')}`,
      }),
      'headers.xlsx',
    );
    expectError(noColumns, 422, 'rule_violation');
    expect(noColumns.size).toBeLessThan(1000);
    expect(await lastSeq(t)).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * The worst workbooks we could build within the 10 MB upload limit, read by readUpload in a
 * process of its own (run as `npm start` runs the server: --max-semi-space-size=16
 * --heap-growing-percent=50, exceljs loaded), its peak resident set (VmHWM, reset just before
 * the read) measured around the read.
 */
describe('the resident set on the worst files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'creditdesk-hostile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Distinct shared strings of 40 characters, about `bytes` of them. */
  const sharedStrings = (bytes: number) => {
    const items: string[] = [];
    for (let i = 0, size = 0; size < bytes; i++) {
      const item = `<si><t>S${i.toString(36).padStart(39, '_')}</t></si>`;
      items.push(item);
      size += item.length;
    }
    return items;
  };
  /** 50,000 rows of `cols` cells: shared-string references, numbers or inline strings. */
  const rowsOf = (cols: number, kind: 's' | 'n' | 'inline', strings = 1) => {
    const out: string[] = [header()];
    let k = 0;
    for (let r = 2; r <= 50_001; r++) {
      let cells = '';
      for (let c = 1; c <= cols; c++) {
        const ref = `${colName(c)}${r}`;
        cells +=
          kind === 's'
            ? `<c r="${ref}" t="s"><v>${k++ % strings}</v></c>`
            : kind === 'n'
              ? `<c r="${ref}"><v>${(k++ % 100_000) / 8 + 0.5}</v></c>`
              : inline(ref, `x${k++}yyyyyyyyyyyy`);
      }
      out.push(`<row r="${r}">${cells}</row>`);
    }
    return out.join('');
  };
  const cases: [string, () => Buffer][] = [
    [
      'the issue: a DOCTYPE, and a 1 GB worksheet with a 100 MB cell',
      () => book({ workbookDoctype: '<!DOCTYPE workbook>', sheet: { deflated: bombSheet(false), claim: MB } }),
    ],
    [
      'a 1 GB worksheet with a 100 MB cell for exceljs',
      () => book({ sheet: { deflated: bombSheet(true), claim: 90 * MB } }),
    ],
    [
      'the lean reader at its limits: 15.5 MB of shared strings and a 31 MB worksheet of 850,000 references',
      () => {
        const items = sharedStrings(15.5 * MB);
        return book({ rows: rowsOf(17, 's', items.length), sst: items.join('') });
      },
    ],
    [
      'exceljs at its limits: 15.5 MB of shared strings, a 127 MB worksheet of 1,950,000 numbers',
      () => {
        const rows = rowsOf(39, 'n').replace('Customer', '<![CDATA[Customer]]>');
        return book({
          sheet: {
            deflated: deflated([
              { text: sheetHead() + rows },
              { unit: '<!-- -->', bytes: 127 * MB - rows.length },
              { text: SHEET_TAIL },
            ]),
          },
          sst: sharedStrings(15.5 * MB).join(''),
        });
      },
    ],
    [
      'two 31 MB worksheets of 400,000 inline strings each and 15.5 MB of shared strings',
      () => {
        const rows = rowsOf(8, 'inline');
        return book({ rows, more: [rows], sst: sharedStrings(15.5 * MB).join('') });
      },
    ],
  ];

  it('stays under 300 MB on each', { timeout: 300_000 }, async () => {
    const script = `
      const { readFileSync, writeFileSync } = await import('node:fs');
      const { readUpload } = await import('./server/sheets/files.ts');
      const { excel } = await import('./server/sheets/exceljs.ts');
      await excel();
      const buf = readFileSync(process.env.HOSTILE_FILE);
      const peak = () => { try { return Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024; } catch { return 0; } };
      let sampled = 0;
      const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 5);
      await new Promise((r) => setTimeout(r, 50));
      try { writeFileSync('/proc/self/clear_refs', '5'); } catch {}
      const before = process.memoryUsage().rss;
      const t = performance.now();
      let outcome;
      try { outcome = 'read ' + (await readUpload(buf)).rows.length + ' rows'; } catch (e) { outcome = e.status + ' ' + String(e.message).slice(0, 80); }
      const ms = performance.now() - t;
      clearInterval(sampler);
      const after = process.memoryUsage().rss;
      console.log(JSON.stringify({ before, peak: Math.max(peak(), sampled, after), after, ms, outcome }));
    `;
    const figures: string[] = [];
    for (const [what, make] of cases) {
      const path = join(dir, 'hostile.bin');
      const file = make();
      expect(file.length, what).toBeLessThanOrEqual(10 * MB);
      writeFileSync(path, file);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--max-semi-space-size=16',
          '--heap-growing-percent=50',
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          script,
        ],
        {
          cwd: process.cwd(),
          env: { ...process.env, HOSTILE_FILE: path },
          maxBuffer: 1 << 20,
        },
      );
      const m = JSON.parse(stdout.trim().split('\n').pop()!) as {
        before: number;
        peak: number;
        after: number;
        ms: number;
        outcome: string;
      };
      figures.push(
        `${what} (${(file.length / MB).toFixed(1)} MB): RSS ${(m.before / MB).toFixed(0)} → peak ${(m.peak / MB).toFixed(0)} MB, ${m.ms.toFixed(0)} ms, ${m.outcome}`,
      );
      expect(m.peak, what).toBeLessThan(300 * MB);
    }
    console.log(figures.join('\n'));
  });
});
