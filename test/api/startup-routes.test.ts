// What a newcomer meets first (issue 19 item 10 b, e): the server's root leads to the API reference,
// /docs/ is /docs, the browser's /favicon.ico is not a 401; and the upload template's example row
// is marked, so an unchanged template uploaded creates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { addDays, todayUtc } from '../../shared/dates';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('the first pages a browser opens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('/ redirects to /docs, /docs/ to /docs, and /favicon.ico answers 204 without a token', async () => {
    const root = await t.app.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/docs');
    const slash = await t.app.request('/docs/');
    expect([301, 308]).toContain(slash.status);
    expect(slash.headers.get('location')).toBe('/docs');
    const docs = await t.app.request(slash.headers.get('location')!);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('CreditDesk API reference');
    const icon = await t.app.request('/favicon.ico');
    expect(icon.status).toBe(204);
    expect(await icon.text()).toBe('');
    // Still only these: any other path without a token is a 401, and the API's own 404 stays.
    expect((await t.app.request('/favicon.png')).status).toBe(401);
    expect((await t.app.request('/api/v1/customers')).status).toBe(401);
  });
});

describe.each(DIALECTS)('the upload template on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await t.request('PUT', '/api/v1/customers/C1001', {
      as: 'integration',
      body: { name: 'Customer C1001', currency: 'USD', creditLimit: '10000.00' },
    });
  });
  afterAll(() => t.close());

  const template = async () => {
    const res = await t.app.request('/api/v1/templates/adjustments.xlsx', {
      headers: { authorization: `Bearer ${t.tokens.credit_clerk}` },
    });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  const load = async (bytes: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    return wb;
  };
  const save = async (wb: ExcelJS.Workbook) => Buffer.from(await wb.xlsx.writeBuffer());
  const upload = async (bytes: Buffer, query = '', accept?: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'creditdesk-adjustments.xlsx');
    const headers: Record<string, string> = { authorization: `Bearer ${t.tokens.credit_clerk}` };
    if (accept) headers.accept = accept;
    const res = await t.app.request(`/api/v1/uploads/adjustments${query}`, { method: 'POST', headers, body: form });
    const buf = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      bytes: buf,
      body: (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(buf.toString('utf8')) as any) : null,
    };
  };
  const journalCount = async () =>
    (await t.request('GET', '/api/v1/adjustment-journals?limit=1000')).body.items.length as number;

  it('marks its example row in the Customer cell, with an expiry a year ahead', async () => {
    const wb = await load(await template());
    const ws = wb.getWorksheet('Adjustments')!;
    expect(ws.getCell('A2').value).toBe('EXAMPLE C1001');
    expect(ws.getCell('D2').value).toBe('USD');
    expect((ws.getCell('E2').value as Date).toISOString().slice(0, 10)).toBe(addDays(todayUtc(), 365));
    const help = wb.getWorksheet('Instructions')!.getColumn(1).values.join('\n');
    expect(help).toContain('Row 2 is an example');
  });

  it('uploaded unchanged, it creates nothing: 422 naming the example row; a dry run says the same', async () => {
    const before = await journalCount();
    const bytes = await template();
    const refused = await upload(bytes);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('rule_violation');
    expect(refused.body.error.details).toEqual([
      { path: 'rows.2.customerId', message: expect.stringContaining("row 2 is the template's example row") },
    ]);
    expect(refused.body.rows).toMatchObject([
      { row: 2, status: 'error', errors: [{ path: 'customerId', column: 'Customer' }] },
    ]);
    const dry = await upload(bytes, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ valid: false, journalId: null, rows: [{ row: 2, status: 'error' }] });
    expect(dry.body.rows[0].errors[0].message).toContain('example row');
    // Answered as a workbook: the Result column says it too.
    const annotated = await upload(bytes, '', XLSX);
    expect(annotated.status).toBe(422);
    const result = (await load(annotated.bytes)).getWorksheet('Adjustments')!;
    expect(String(result.getCell('I1').value)).toBe('Result');
    expect(String(result.getCell('I2').value)).toContain('example row');
    expect(await journalCount()).toBe(before);
  });

  it('with the example row typed over it uploads; with the example row left beside real rows it names only that row', async () => {
    const before = await journalCount();
    const kept = await load(await template());
    kept.getWorksheet('Adjustments')!.getRow(3).values = ['C1001', null, 25000];
    const mixed = await upload(await save(kept));
    expect(mixed.status).toBe(422);
    expect(mixed.body.rows.map((r: { row: number; status: string }) => [r.row, r.status])).toEqual([
      [2, 'error'],
      [3, 'ok'],
    ]);
    expect(await journalCount()).toBe(before);

    const typed = await load(await template());
    typed.getWorksheet('Adjustments')!.getCell('A2').value = 'C1001';
    const created = await upload(await save(typed));
    expect(created.status).toBe(201);
    expect(created.body.rows).toMatchObject([
      { row: 2, status: 'ok', customerId: 'C1001', newCreditLimit: '50000.00' },
    ]);
    expect(await journalCount()).toBe(before + 1);
  });
});
