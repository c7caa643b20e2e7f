// Upload benchmark: a 50,000-row .xlsx of limit changes, dry run, against the server under test.
import ExcelJS from 'exceljs';
import { customerId, CUSTOMERS } from './requests';

/** A workbook of `n` adjustment rows for the given customer ids (cycled). */
async function adjustmentsWorkbook(ids: (i: number) => string, n: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Adjustments');
  ws.addRow(['Customer', 'New limit', 'Expiry']);
  for (let i = 0; i < n; i++) ws.addRow([ids(i), 20000 + (i % 300) * 100, new Date(Date.UTC(2030, 11, 31))]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** POSTs the file as multipart and returns the elapsed milliseconds (throws unless 200). */
export async function timeUpload(base: string, token: string, file: Buffer): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)]), 'bench.xlsx');
  const t = performance.now();
  const res = await fetch(`${base}/api/v1/uploads/adjustments?dryRun=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = (await res.json()) as { valid?: boolean; rows?: unknown[] };
  const ms = performance.now() - t;
  if (res.status !== 200 || !body.valid)
    throw new Error(`upload answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return ms;
}

let upload: Promise<Buffer> | undefined;
/** The 50,000-row upload (the 10,000 customers with a ledger, then 40,000 more), made once per run. */
export const uploadWorkbook = (): Promise<Buffer> =>
  (upload ??= adjustmentsWorkbook((i) => (i < CUSTOMERS ? customerId(i) : customerId(i - CUSTOMERS, 'D')), 50_000));

/**
 * The lean .xlsx reader (server/sheets/xlsx/) against exceljs's streaming reader on the same
 * 50,000-row workbook, each the median of 3 reads: the lean reader exists because it is faster
 * (and allocates far less); test/api/xlsx-cells.test.ts proves they give the same cells.
 */
export async function benchReaders(): Promise<{ leanMs: number; exceljsMs: number }> {
  const { readXlsxCells } = await import('../server/sheets/xlsx/workbook');
  const { streamXlsx } = await import('../server/sheets/files');
  const file = await uploadWorkbook();
  const time = async (read: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await read();
      ms.push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b)[1]!;
  };
  return { leanMs: await time(() => readXlsxCells(file, 50_000)), exceljsMs: await time(() => streamXlsx(file)) };
}
