import { describe, expect, it } from 'vitest';
import {
  appendRows,
  ensureTable,
  readTable,
  readWorkbookState,
  replaceRows,
  STATE_CHUNK,
  updateRows,
  writeWorkbookState,
  type Cell,
  type TableSpec,
} from '../excel/workbook';
import { CELL_TEXT_LIMIT, excelStores, SimulatedWorkbook } from './simulated-excel';

const SPEC: TableSpec = {
  name: 'Things',
  sheet: 'Things',
  columns: [
    { header: 'Id', kind: 'text' },
    { header: 'Amount', kind: 'money' },
    { header: 'Decision', kind: 'text', list: ['Release', 'Reject'] },
  ],
};

describe('simulated workbook: Office.js request semantics', () => {
  it('reading a property before load + sync throws PropertyNotLoaded', async () => {
    const wb = new SimulatedWorkbook();
    await wb.run(async (ctx) => {
      const sheet = ctx.workbook.worksheets.getItemOrNullObject('Sheet1');
      expect(() => sheet.isNullObject).toThrow(/PropertyNotLoaded/);
      sheet.load('isNullObject');
      expect(() => sheet.isNullObject).toThrow(/PropertyNotLoaded/);
      await ctx.sync();
      expect(sheet.isNullObject).toBe(false);
    });
  });

  it('queues changes until sync; getItem of a missing table fails the sync with ItemNotFound', async () => {
    const wb = new SimulatedWorkbook();
    await expect(
      wb.run(async (ctx) => {
        ctx.workbook.tables.getItem('Nope').getDataBodyRange().load('values');
        await ctx.sync();
      }),
    ).rejects.toThrow(/ItemNotFound/);
    await wb.run(async (ctx) => {
      ctx.workbook.worksheets.getItem('Sheet1').getRange('A1:B1').values = [['a', 1]];
      expect(wb.model.sheets[0]!.get(0, 0)).toBe('');
      await ctx.sync();
    });
    expect(wb.model.sheets[0]!.get(0, 1)).toBe(1);
  });

  it('refuses a request above 5 MB and applies none of it', async () => {
    const wb = new SimulatedWorkbook();
    const big = Array.from({ length: 6000 }, (_, i) => [`${i}-${'x'.repeat(1000)}`]);
    await expect(
      wb.run(async (ctx) => {
        const s = ctx.workbook.worksheets.getItem('Sheet1');
        s.getRange('A1').values = [['first']];
        s.getRangeByIndexes(1, 0, big.length, 1).values = big;
        await ctx.sync();
      }),
    ).rejects.toThrow(/RequestPayloadSizeLimitExceeded/);
    expect(wb.model.sheets[0]!.get(0, 0)).toBe('');
  });

  it('a range write must match the range shape', async () => {
    const wb = new SimulatedWorkbook();
    await expect(
      wb.run(async (ctx) => {
        ctx.workbook.worksheets.getItem('Sheet1').getRange('A1:B2').values = [[1, 2]];
        await ctx.sync();
      }),
    ).rejects.toThrow(/InvalidArgument/);
  });

  it('runs the adapter: create, replace in chunks under 5 MB, read back after a sort, update in place, append', async () => {
    const wb = new SimulatedWorkbook();
    const rows: Cell[][] = Array.from({ length: 5000 }, (_, i) => [
      `T${String(i).padStart(5, '0')}-${'y'.repeat(1500)}`,
      i + 0.25,
      '',
    ]);
    const stats = await replaceRows(wb, SPEC, rows);
    expect(stats.syncs).toBeGreaterThan(3);
    expect(Math.max(...wb.syncs.map((s) => s.requestBytes))).toBeLessThan(5 * 1024 * 1024);
    expect(wb.table('Things')!.rowCount).toBe(5000);
    // The Decision drop-down covers every data row.
    const t = wb.table('Things')!;
    expect(wb.validationAt(t.sheet, 1, 2)).toEqual(['Release', 'Reject']);
    expect(wb.validationAt(t.sheet, 5000, 2)).toEqual(['Release', 'Reject']);
    expect(() => wb.type('Things', 3, 'Decision', 'Maybe')).toThrow(/data validation/);

    wb.sort('Things', 'Amount', true);
    const back = await readTable(wb, 'Things', 2000);
    expect(back.rows[0]![1]).toBe(4999.25);
    expect(back.info.rowCount).toBe(5000);

    await updateRows(wb, SPEC, 'Decision', [{ row: 0, values: ['Reject'] }]);
    expect(wb.records('Things')[0]!.Decision).toBe('Reject');

    await appendRows(wb, SPEC, [['NEW', 1, '']]);
    expect(wb.records('Things').at(-1)!.Id).toBe('NEW');
    expect(wb.validationAt(t.sheet, 5001, 2)).toEqual(['Release', 'Reject']);

    // Replacing again starts from an empty body.
    await replaceRows(wb, SPEC, [['ONLY', 2, 'Release']]);
    expect(wb.records('Things')).toEqual([{ Id: 'ONLY', Amount: 2, Decision: 'Release' }]);
    expect((await ensureTable(wb, SPEC)).created).toBe(false);
  });

  it('typing under a table extends it, as in Excel', async () => {
    const wb = new SimulatedWorkbook();
    await ensureTable(wb, SPEC);
    wb.type('Things', 0, 'Id', 'A');
    wb.type('Things', 1, 'Id', 'B');
    expect(wb.records('Things').map((r) => r.Id)).toEqual(['A', 'B']);
    expect((await readTable(wb, 'Things')).rows).toEqual([
      ['A', '', ''],
      ['B', '', ''],
    ]);
  });
});

describe('simulated workbook: a cell holds 32,767 characters (Excel specifications and limits)', () => {
  it('refuses a longer text with InvalidArgument and keeps the cell as it was; 32,767 fit', async () => {
    const wb = new SimulatedWorkbook();
    await wb.run(async (ctx) => {
      ctx.workbook.worksheets.getItem('Sheet1').getRange('A1').values = [['x'.repeat(CELL_TEXT_LIMIT)]];
      await ctx.sync();
    });
    await expect(
      wb.run(async (ctx) => {
        ctx.workbook.worksheets.getItem('Sheet1').getRange('A1').values = [['y'.repeat(CELL_TEXT_LIMIT + 1)]];
        await ctx.sync();
      }),
    ).rejects.toThrow(/InvalidArgument/);
    expect(wb.model.sheets[0]!.get(0, 0)).toBe('x'.repeat(CELL_TEXT_LIMIT));
  });
});

describe('the workbook sync state across cells', () => {
  // What the Proposals pane keeps while a send is pending: the whole journal body (here 600 lines,
  // far past one cell) under its Idempotency-Key.
  const bigState = (lines: number, key: string) => ({
    workbookId: 'wb-1',
    holds: { seq: 42 },
    pendingSends: {
      proposals: {
        key,
        body: JSON.stringify({
          type: 'creditLimit',
          lines: Array.from({ length: lines }, (_, i) => ({
            customerId: `C${String(i).padStart(6, '0')}`,
            newCreditLimit: `${10000 + i}.00`,
            newExpirationDate: '2027-12-31',
          })),
        }),
      },
    },
  });

  it('splits a state longer than a cell over cells of at most 30,000 characters and reads it back whole', async () => {
    const wb = new SimulatedWorkbook();
    const state = bigState(3000, 'key-1');
    expect(JSON.stringify(state).length).toBeGreaterThan(5 * CELL_TEXT_LIMIT);
    await writeWorkbookState(wb, state);
    expect(await readWorkbookState(wb)).toEqual(state);
    const sheet = wb.model.sheets.find((s) => s.name === 'CreditDesk sync')!;
    const texts = sheet.values.flat().filter((v): v is string => typeof v === 'string' && v !== '');
    expect(texts.every((v) => v.length <= STATE_CHUNK)).toBe(true);
    // a shorter state later: the header says how many cells count, so no old tail is read
    await writeWorkbookState(wb, bigState(10, 'key-2'));
    expect(await readWorkbookState(wb)).toEqual(bigState(10, 'key-2'));
    await writeWorkbookState(wb, bigState(2000, 'key-3'));
    expect(await readWorkbookState(wb)).toEqual(bigState(2000, 'key-3'));
  });

  it('a write that fails midway leaves the previous state whole (its Idempotency-Key too), never a truncated one', async () => {
    const wb = new SimulatedWorkbook();
    const before = bigState(1500, 'key-before');
    await writeWorkbookState(wb, before);
    for (const failing of [2, 3, 4]) {
      // sync 1 reads the sheet, 2 reads A1, then one per 100 cells, then A1: fail each in turn
      wb.failSync(failing, 'InvalidOperation');
      await expect(writeWorkbookState(wb, bigState(1600, `key-${failing}`))).rejects.toThrow(/InvalidOperation/);
      expect(await readWorkbookState(wb)).toEqual(before);
    }
    await writeWorkbookState(wb, bigState(1600, 'key-after'));
    expect(await readWorkbookState(wb)).toEqual(bigState(1600, 'key-after'));
  });

  it('does not trust cells that do not add up to the header (a state edited by hand), and still reads the one-cell layout', async () => {
    const wb = new SimulatedWorkbook();
    await writeWorkbookState(wb, bigState(1500, 'k'));
    const sheet = wb.model.sheets.find((s) => s.name === 'CreditDesk sync')!;
    const slot = JSON.parse(String(sheet.get(0, 0))).slot === 'B' ? 1 : 2;
    sheet.set(1, slot, String(sheet.get(1, slot)).slice(1));
    expect(await readWorkbookState(wb)).toBeNull();
    sheet.set(0, 0, JSON.stringify({ workbookId: 'old', holds: { seq: 7 } }));
    expect(await readWorkbookState(wb)).toEqual({ workbookId: 'old', holds: { seq: 7 } });
  });
});

describe("the adapter follows Excel's rules: number formats before values", () => {
  const TEXTS: TableSpec = {
    name: 'Texts',
    sheet: 'Texts',
    columns: [
      { header: 'Id', kind: 'text' },
      { header: 'Name', kind: 'text' },
      { header: 'Held at', kind: 'text' },
      { header: 'Amount', kind: 'money' },
      { header: '1-30', kind: 'money' },
    ],
  };
  const row: Cell[] = ['00123', '-Acme & Co', '2026-12-08', 1234.5, 0];

  it('Excel itself turns texts into numbers, dates and formulas in a General cell (the simulation of the rule)', () => {
    expect(excelStores('00123', 'General')).toBe(123);
    expect(excelStores('2026-12-08', 'General')).toBe(46364);
    expect(excelStores('1-30', 'General')).toBe('1-30');
    expect(excelStores('-Acme', 'General')).toBe('#NAME?');
    expect(excelStores('=1+1', 'General')).toBe('#NAME?');
    expect(excelStores('-5', 'General')).toBe(-5);
    for (const v of ['00123', '-Acme', '2026-12-08', '=1+1']) expect(excelStores(v, '@')).toBe(v);
  });

  it('ids, names and dates written as text stay text, through replace, append and update', async () => {
    const wb = new SimulatedWorkbook();
    await replaceRows(wb, TEXTS, [row, ['C0042', '+Plus', '2026-01-31', 1, 2]]);
    await appendRows(wb, TEXTS, [['007', '=SUM(A1)', '2026-02-01', 3, 4]]);
    await updateRows(wb, TEXTS, 'Id', [{ row: 1, values: ['0099', '-Minus'] }]);
    const t = wb.records('Texts');
    expect(t.map((r) => [r.Id, r.Name, r['Held at']])).toEqual([
      ['00123', '-Acme & Co', '2026-12-08'],
      ['0099', '-Minus', '2026-01-31'],
      ['007', '=SUM(A1)', '2026-02-01'],
    ]);
    expect(t.map((r) => r.Amount)).toEqual([1234.5, 1, 3]);
    // the header cells are text too: "1-30" is still the column's name
    const { info } = await readTable(wb, 'Texts');
    expect(info.headers).toEqual(['Id', 'Name', 'Held at', 'Amount', '1-30']);
    // every write widens the columns to their contents (no "#####" money cells)
    expect(wb.model.sheets.find((s) => s.name === 'Texts')!.autofitted).toEqual(['Texts!A1:E3', 'Texts!A1:E4']);
  });
});

describe('names the user already uses', () => {
  it("refuses to write over the user's own sheet or table of the same name, and changes nothing", async () => {
    const wb = new SimulatedWorkbook();
    await wb.run(async (ctx) => {
      const sheet = ctx.workbook.worksheets.add('things'); // sheet names are compared without case
      sheet.getRange('A1:B1').values = [['My notes', 'keep me']];
      await ctx.sync();
    });
    await expect(replaceRows(wb, SPEC, [['T-1', 1, '']])).rejects.toThrow(
      /a sheet named "Things" already exists and holds no CreditDesk table/,
    );
    const sheet = wb.model.sheets.find((s) => s.name === 'things')!;
    expect([sheet.get(0, 0), sheet.get(0, 1), sheet.get(1, 0)]).toEqual(['My notes', 'keep me', '']);
    expect(wb.table('Things')).toBeUndefined();

    // a table of the user's called Things, elsewhere, with other columns
    const other = new SimulatedWorkbook();
    await other.run(async (ctx) => {
      const ws = ctx.workbook.worksheets.getItem('Sheet1');
      const header = ws.getRange('A1:B1');
      header.values = [['Region', 'Budget']];
      ws.tables.add(header, true).name = 'Things';
      await ctx.sync();
    });
    await expect(replaceRows(other, SPEC, [['T-1', 1, '']])).rejects.toThrow(
      /the table "Things" in this workbook is not CreditDesk's \(it has no "Id" column\)/,
    );
    expect(other.records('Things')).toEqual([]);
  });
});
