import { describe, expect, it } from 'vitest';
import {
  appendRows,
  ensureTable,
  readTable,
  replaceRows,
  updateRows,
  type Cell,
  type TableSpec,
} from '../excel/workbook';
import { SimulatedWorkbook } from './simulated-excel';

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
