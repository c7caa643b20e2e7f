// Sheets without the add-in (SPEC §5, issue 9): the template, uploads of real .xlsx files made by
// exceljs and hand-written CSV in the dialects people produce, the bad files, and the exports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import { expectError } from '../support/conventions';
import {
  addRule,
  cluAll,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  setCheckpoints,
} from '../support/credit';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  bytes: Buffer;
}

async function upload(
  t: TestApp,
  bytes: Buffer | string,
  name: string,
  o: { as?: any; query?: string; accept?: string } = {},
): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes)]), name);
  const headers: Record<string, string> = {
    authorization: `Bearer ${t.tokens[(o.as ?? 'credit_clerk') as keyof typeof t.tokens]}`,
  };
  if (o.accept) headers.accept = o.accept;
  const res = await t.app.request(`/api/v1/uploads/adjustments${o.query ?? ''}`, {
    method: 'POST',
    headers,
    body: form,
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let body: any = null;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(buf.toString('utf8'));
  return { status: res.status, headers: res.headers, body, bytes: buf };
}

async function xlsx(rows: unknown[][], setup?: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Adjustments');
  for (const r of rows) ws.addRow(r);
  setup?.(ws);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function readWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  return wb;
}

/** A new aging definition and its snapshot as of 2025-06-30 (what the aging export lists). */
async function agedOn(t: TestApp, id: string, name: string, lines: Record<string, unknown>[]): Promise<void> {
  ok(await t.request('PUT', `/api/v1/aging-definitions/${id}`, { as: 'credit_manager', body: { name, lines } }), 201);
  ok(
    await t.request('POST', '/api/v1/aging-snapshots', {
      as: 'collections_agent',
      body: { definitionId: id, asOf: '2025-06-30' },
    }),
  );
}

const journals = async (t: TestApp) =>
  ok(await t.request('GET', '/api/v1/adjustment-journals?limit=1000')).items as any[];

describe.each(DIALECTS)('sheets without the add-in on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const id of ['C1', 'C2', 'C3', '1001']) await putCustomer(t, id);
  });
  afterAll(() => t.close());

  it('serves the adjustments template: columns, validation, an example row and instructions', async () => {
    const res = await t.app.request('/api/v1/templates/adjustments.xlsx', {
      headers: { authorization: `Bearer ${t.tokens.collections_agent}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(XLSX);
    const wb = await readWorkbook(Buffer.from(await res.arrayBuffer()));
    const ws = wb.getWorksheet('Adjustments')!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual([
      'Customer',
      'Credit group',
      'New limit',
      'Currency',
      'Expiry',
      'From',
      'To',
      'Type',
    ]);
    expect(ws.getCell('A2').value).toBe('EXAMPLE C1001');
    // The example row names the currency customer limits are in: the accounting currency.
    expect(ws.getCell('D2').value).toBe('USD');
    expect(ws.getCell('H2').dataValidation).toMatchObject({ type: 'list', formulae: ['"creditLimit,temporary"'] });
    expect(ws.getCell('C3').dataValidation).toMatchObject({ type: 'decimal', operator: 'greaterThanOrEqual' });
    expect(ws.getCell('D3').dataValidation).toMatchObject({ type: 'textLength', allowBlank: true });
    expect(ws.getCell('E3').dataValidation).toMatchObject({ type: 'date' });
    expect(wb.getWorksheet('Instructions')!.getCell('A1').value).toContain('CreditDesk');
  });

  it('checks an .xlsx in a dry run (nothing saved), then creates one journal from it and keeps the file', async () => {
    const file = await xlsx([
      ['Account', 'New Limit', 'Expiration', 'Notes'],
      ['C1', 12500.5, new Date(Date.UTC(2027, 11, 31)), 'raise'],
      [],
      [1001, { formula: '2*1000', result: 2000 }, 46387, ''],
    ]);
    const dry = await upload(t, file, 'limits.xlsx', { query: '?dryRun=true' });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, valid: true, journalId: null, headerRow: 1, type: 'creditLimit' });
    expect(dry.body.rows.map((r: any) => [r.row, r.status, r.customerId, r.newCreditLimit])).toEqual([
      [2, 'ok', 'C1', '12500.50'],
      [4, 'ok', '1001', '2000.00'],
    ]);
    expect(dry.body.rows[0].currentCreditLimit).toBe('10000.00');
    expect(await journals(t)).toEqual([]);

    const real = await upload(t, file, 'limits.xlsx');
    expect(real.status).toBe(201);
    expect(real.body.journalId).toMatch(/^CLJ-/);
    const journal = ok(await t.request('GET', `/api/v1/adjustment-journals/${real.body.journalId}`));
    expect(journal.lines.map((l: any) => [l.customerId, l.newCreditLimit, l.newExpirationDate])).toEqual([
      ['C1', '12500.50', '2027-12-31'],
      ['1001', '2000.00', '2026-12-31'],
    ]);
    const audit = ok(await t.request('GET', `/api/v1/audit?entity=upload&id=${real.body.uploadId}`)).items;
    expect(audit[0]).toMatchObject({
      action: 'upload.adjustments',
      userId: t.userIds.credit_clerk,
      after: { fileName: 'limits.xlsx', journalId: real.body.journalId, rows: 2 },
    });
  });

  it('returns the uploaded workbook with a Result column, styles kept, errors on the right rows', async () => {
    const file = await xlsx(
      [
        ['Customer', 'New limit', 'Expiry'],
        ['C2', 5000, '31.12.2027'],
        ['NOPE', 100, ''],
        ['C3', 'lots', '2027-02-30'],
      ],
      (ws) => (ws.getCell('A1').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF00' } }),
    );
    const res = await upload(t, file, 'mixed.xlsx', { accept: XLSX });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe(XLSX);
    const ws = (await readWorkbook(res.bytes)).getWorksheet('Adjustments')!;
    expect(ws.getCell('D1').value).toBe('Result');
    expect(ws.getCell('D2').value).toBe('OK');
    expect(String(ws.getCell('D3').value)).toMatch(/Customer: .*NOPE/);
    expect(String(ws.getCell('D4').value)).toMatch(
      /New limit: "lots" is not an amount; Expiry: "2027-02-30" is not a calendar date/,
    );
    expect((ws.getCell('A1').fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFFF00');

    const json = await upload(t, file, 'mixed.xlsx');
    expectError({ status: json.status, headers: json.headers, body: json.body }, 422, 'rule_violation', ['rows']);
    expect(json.body.error.details.map((d: any) => d.path)).toEqual([
      'rows.3.customerId',
      'rows.4.newCreditLimit',
      'rows.4.newExpirationDate',
    ]);
    expect(json.body.rows.map((r: any) => r.status)).toEqual(['ok', 'error', 'error']);
    expect((await journals(t)).filter((j) => j.description === 'Upload mixed.xlsx')).toEqual([]);
  });

  it('reads CSV as people write it: BOM, commas, CRLF, quoted newlines; semicolons with decimal commas and day-first dates', async () => {
    const comma = '\ufeffCustomer,New limit,Expiry,Notes\r\nC1,"12,500.50",2027-12-31,"two\r\nlines"\r\nC2,3000,,\r\n';
    const a = await upload(t, comma, 'export.csv', { query: '?dryRun=true' });
    expect(a.status).toBe(200);
    expect(a.body.rows.map((r: any) => [r.row, r.status, r.newCreditLimit])).toEqual([
      [2, 'ok', '12500.50'],
      [3, 'ok', '3000.00'],
    ]);
    const semicolon = 'Kunde;New limit;Customer;Expiry\n;12 500,50;C1;31.12.2027\n;"1.000,25";C3;01/02/2028\n';
    const b = await upload(t, semicolon, 'de.csv', { query: '?dryRun=true' });
    expect(b.body.rows.map((r: any) => [r.row, r.status, r.customerId, r.newCreditLimit])).toEqual([
      [2, 'ok', 'C1', '12500.50'],
      [3, 'ok', 'C3', '1000.25'],
    ]);
    const created = await upload(t, semicolon, 'de.csv');
    expect(created.status).toBe(201);
    const journal = ok(await t.request('GET', `/api/v1/adjustment-journals/${created.body.journalId}`));
    expect(journal.lines.map((l: any) => l.newExpirationDate)).toEqual(['2027-12-31', '2028-02-01']);
    const temporary =
      'Customer,New limit,From,To,Type\nC2,9000,2027-01-01,2027-01-31,temporary\nC3,9000,2027-01-01,2027-01-31,Temporary\n';
    expect((await upload(t, temporary, 'temp.csv', { query: '?dryRun=true' })).body).toMatchObject({
      type: 'temporary',
      valid: true,
    });
  });

  it('refuses bad files with a clear error and saves nothing', async () => {
    const before = (await journals(t)).length;
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'binary'), Buffer.alloc(200)]);
    expect((await upload(t, exe, 'limits.xlsx')).body.error.message).toMatch(/binary data/);
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    zip.file('xl/workbook.xml', Buffer.alloc(30 * 1024 * 1024));
    const bomb = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const refused = await upload(t, bomb, 'bomb.xlsx');
    expectError({ status: refused.status, headers: refused.headers, body: refused.body }, 422, 'rule_violation');
    expect(refused.body.error.message).toMatch(/zip bomb/);
    const noColumns = await upload(t, 'Name,Amount\nAcme,100\n', 'x.csv');
    expect(noColumns.status).toBe(422);
    expect(noColumns.body.error.message).toMatch(/no a Customer .*column/);
    expect((await upload(t, 'Customer,New limit\n\n,\n', 'empty.csv')).body.error.message).toMatch(/no data rows/);
    const dup = await upload(t, 'Customer,New limit\nC1,100\nC1,200\n', 'dup.csv');
    expect(dup.status).toBe(422);
    expect(dup.body.rows[1]).toMatchObject({ row: 3, status: 'error' });
    const mixed = await upload(t, 'Customer,New limit,Type\nC1,100,creditLimit\nC2,200,temporary\n', 'mixed.csv');
    expect(mixed.body.error.details.map((d: any) => d.path)).toContain('rows.3.type');
    const big = 'Customer,New limit\n' + Array.from({ length: 50_001 }, (_, i) => `C${i},1`).join('\n');
    expect((await upload(t, big, 'big.csv')).status).toBe(413);
    expect((await upload(t, Buffer.alloc(10 * 1024 * 1024 + 10, 65), 'huge.csv')).status).toBe(413);
    expect((await upload(t, 'Customer,New limit\nC1,100\n', 'x.csv', { as: 'collections_agent' })).status).toBe(403);
    expect((await journals(t)).length).toBe(before);
  });

  it('exports the aging list and the hold list as formatted workbooks, formulas escaped', async () => {
    await putCustomer(t, 'CX', { name: '=HYPERLINK("http://evil")' });
    await postTransactions(t, [
      { id: 'CX-1', customerId: 'CX', type: 'invoice', amount: '1234.50', dueDate: '2025-05-01' },
    ]);
    await agedOn(t, 'STD', 'Std', [
      { label: 'Over 30', unit: -1, interval: 'unlimited' },
      { label: '1-30', unit: -30, interval: 'day' },
      { label: 'Not due', unit: 1, interval: 'unlimited' },
    ]);
    const res = await t.app.request('/api/v1/exports/aging.xlsx?definitionId=STD', {
      headers: { authorization: `Bearer ${t.tokens.credit_clerk}` },
    });
    expect(res.status).toBe(200);
    const ws = (await readWorkbook(Buffer.from(await res.arrayBuffer()))).getWorksheet('Aging')!;
    expect((ws.getRow(1).values as unknown[]).slice(1, 7)).toEqual([
      'Customer',
      'Name',
      'Currency',
      'Amount due',
      'Over 30',
      '1-30',
    ]);
    const row = ws.getRow(2);
    expect(row.getCell(1).value).toBe('CX');
    expect(row.getCell(2).value).toBe('\'=HYPERLINK("http://evil")');
    expect(row.getCell(3).value).toBe('USD');
    expect(row.getCell(4).value).toBe(1234.5);
    expect(row.getCell(4).numFmt).toBe('#,##0.00');
    expect(row.getCell(5).value).toBe(1234.5);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();

    await setCheckpoints(t, postingCheckpoints('confirmation'));
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-X', 'CX', '20000.00');
    ok(await postOrder(t, 'SO-X'));
    const held = await t.app.request('/api/v1/exports/holds.xlsx', {
      headers: { authorization: `Bearer ${t.tokens.credit_manager}` },
    });
    const hs = (await readWorkbook(Buffer.from(await held.arrayBuffer()))).getWorksheet('Held orders')!;
    expect((hs.getRow(1).values as unknown[]).slice(1)).toEqual([
      'Hold',
      'Order',
      'Customer',
      'Amount',
      'Currency',
      'Reasons',
      'Held at',
      'Version',
      'Decision',
      'Reason code',
      'Review date',
    ]);
    expect(hs.getRow(2).getCell(2).value).toBe('SO-X');
    expect(hs.getRow(2).getCell(4).value).toBe(20000);
    expect(hs.getRow(2).getCell(5).value).toBe('USD');
    expect(hs.getRow(2).getCell(9).dataValidation).toMatchObject({ type: 'list', formulae: ['"Release,Reject"'] });
  });

  // Issue 20: an optional Currency column on uploads, checked against the currency the row's limit is in.
  it('uploads take an optional Currency column: empty or the limit currency passes, another is refused naming row and column, nothing saved', async () => {
    await putExchangeRates(t, { EUR: '1.10' });
    for (const id of ['CE1', 'CE2']) await putCustomer(t, id, { currency: 'EUR' });
    ok(
      await t.request('PUT', '/api/v1/credit-groups/G-EU', {
        as: 'credit_manager',
        body: {
          name: 'Euro group',
          creditLimit: '90000.00',
          currency: 'EUR',
          creditLimitToDate: '2030-12-31',
          members: [],
        },
      }),
      201,
    );
    const before = (await journals(t)).length;
    // A EUR customer's limit is still in the accounting currency (credit.md §1.2); a group's in its own.
    const sheet =
      'Customer,Credit group,New limit,Currency\nC1,,1000,USD\nCE1,,2000,\nC2,,3000,usd\nCE2,,4000,EUR\n,G-EU,50000,EUR\n';
    const dry = await upload(t, sheet, 'currencies.csv', { query: '?dryRun=true' });
    expect(dry.status).toBe(200);
    expect(dry.body.valid).toBe(false);
    expect(dry.body.rows.map((r: any) => [r.row, r.status, r.currency])).toEqual([
      [2, 'ok', 'USD'],
      [3, 'ok', 'USD'],
      [4, 'ok', 'USD'],
      [5, 'error', 'USD'],
      [6, 'ok', 'EUR'],
    ]);
    expect(dry.body.rows[3].errors).toEqual([
      {
        path: 'currency',
        column: 'Currency',
        message: 'is "EUR", but customer limits are in USD, the accounting currency',
      },
    ]);
    // The journal validation still reports the row's figures beside the refusal.
    expect(dry.body.rows[3]).toMatchObject({ customerId: 'CE2', newCreditLimit: '4000.00' });

    const real = await upload(t, sheet, 'currencies.csv');
    expectError({ status: real.status, headers: real.headers, body: real.body }, 422, 'rule_violation', ['rows']);
    expect(real.body.error.details).toEqual([
      { path: 'rows.5.currency', message: 'is "EUR", but customer limits are in USD, the accounting currency' },
    ]);

    const group = await upload(t, 'Credit group,New limit,Currency\nG-EU,50000,USD\n', 'group.csv');
    expect(group.status).toBe(422);
    expect(group.body.rows[0]).toMatchObject({ row: 2, status: 'error', creditGroupId: 'G-EU', currency: 'EUR' });
    expect(group.body.rows[0].errors).toEqual([
      {
        path: 'currency',
        column: 'Currency',
        message: `is "USD", but the limit of credit group G-EU is in EUR, the group's currency`,
      },
    ]);

    // The workbook answer names the column in the row's Result cell.
    const file = await xlsx([
      ['Customer', 'New limit', 'Limit currency'],
      ['C3', 5000, 'USD'],
      ['CE1', 6000, 'GBP'],
    ]);
    const annotated = await upload(t, file, 'currencies.xlsx', { accept: XLSX });
    expect(annotated.status).toBe(422);
    const ws = (await readWorkbook(annotated.bytes)).getWorksheet('Adjustments')!;
    expect(ws.getCell('D2').value).toBe('OK');
    expect(ws.getCell('D3').value).toBe(
      'Limit currency: is "GBP", but customer limits are in USD, the accounting currency',
    );
    expect((await journals(t)).length).toBe(before);

    // Matching currencies (any case) and empty cells make the journal.
    const good = await upload(
      t,
      'Customer,Credit group,New limit,Currency\nCE1,,2000,usd\nCE2,,4000,\n,G-EU,50000,EUR\n',
      'ok.csv',
    );
    expect(good.status).toBe(201);
    const journal = ok(await t.request('GET', `/api/v1/adjustment-journals/${good.body.journalId}`));
    expect(journal.lines.map((l: any) => [l.customerId ?? l.creditGroupId, l.newCreditLimit])).toEqual([
      ['CE1', '2000.00'],
      ['CE2', '4000.00'],
      ['G-EU', '50000.00'],
    ]);
  });

  it("exports name each row's currency: aging in the company view and in the customer's currency, holds in the order's", async () => {
    await putExchangeRates(t, { EUR: '1.10' });
    await putCustomer(t, 'CE3', { currency: 'EUR', name: 'Euro GmbH' });
    // 1,000.00 EUR at 1.10 is 1,100.00 USD in the accounting currency.
    await postTransactions(t, [
      { id: 'CE3-1', customerId: 'CE3', type: 'invoice', amount: '1000.00', currency: 'EUR', dueDate: '2025-05-01' },
    ]);
    await agedOn(t, 'CUR', 'Currencies', [
      { label: 'Overdue', unit: -1, interval: 'unlimited' },
      { label: 'Not due', unit: 1, interval: 'unlimited' },
    ]);
    const exported = async (query: string) => {
      const res = await t.app.request(`/api/v1/exports/aging.xlsx?definitionId=CUR${query}`, {
        headers: { authorization: `Bearer ${t.tokens.credit_clerk}` },
      });
      expect(res.status).toBe(200);
      const ws = (await readWorkbook(Buffer.from(await res.arrayBuffer()))).getWorksheet('Aging')!;
      const headers = (ws.getRow(1).values as unknown[]).slice(1) as string[];
      const rows = new Map<string, Record<string, unknown>>();
      for (let r = 2; r <= ws.rowCount; r++) {
        const values = (ws.getRow(r).values as unknown[]).slice(1);
        rows.set(String(values[0]), Object.fromEntries(headers.map((h, i) => [h, values[i]])));
      }
      return { res, headers, rows };
    };
    const company = await exported('');
    expect(company.headers.slice(0, 4)).toEqual(['Customer', 'Name', 'Currency', 'Amount due']);
    expect(company.rows.get('CE3')).toMatchObject({ Currency: 'USD', 'Amount due': 1100, Overdue: 1100 });
    expect(company.rows.get('CX')).toMatchObject({ Currency: 'USD', 'Amount due': 1234.5 });
    expect(await exported('&currency=accounting').then((e) => e.rows.get('CE3'))).toMatchObject({
      Currency: 'USD',
      'Amount due': 1100,
    });
    const customer = await exported('&currency=customer');
    expect(customer.res.headers.get('content-disposition')).toContain('aging-CUR-customer-currency.xlsx');
    expect(customer.rows.get('CE3')).toMatchObject({ Currency: 'EUR', 'Amount due': 1000, Overdue: 1000 });
    expect(customer.rows.get('CX')).toMatchObject({ Currency: 'USD', 'Amount due': 1234.5 });
    // The same currencies as GET /aging answers for each view.
    for (const [query, sheet] of [
      ['', company],
      ['&currency=customer', customer],
    ] as const) {
      const list = ok(await t.request('GET', `/api/v1/aging?definitionId=CUR${query}`));
      expect(list.items.length).toBe(sheet.rows.size);
      for (const item of list.items) expect(sheet.rows.get(item.customerId)!.Currency).toBe(item.currency);
    }
    expect(
      (
        await t.app.request('/api/v1/exports/aging.xlsx?currency=transaction', {
          headers: { authorization: `Bearer ${t.tokens.credit_clerk}` },
        })
      ).status,
    ).toBe(400);

    // A EUR order on hold: its amount is in EUR, and the export says so.
    await putOrder(t, 'SO-EUR', 'CE3', '20000.00', { currency: 'EUR' });
    ok(await postOrder(t, 'SO-EUR'));
    const held = await t.app.request('/api/v1/exports/holds.xlsx', {
      headers: { authorization: `Bearer ${t.tokens.credit_manager}` },
    });
    const hs = (await readWorkbook(Buffer.from(await held.arrayBuffer()))).getWorksheet('Held orders')!;
    const byOrder = new Map<string, unknown[]>();
    for (let r = 2; r <= hs.rowCount; r++) {
      const values = (hs.getRow(r).values as unknown[]).slice(1);
      byOrder.set(String(values[1]), values);
    }
    expect(byOrder.get('SO-EUR')!.slice(2, 5)).toEqual(['CE3', 20000, 'EUR']);
    expect(byOrder.get('SO-X')!.slice(2, 5)).toEqual(['CX', 20000, 'USD']);
  });
});
