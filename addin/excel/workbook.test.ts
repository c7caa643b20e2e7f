import { describe, expect, it } from 'vitest';
import { OfficeMockObject } from 'office-addin-mock';
import {
  chunkRows,
  ensureTable,
  readTable,
  readWorkbookState,
  REQUEST_LIMIT_BYTES,
  replaceRows,
  rowBytes,
  updateRows,
  writeWorkbookState,
  type Cell,
  type ExcelHost,
  type TableSpec,
} from './workbook';

// The adapter against office-addin-mock: properties read without load() come back as the mock's
// "not loaded" error value, so a missing load shows up as a wrong answer here.

const SPEC: TableSpec = {
  name: 'HeldOrders',
  sheet: 'Held orders',
  columns: [
    { header: 'Hold', kind: 'text' },
    { header: 'Amount', kind: 'money' },
    { header: 'Decision', kind: 'text', list: ['Release', 'Reject'] },
  ],
};

interface Calls {
  added: Cell[][][];
  ranges: [number, number, number, number][];
  numberFormats: unknown[];
  suspendCalc: number;
  suspendScreen: number;
  sheetsAdded: string[];
  tablesAdded: unknown[];
  columnsAdded: string[];
  deleted: string[];
  validation: unknown[];
  values: unknown[];
  autofits: number;
}

function mockHost(opts: {
  tableExists: boolean;
  headers?: string[];
  rowCount?: number;
  body?: Cell[][];
  supports19?: boolean;
  stateText?: string | null;
}) {
  const calls: Calls = {
    added: [],
    ranges: [],
    numberFormats: [],
    suspendCalc: 0,
    suspendScreen: 0,
    sheetsAdded: [],
    tablesAdded: [],
    columnsAdded: [],
    deleted: [],
    validation: [],
    values: [],
    autofits: 0,
  };
  const headers = opts.headers ?? SPEC.columns.map((c) => c.header);
  const body = opts.body ?? [];
  const range = {
    values: [[opts.stateText ?? '']] as unknown,
    numberFormat: [['General']] as unknown,
    dataValidation: { rule: null as unknown, errorAlert: null as unknown, clear() {} },
    conditionalFormats: {
      clearAll() {},
      add() {
        return { cellValue: { format: { fill: {}, font: {} }, rule: null } };
      },
    },
    delete(shift: string) {
      calls.deleted.push(shift);
    },
  };
  const data = {
    context: {
      workbook: {
        application: {
          suspendApiCalculationUntilNextSync() {
            calls.suspendCalc++;
          },
          suspendScreenUpdatingUntilNextSync() {
            calls.suspendScreen++;
          },
        },
        tables: {
          table: {
            isNullObject: !opts.tableExists,
            name: SPEC.name,
            style: '',
            header: { values: [headers], rowIndex: 0, columnIndex: 0 },
            rows: {
              count: opts.rowCount ?? body.length,
              add(_index: unknown, values: Cell[][]) {
                calls.added.push(values);
              },
            },
            columns: {
              add(_i: unknown, _v: unknown, name: string) {
                calls.columnsAdded.push(name);
              },
              getItemAt() {
                return {
                  getDataBodyRange: () => ({
                    dataValidation: {
                      clear() {},
                      set rule(r: unknown) {
                        calls.validation.push(r);
                      },
                      set errorAlert(_a: unknown) {},
                    },
                    conditionalFormats: range.conditionalFormats,
                  }),
                };
              },
            },
            worksheet: {
              range: {
                values: body as unknown,
                numberFormat: [] as unknown,
                format: {
                  autofitColumns() {
                    calls.autofits++;
                  },
                },
              },
              getRangeByIndexes(r: number, c: number, n: number, w: number) {
                calls.ranges.push([r, c, n, w]);
                const self = this as unknown as { range: { values: unknown } };
                return new Proxy(self.range as object, {
                  set(t, p, v) {
                    if (p === 'numberFormat') calls.numberFormats.push(v);
                    if (p === 'values') calls.values.push(v);
                    return Reflect.set(t, p, v);
                  },
                });
              },
              activate() {},
            },
            getHeaderRowRange() {
              return (this as unknown as { header: unknown }).header;
            },
            getDataBodyRange() {
              return range;
            },
          },
          getItemOrNullObject() {
            return (this as unknown as { table: unknown }).table;
          },
          getItem() {
            return (this as unknown as { table: unknown }).table;
          },
        },
        worksheets: {
          sheet: {
            isNullObject: false,
            visibility: 'Visible',
            cell: { values: [[opts.stateText ?? '']], numberFormat: [['General']] },
            getRange() {
              return (this as unknown as { cell: unknown }).cell;
            },
            getRangeByIndexes() {
              return { values: null };
            },
            tables: {
              add(address: unknown, hasHeaders: boolean) {
                calls.tablesAdded.push([address, hasHeaders]);
                return { name: '', style: '' };
              },
            },
            activate() {},
          },
          getItemOrNullObject() {
            const self = this as unknown as { sheet: { isNullObject: boolean } };
            return opts.stateText === null ? { ...self.sheet, isNullObject: true, load() {} } : self.sheet;
          },
          add(name: string) {
            calls.sheetsAdded.push(name);
            return (this as unknown as { sheet: unknown }).sheet;
          },
        },
      },
    },
    run: async function (this: { context: unknown }, batch: (ctx: unknown) => Promise<unknown>) {
      return batch(this.context);
    },
  };
  const mock = new OfficeMockObject(data) as unknown as { run: ExcelHost['run']; context: unknown };
  // The context must be the mock (sync() is its method).
  const host: ExcelHost = { run: (b) => mock.run(b), supports: (v) => (opts.supports19 ?? true) || v < '1.9' };
  return { host, calls };
}

describe('excel adapter (office-addin-mock)', () => {
  it('creates the sheet and the table when they are missing, headers from the spec', async () => {
    const { host, calls } = mockHost({ tableExists: false, stateText: null });
    const r = await ensureTable(host, SPEC);
    expect(r.created).toBe(true);
    expect(calls.sheetsAdded).toEqual(['Held orders']);
    expect(calls.tablesAdded).toHaveLength(1);
    expect(calls.tablesAdded[0]).toEqual([expect.anything(), true]);
  });

  it('keeps an existing table and adds only the columns it lacks', async () => {
    const { host, calls } = mockHost({ tableExists: true, headers: ['Hold', 'My notes', 'Amount'] });
    const r = await ensureTable(host, SPEC);
    expect(r.created).toBe(false);
    expect(calls.tablesAdded).toHaveLength(0);
    expect(calls.columnsAdded).toEqual(['Decision']);
  });

  it('reads the table back: headers, position, and every row (loads what it reads)', async () => {
    const body = [
      ['H-1', 10.5, 'Release'],
      ['H-2', 20, ''],
    ];
    const { host } = mockHost({ tableExists: true, body });
    const t = await readTable(host, SPEC.name);
    expect(t.info).toEqual({ headers: ['Hold', 'Amount', 'Decision'], headerRow: 0, firstColumn: 0, rowCount: 2 });
    expect(t.rows).toEqual(body);
  });

  it('replaces rows in chunks under the request budget, each with its number formats, calculation suspended', async () => {
    const rows: Cell[][] = Array.from({ length: 3000 }, (_, i) => [`H-${i}-${'x'.repeat(2000)}`, i + 0.5, '']);
    const { host, calls } = mockHost({ tableExists: true, rowCount: 5 });
    const stats = await replaceRows(host, SPEC, rows);
    expect(calls.deleted).toEqual(['Up']);
    expect(calls.added.length).toBeGreaterThan(1);
    expect(calls.added.flat()).toHaveLength(3000);
    calls.added.forEach((chunk, i) =>
      expect(JSON.stringify(chunk).length + JSON.stringify(calls.numberFormats[i]).length).toBeLessThan(
        REQUEST_LIMIT_BYTES,
      ),
    );
    expect(stats.maxRequestBytes).toBeLessThan(REQUEST_LIMIT_BYTES);
    expect(calls.suspendCalc).toBe(calls.added.length);
    expect(calls.suspendScreen).toBe(calls.added.length);
    // Formats: one row of formats per written row, money as #,##0.00.
    expect((calls.numberFormats[0] as string[][])[0]).toEqual(['@', '#,##0.00', '@']);
    expect((calls.numberFormats as string[][][]).reduce((n, f) => n + f.length, 0)).toBe(3000);
    // The chunks are written below the header, one after the other (rows added blank, formatted,
    // then filled: the values follow their formats); then the columns are autofitted once.
    expect(calls.ranges.slice(0, -1).map((r) => r[0])).toEqual(
      calls.added.reduce<number[]>((acc, c, i) => [...acc, i === 0 ? 1 : acc[i - 1]! + calls.added[i - 1]!.length], []),
    );
    expect((calls.values as Cell[][][]).flat()).toEqual(rows);
    expect(calls.added.flat().every((r) => r.every((v) => v === ''))).toBe(true);
    expect(calls.ranges.at(-1)).toEqual([0, 0, 3001, 3]);
    expect(calls.autofits).toBe(1);
    // The Decision column gets its Release/Reject drop-down.
    expect(calls.validation).toEqual([{ list: { inCellDropDown: true, source: 'Release,Reject' } }]);
  });

  it('does not call APIs newer than the host supports (screen updating is ExcelApi 1.9)', async () => {
    const { host, calls } = mockHost({ tableExists: true, supports19: false });
    await replaceRows(host, SPEC, [['H-1', 1, '']]);
    expect(calls.suspendCalc).toBe(1);
    expect(calls.suspendScreen).toBe(0);
  });

  it('updates cells of existing rows as one range per row', async () => {
    const { host, calls } = mockHost({ tableExists: true, rowCount: 3 });
    await updateRows(host, SPEC, 'Amount', [
      { row: 2, values: [5, 'Reject'] },
      { row: 0, values: [7, ''] },
    ]);
    expect(calls.ranges).toEqual([
      [3, 1, 1, 2],
      [1, 1, 1, 2],
    ]);
    expect(calls.values).toEqual([[[5, 'Reject']], [[7, '']]]);
    await expect(updateRows(host, SPEC, 'Amount', [{ row: 3, values: [1, ''] }])).rejects.toThrow(/outside the table/);
  });

  it("writes an update's values under their own headers when the table's columns are not the spec's order", async () => {
    // A table made by an older pane, a column added at its end later (ensureTable): Amount is last.
    const { host, calls } = mockHost({ tableExists: true, headers: ['Hold', 'Decision', 'Amount'], rowCount: 2 });
    await updateRows(host, SPEC, 'Amount', [{ row: 1, values: [5, 'Reject'] }]);
    expect(calls.ranges).toEqual([
      [2, 2, 1, 1],
      [2, 1, 1, 1],
    ]);
    expect(calls.values).toEqual([[[5]], [['Reject']]]);
    expect(calls.numberFormats).toEqual([[['#,##0.00']], [['@']]]);
    await expect(updateRows(host, SPEC, 'Decision', [{ row: 0, values: [1, 2] }])).rejects.toThrow(/fewer than 2/);
  });

  it('formats money without a currency symbol: the rows of one sheet may be in several currencies', async () => {
    const { host, calls } = mockHost({ tableExists: true, rowCount: 0 });
    await replaceRows(host, SPEC, [['H-1', 1, '']]);
    const money = (calls.numberFormats[0] as string[][])[0]![1]!;
    expect(money).toBe('#,##0.00');
    expect(money).not.toMatch(/[$€£¥¤]|\[\$/);
  });

  it('keeps sync state in a very hidden sheet, as JSON', async () => {
    const { host } = mockHost({ tableExists: true, stateText: '{"workbookId":"w1","holds":{"seq":42}}' });
    expect(await readWorkbookState(host)).toEqual({ workbookId: 'w1', holds: { seq: 42 } });
    const fresh = mockHost({ tableExists: true, stateText: null });
    expect(await readWorkbookState(fresh.host)).toBeNull();
    await writeWorkbookState(fresh.host, { workbookId: 'w2' });
    expect(fresh.calls.sheetsAdded).toEqual(['CreditDesk sync']);
  });

  it('chunks by measured row size: long rows make smaller chunks, a huge row still goes alone', () => {
    const small = Array.from({ length: 100 }, () => ['a', 1] as Cell[]);
    expect(
      chunkRows(small, undefined, 1000)
        .map((c) => c.rows.length)
        .reduce((a, b) => a + b, 0),
    ).toBe(100);
    expect(chunkRows(small, undefined, 1000).every((c) => c.rows.reduce((s, r) => s + rowBytes(r), 0) <= 1000)).toBe(
      true,
    );
    expect(chunkRows([['x'.repeat(5000)]], undefined, 1000)).toHaveLength(1);
  });
});
