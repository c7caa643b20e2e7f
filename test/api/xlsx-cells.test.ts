// The lean .xlsx reader (server/sheets/xlsx-cells.ts) against exceljs's streaming reader
// (streamXlsx, the path it replaces and falls back to): workbooks written by exceljs both ways,
// hand-built zips for what exceljs never writes, damaged files, the fallback, and 50,000 rows.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import { explainXlsxCells, readXlsxCells, type XlsxCells } from '../../server/sheets/xlsx/workbook';
import { readUpload, streamXlsx, zipEntries } from '../../server/sheets/files';
import { ApiError } from '../../server/http/errors';
import { handXlsx, zip, type Entry } from '../support/zip';

/**
 * What the exceljs path (streamXlsx) returns for the parts of `buf`. exceljs's streaming reader
 * is not a reliable reference as it is: when a worksheet comes before the shared strings in the
 * zip (as Excel and exceljs write them), it parks the worksheet in a temp file, and its unzip loop
 * then sometimes ends early and never sees the later entries (exceljs issue #683: cells read as
 * `{sharedString: n}`, names fall back to "Sheet1", or "reading 'sheets'" is thrown). So the
 * reference reads the same parts with workbook, relationships and shared strings moved to the
 * front (nothing is parked, and exceljs's choices do not depend on the order otherwise: the
 * worksheets keep theirs), and takes the first answer given twice.
 */
async function exceljsCells(buf: Buffer): Promise<XlsxCells> {
  const first = ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml'];
  const parts = zipTexts(buf);
  const relaid = zip([
    ...first.flatMap((name) => parts.filter((f) => f.name === name)),
    ...parts.filter((f) => !first.includes(f.name)),
  ]);
  const seen = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    let key: string;
    let answer: XlsxCells | Error;
    try {
      answer = await streamXlsx(relaid);
      key = JSON.stringify(answer);
    } catch (e) {
      answer = e as Error;
      key = `error: ${answer.message}`;
    }
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n === 2) {
      if (answer instanceof Error) throw answer;
      return answer;
    }
  }
  throw new Error('exceljs never gave the same answer twice');
}

/** Every entry of a zip as text, in zip order (read with the central directory, like sniff). */
function zipTexts(buf: Buffer): ZipFile[] {
  return zipEntries(buf)
    .sort((a, b) => a.localOffset - b.localOffset)
    .map((e) => {
      const start = e.localOffset + 30 + buf.readUInt16LE(e.localOffset + 26) + buf.readUInt16LE(e.localOffset + 28);
      const data = buf.subarray(start, start + e.compressed);
      return { name: e.name, text: (e.method === 8 ? inflateRawSync(data) : data).toString('utf8') };
    });
}

/** The lean reader's answer, failing the test (with the reason) when it leaves the file to exceljs. */
async function lean(buf: Buffer, maxRows = 50_000): Promise<XlsxCells> {
  const read = await explainXlsxCells(buf, maxRows);
  if ('unsupported' in read) throw new Error(`the lean reader left the workbook to exceljs: ${read.unsupported}`);
  return read;
}

async function writeBuffer(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A workbook written by exceljs's streaming writer (inline strings unless useSharedStrings). */
async function streamed(
  useSharedStrings: boolean,
  build: (wb: ExcelJS.stream.xlsx.WorkbookWriter) => void,
): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings });
  build(wb);
  await wb.commit();
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------
// Hand-built zips

/** An entry of a hand-built zip (test/support/zip.ts), always with text here. */
type ZipFile = Entry & { text: string };

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

// ---------------------------------------------------------------------------------------------

describe('the lean xlsx reader gives what exceljs gives', () => {
  it('reads an exceljs workbook (shared strings) with every kind of cell, sparse and empty rows, the Adjustments sheet not first', async () => {
    const buf = await writeBuffer((wb) => {
      wb.addWorksheet('Notes').addRow(['not this one']);
      const ws = wb.addWorksheet('Adjustments');
      ws.addRow(['Customer', 'New limit', 'Expiry', 'Note']);
      ws.addRow(['C1', 12500.5, new Date(Date.UTC(2027, 11, 31)), 'a & <b> "q" \'s\'']);
      ws.addRow([]);
      ws.getCell('A4').value = 'C2';
      ws.getCell('D4').value = -3.25;
      ws.getRow(5).values = [
        { richText: [{ text: 'bo', font: { bold: true } }, { text: 'ld' }] },
        true,
        false,
        { error: '#N/A' },
      ];
      ws.getRow(6).values = [
        { formula: '1+1', result: 2 },
        { formula: 'A1', result: 'text result' },
        { formula: 'NOW()' },
        { formula: '0*1', result: 0 },
      ];
      ws.getRow(7).values = [1e-7, 123456789012, -0.5, 1e21, 0.1 + 0.2, 1234.5678];
      ws.getRow(8).values = [
        { text: 'a link', hyperlink: 'https://example.com/?a=1&b=2' },
        '😀 ünï 漢字',
        '  lead',
        'trail  ',
        '&amp; stays',
      ];
      ws.getCell('H10').value = 'far right';
      ws.getCell('C11').value = { formula: 'C10*2', result: 4 };
      ws.getCell('C12').value = { sharedFormula: 'C11', result: 0 } as unknown as ExcelJS.CellValue;
      wb.addWorksheet('Summary').addRow(['after']);
    });
    const mine = await lean(buf);
    expect(mine).toEqual(await exceljsCells(buf));
    expect(mine.name).toBe('Adjustments');
    expect(mine.numbers).toEqual([1, 2, 4, 5, 6, 7, 8, 10, 11, 12]);
    expect(mine.all).toEqual([
      ['Customer', 'New limit', 'Expiry', 'Note'],
      ['C1', 12500.5, 46752, 'a & <b> "q" \'s\''], // a date as its serial number: styles are not read
      ['C2', null, null, -3.25],
      ['bold', true, false, null], // an error cell is null
      [2, 'text result', null, null], // no cached result, and exceljs drops a falsy formula result
      [1e-7, 123456789012, -0.5, 1e21, 0.30000000000000004, 1234.5678],
      ['a link', '😀 ünï 漢字', '  lead', 'trail  ', '&amp; stays'],
      [null, null, null, null, null, null, null, 'far right'],
      [null, null, 4],
      [null, null, 0], // a shared formula's clone keeps even a zero result (exceljs reads it raw)
    ]);
  });

  it('reads an exceljs streaming workbook with inline strings the same way', async () => {
    const buf = await streamed(false, (wb) => {
      wb.addWorksheet('First').addRow(['first sheet']).commit();
      const ws = wb.addWorksheet('Adjustments');
      ws.addRow(['Customer', 'New limit', 'Expiry']).commit();
      ws.addRow(['C1 & <Co> "x"', -12.5, new Date(Date.UTC(2030, 0, 1)), true, { error: '#REF!' }]).commit();
      ws.addRow([
        { formula: 'B2*2', result: -25 },
        { formula: 'A2', result: 'inline result' },
        { text: 'link', hyperlink: 'https://example.com' },
      ]).commit();
      const sparse = ws.getRow(6);
      sparse.getCell(2).value = '  spaced  ';
      sparse.getCell(5).value = '😀 ✓';
      sparse.commit();
      ws.commit();
    });
    const mine = await lean(buf);
    expect(mine).toEqual(await exceljsCells(buf));
    expect(mine).toEqual({
      name: 'Adjustments',
      all: [
        ['Customer', 'New limit', 'Expiry'],
        ['C1 & <Co> "x"', -12.5, 47484, true, null],
        [-25, 'inline result', 'link'],
        [null, '  spaced  ', null, null, '😀 ✓'],
      ],
      numbers: [1, 2, 3, 6],
    });
  });

  it('reads an exceljs streaming workbook with shared strings the same way', async () => {
    const buf = await streamed(true, (wb) => {
      const ws = wb.addWorksheet('Limits');
      ws.addRow(['Customer', 'New limit']).commit();
      for (let i = 0; i < 40; i++) ws.addRow([`C${i} ü`, i * 100.25]).commit();
      ws.commit();
    });
    const mine = await lean(buf);
    expect(mine).toEqual(await exceljsCells(buf));
    expect(mine.all[40]).toEqual(['C39 ü', 3909.75]);
  });

  it('chooses the sheet as streamXlsx does: the first named like "adjust" with rows, else the first with rows', async () => {
    const cases: { sheets: [string, unknown[][]][]; chosen: string }[] = [
      // an empty "Adjustments" does not count; the first sheet with rows does
      {
        sheets: [
          ['Adjustments', []],
          ['Data', [['d']]],
          ['Other', [['o']]],
        ],
        chosen: 'Data',
      },
      // a named sheet later on replaces an unnamed first choice; the first named one wins
      {
        sheets: [
          ['Data', [['d']]],
          ['Readjust', [['r']]],
          ['ADJUSTMENTS', [['a']]],
        ],
        chosen: 'Readjust',
      },
      // a sheet with only an empty row has rows
      {
        sheets: [
          ['Data', [['d']]],
          ['adjust', [[]]],
        ],
        chosen: 'adjust',
      },
    ];
    for (const c of cases) {
      const buf = await writeBuffer((wb) => {
        for (const [name, rows] of c.sheets) {
          const ws = wb.addWorksheet(name);
          rows.forEach((r, i) => {
            const row = ws.getRow(i + 1);
            row.values = r as ExcelJS.CellValue[];
            // an empty row is written only when something is set on it
            if (r.length === 0) row.height = 20;
          });
        }
      });
      const mine = await lean(buf);
      expect(mine.name, JSON.stringify(c.sheets)).toBe(c.chosen);
      expect(mine).toEqual(await exceljsCells(buf));
    }
  });

  it("mirrors exceljs's reading of the odd cells of hand-written XML", async () => {
    const buf = handXlsx(
      [
        {
          name: 'Adjustments',
          rows: [
            '<row r="1">',
            '<c r="A1"><f>1-1</f><v>0</v></c>', // a formula's falsy result: null
            '<c r="B1"><f t="shared" si="0"/><v>0</v></c>', // a formula without text keeps its result
            '<c r="C1" t="b"><f>TRUE()</f><v>1</v></c>', // a formula's boolean result: the number
            '<c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>', // an error result: NaN, falsy, null
            '<c r="E1" t="d"><v>2024-01-02T00:00:00Z</v></c>', // t="d": parseFloat of the text, 2024
            '<c r="F1" t="b"><v>true</v></c>',
            '<c r="G1"><v></v></c>', // an empty number: NaN
            '<c r="H1" t="n"><v> 12 </v></c>',
            '<c r="I1" t="s"><v>0</v></c>', // an empty shared string: no value
            '<c r="J1" t="s"><v>1</v></c>', // a rich string of empty runs: ""
            '<c r="K1" t="str"><v>&amp;amp; &#65;&#x42; &quot;</v></c>', // entities decoded twice
            '<c r="L1" t="s"><v>9</v></c>', // no such shared string: no value
            '</row>',
            '<row r="3"/>',
            '<row r="4"><c r="A4" t="str"><v>kept\n  </v>\n  </c><c r="B4" t="s"> <v>2</v> </c><!-- a comment --></row>',
            '<row r="5"><c r="A5" t="inlineStr"><is><t>plain &amp;lt;</t></is></c><c r="B5" t="inlineStr"><is/></c><c r="C5" t="str"><v>a\r\nb</v></c></row>',
          ].join(''),
        },
      ],
      {
        sst: '<si><t></t></si><si><r><t></t></r></si><si>\n<r><t xml:space="preserve"> a </t></r><r><rPr><b/></rPr><t>b</t></r>\n</si>',
      },
    );
    const mine = await lean(buf);
    expect(mine).toEqual(await exceljsCells(buf));
    expect(mine.all).toEqual([
      [null, 0, 1, null, 2024, true, NaN, 12, null, '', '& AB "'],
      [],
      ['kept\n  \n  ', ' a b'], // exceljs keeps the text after </v>
      ['plain <', '', 'a\nb'],
    ]);
    expect(mine.numbers).toEqual([1, 3, 4, 5]);
  });

  it('reads t="s" cells of a workbook without a shared-strings part as exceljs does (present, null)', async () => {
    const buf = handXlsx([
      {
        name: 'S',
        rows: '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>3</v></c><c r="C2"><v>7</v></c></row>',
      },
    ]);
    const mine = await lean(buf);
    expect(mine).toEqual(await exceljsCells(buf));
    expect(mine).toEqual({ name: 'S', all: [[null, null, 7]], numbers: [2] });
  });
});

describe('the lean xlsx reader where exceljs falls short', () => {
  it('reads elements with a namespace prefix (OpenXML SDK) and absolute relationship targets, which exceljs cannot', async () => {
    const buf = handXlsx(
      [
        { name: 'Other', rows: '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>' },
        {
          name: 'Adjustments',
          rows: '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1"><x:v>2.5</x:v></x:c></x:row><x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>in &amp; line</x:t></x:is></x:c></x:row>',
        },
      ],
      { prefix: 'x', absolute: true, sst: '<x:si><x:t>Customer</x:t></x:si>' },
    );
    expect(await lean(buf)).toEqual({
      name: 'Adjustments',
      all: [
        ['Customer', null, 2.5],
        [null, 'in & line'],
      ],
      numbers: [1, 2],
    });
    await expect(streamXlsx(buf)).rejects.toThrow(); // exceljs sees no rows (or no workbook) here
    const sheet = await readUpload(buf);
    expect(sheet).toMatchObject({ kind: 'xlsx', sheetName: 'Adjustments', headerRow: 1 });
  });

  it('reads rows and cells without an r attribute as the next row and the next column', async () => {
    const buf = handXlsx([
      {
        name: 'Adjustments',
        rows: '<row><c><v>1</v></c><c t="str"><v>b</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row><row/><row r="9"><c><v>9</v></c></row><row><c r="B10"><v>10</v></c></row>',
      },
    ]);
    expect(await lean(buf)).toEqual({
      name: 'Adjustments',
      all: [[1, 'b', null, null, 5, 6], [], [9], [null, 10]],
      numbers: [1, 2, 9, 10],
    });
  });

  it('leaves phonetic runs <rPh> out of a string (exceljs returns the reading instead of the text)', async () => {
    const buf = handXlsx(
      [
        {
          name: 'Adjustments',
          rows: '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>大阪</t><rPh sb="0" eb="2"><t>おおさか</t></rPh></is></c></row>',
        },
      ],
      {
        sst: '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si><si><r><t>東</t></r><r><t>京</t></r><rPh sb="0" eb="1"><t>とう</t></rPh></si>',
      },
    );
    expect((await lean(buf)).all).toEqual([['漢字', '東京', '大阪']]);
    expect((await exceljsCells(buf)).all[0]![0]).toBe('かんじ');
  });

  it('reads all the runs of an inline rich string (exceljs keeps the last run only)', async () => {
    const buf = await streamed(false, (wb) => {
      const ws = wb.addWorksheet('Adjustments');
      ws.addRow([{ richText: [{ text: 'C10', font: { bold: true } }, { text: '01' }] }, 5]).commit();
      ws.commit();
    });
    expect((await lean(buf)).all).toEqual([['C1001', 5]]);
    expect((await exceljsCells(buf)).all).toEqual([['01', 5]]);
  });
});

describe('the lean xlsx reader and its zip', () => {
  const rows =
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c><c r="B2"><v>100</v></c></row>';
  const sst = '<si><t>Customer</t></si><si><t>New limit</t></si>';
  const expected = {
    name: 'Adjustments',
    all: [
      ['Customer', 'New limit'],
      ['C1', 100],
    ],
    numbers: [1, 2],
  };

  it('reads stored (method 0) entries as well as deflated ones', async () => {
    const stored = handXlsx([{ name: 'Adjustments', rows }], {
      sst,
      entry: { 'xl/worksheets/sheet1.xml': { method: 0 }, 'xl/sharedStrings.xml': { method: 0 } },
    });
    expect(await lean(stored)).toEqual(expected);
    expect(await lean(handXlsx([{ name: 'Adjustments', rows }], { sst }))).toEqual(expected);
  });

  it('refuses a truncated or corrupt deflate stream: readUpload answers 422 "could not be read"', async () => {
    const damaged = [
      (d: Buffer) => d.subarray(0, Math.floor(d.length / 2)), // truncated
      (d: Buffer) => Buffer.concat([Buffer.from([0xff, 0xff]), d.subarray(2)]), // an invalid block
    ];
    for (const damage of damaged) {
      const buf = handXlsx([{ name: 'Adjustments', rows }], { sst, entry: { 'xl/worksheets/sheet1.xml': { damage } } });
      await expect(readXlsxCells(buf, 50_000)).rejects.toThrow(Error);
      const e = await rejection(readUpload(buf));
      expect(e.status).toBe(422);
      expect(e.message).toMatch(/could not be read/);
    }
  });

  it('leaves what it does not support to exceljs, which still answers', async () => {
    // the workbook lists its sheets in another order than exceljs visits them (zip order)
    const reordered = handXlsx(
      [
        {
          name: 'Data',
          rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>Customer</t></is></c><c r="B1" t="inlineStr"><is><t>New limit</t></is></c></row>',
        },
        { name: 'Other', rows: '<row r="1"><c r="A1"><v>1</v></c></row>' },
      ],
      { workbookOrder: [1, 0] },
    );
    expect(await explainXlsxCells(reordered, 50_000)).toEqual({
      unsupported: 'exceljs would visit other worksheets or visit them in another order',
    });
    expect(await readXlsxCells(reordered, 50_000)).toBeNull();
    expect(await readUpload(reordered)).toMatchObject({ sheetName: 'Data', headers: ['Customer', 'New limit'] });

    // cells out of column order, and a compression method other than stored or deflate
    const backwards = handXlsx([
      { name: 'Adjustments', rows: '<row r="1"><c r="B1"><v>2</v></c><c r="A1"><v>1</v></c></row>' },
    ]);
    expect(await explainXlsxCells(backwards, 50_000)).toEqual({
      unsupported: 'cells whose columns do not increase along a row',
    });
    expect(await exceljsCells(backwards)).toEqual({ name: 'Adjustments', all: [[1, 2]], numbers: [1] });
    const bzip2 = handXlsx([{ name: 'Adjustments', rows }], {
      sst,
      entry: { 'xl/worksheets/sheet1.xml': { method: 12 } },
    });
    expect(await explainXlsxCells(bzip2, 50_000)).toEqual({ unsupported: 'zip compression method 12' });
  });

  it('leaves a workbook without a sheet with rows to exceljs, which gives its error', async () => {
    const empty = handXlsx([
      { name: 'Adjustments', rows: '' },
      { name: 'Other', rows: '' },
    ]);
    expect(await readXlsxCells(empty, 50_000)).toBeNull();
    const e = await rejection(readUpload(empty));
    expect(e.status).toBe(422);
    expect(e.message).toBe('the workbook has no sheet with data');
  });

  it('stops past the row limit with the 413 of streamXlsx', async () => {
    const many = (n: number) =>
      handXlsx([
        {
          name: 'Adjustments',
          rows: Array.from({ length: n }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i}</v></c></row>`).join(
            '',
          ),
        },
      ]);
    expect((await lean(many(26), 5)).all).toHaveLength(26); // maxRows + 21 rows are read
    await expect(readXlsxCells(many(27), 5)).rejects.toThrow(ApiError);
    const e = await rejection(readUpload(many(50_022)));
    expect(e.status).toBe(413);
    expect(e.message).toMatch(/more than 50,000 rows/);
  });
});

describe('the lean xlsx reader on 50,000 rows', () => {
  it('gives the same rows as exceljs (how much faster: the pure section of npm run bench)', async () => {
    const buf = await writeBuffer((wb) => {
      const ws = wb.addWorksheet('Adjustments');
      ws.addRow(['Customer', 'New limit', 'Expiry']);
      for (let i = 0; i < 50_000; i++)
        ws.addRow([`C${String(i).padStart(6, '0')}`, 20000 + (i % 300) * 100.5, new Date(Date.UTC(2030, 11, 31))]);
    });
    const mine = await lean(buf);
    expect(mine).toEqual(await exceljsCells(buf));
    expect(mine.all).toHaveLength(50_001);
    expect(mine.all[50_000]).toEqual(['C049999', 20000 + (49_999 % 300) * 100.5, 47848]);
  });
});
