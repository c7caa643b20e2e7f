import { PassThrough, Readable } from 'node:stream';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type ExcelJS from 'exceljs';
import { excel } from './exceljs';
import type { AppEnv } from '../http/env';
import type { Role } from '../db/transaction';
import { guard } from '../http/auth';
import { command } from '../http/command';
import { errorBody } from '../http/errors';
import { errorResponses, jsonResponse, register } from '../http/openapi';
import { jsonWithList } from '../http/json-stream';
import { idOf } from '../http/schemas';
import { requestReader } from '../http/reader';
import { holdRowToHold, listHolds } from '../credit/holds/holds.repository';
import { agingList } from '../collections/aging/aging.service';
import { CurrencyQuery } from '../collections/aging/aging.schema';
import { getParameters } from '../credit/parameters/parameters.service';
import { escapeFormula, matchHeaders, textCell } from '../../shared/sheets/cells';
import { addDays } from '../../shared/dates';
import { loadWorkbook, readUpload, type ReadSheet } from './files';
import { annotateWorkbook, applyUpload, checkUpload, type RowResult } from './uploads';

/** Sheets without the add-in (SPEC §5): the adjustments template, uploads, and formatted exports. */
const TAG = 'Sheets';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const UPLOADERS: Role[] = ['credit_clerk', 'credit_manager'];
// No currency symbol: a sheet's amounts may be in several currencies, named by its Currency column.
const MONEY_FORMAT = '#,##0.00';

const RowResultSchema = z.object({
  row: z.number().openapi({ description: "the sheet's own row number" }),
  status: z.enum(['ok', 'error']),
  errors: z.array(z.object({ path: z.string(), column: z.string().nullable(), message: z.string() })),
  customerId: z.string().nullable(),
  creditGroupId: z.string().nullable(),
  currency: z.string().nullable().openapi({
    description:
      "the currency the row's limits are in: the accounting currency for a customer, the group's own currency for a credit group",
  }),
  currentCreditLimit: z.string().nullable(),
  newCreditLimit: z.string().nullable(),
  projectedAvailableCredit: z.string().nullable(),
  projectedPercentUsed: z.string().nullable(),
  releasableHolds: z.array(z.string()),
});
const UploadResult = z
  .object({
    journalId: z.string().nullable(),
    uploadId: z.string().nullable(),
    dryRun: z.boolean(),
    valid: z.boolean(),
    type: z.string(),
    sheet: z.string().nullable(),
    headerRow: z.number(),
    rows: z.array(RowResultSchema),
  })
  .openapi('AdjustmentsUploadResult');

/** Attachment headers; the name is ASCII-only so no header injection is possible. */
const attachment = (name: string) => ({
  'content-type': XLSX,
  'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`,
});

async function workbookBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * The template's example row names its customer `EXAMPLE C1001` (an id cannot contain a space, so
 * it is never a real customer): a row whose Customer cell starts with EXAMPLE is refused with a
 * message saying so, and an unchanged template uploaded creates nothing.
 */
const EXAMPLE_CUSTOMER = 'EXAMPLE C1001';
const EXAMPLE_MARK = /^example\b/i;
const EXAMPLE_MESSAGE =
  "is the template's example row (Customer starts with EXAMPLE): type your own customer over it, or delete the row";

/**
 * Marks the example rows of an upload as errors (whatever the journal validation said of them), so
 * an unchanged template is a 422 (a dry run: valid false) naming the row, and nothing is saved.
 */
function refuseExampleRows(sheet: ReadSheet, outcome: { valid: boolean; rows: RowResult[] }): void {
  const col = matchHeaders(sheet.headers).columns.get('customerId');
  if (col === undefined) return;
  const examples = new Set(
    sheet.rows.filter((r) => EXAMPLE_MARK.test(textCell(r.cells[col] ?? null) ?? '')).map((r) => r.row),
  );
  if (examples.size === 0) return;
  const header = sheet.headers[col] || 'Customer';
  outcome.rows = outcome.rows.map((r) =>
    examples.has(r.row)
      ? {
          ...r,
          status: 'error',
          errors: [{ path: 'customerId', column: header, message: `row ${r.row} ${EXAMPLE_MESSAGE}` }],
        }
      : r,
  );
  outcome.valid = false;
}

/**
 * The adjustments template: columns, data validation, an example row and an instructions sheet.
 * `accountingCurrency` is the currency customer limits are in (the example row's Currency).
 */
async function adjustmentsTemplate(today: string, accountingCurrency: string): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'CreditDesk';
  const ws = wb.addWorksheet('Adjustments', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: 'Customer', key: 'customerId', width: 14 },
    { header: 'Credit group', key: 'creditGroupId', width: 14 },
    { header: 'New limit', key: 'newCreditLimit', width: 14, style: { numFmt: MONEY_FORMAT } },
    { header: 'Currency', key: 'currency', width: 10 },
    { header: 'Expiry', key: 'newExpirationDate', width: 13, style: { numFmt: 'yyyy-mm-dd' } },
    { header: 'From', key: 'newFromDate', width: 13, style: { numFmt: 'yyyy-mm-dd' } },
    { header: 'To', key: 'newToDate', width: 13, style: { numFmt: 'yyyy-mm-dd' } },
    { header: 'Type', key: 'type', width: 13 },
  ];
  ws.getRow(1).font = { bold: true };
  // The example row: marked in its Customer cell (never uploaded, see refuseExampleRows) and in grey italics.
  const example = ws.addRow({
    customerId: EXAMPLE_CUSTOMER,
    newCreditLimit: 50000,
    currency: accountingCurrency,
    newExpirationDate: new Date(`${addDays(today, 365)}T00:00:00Z`),
    type: 'creditLimit',
  });
  example.font = { italic: true, color: { argb: 'FF808080' } };
  for (let r = 2; r <= 1001; r++) {
    ws.getCell(`C${r}`).dataValidation = {
      type: 'decimal',
      operator: 'greaterThanOrEqual',
      formulae: [0],
      allowBlank: true,
      showErrorMessage: true,
      errorTitle: 'New limit',
      error: 'A limit is an amount of 0 or more.',
    };
    ws.getCell(`D${r}`).dataValidation = {
      type: 'textLength',
      operator: 'equal',
      formulae: [3],
      allowBlank: true,
      showErrorMessage: true,
      errorTitle: 'Currency',
      error: `A currency code of 3 letters, e.g. ${accountingCurrency}; or leave it empty.`,
    };
    for (const c of ['E', 'F', 'G'])
      ws.getCell(`${c}${r}`).dataValidation = {
        type: 'date',
        operator: 'greaterThan',
        formulae: [new Date(Date.UTC(2000, 0, 1))],
        allowBlank: true,
        showErrorMessage: true,
        errorTitle: 'Date',
        error: 'Type a date, e.g. 2027-12-31.',
      };
    ws.getCell(`H${r}`).dataValidation = {
      type: 'list',
      formulae: ['"creditLimit,temporary"'],
      allowBlank: true,
      showErrorMessage: true,
      errorTitle: 'Type',
      error: 'creditLimit or temporary',
    };
  }
  const help = wb.addWorksheet('Instructions');
  help.getColumn(1).width = 110;
  [
    'CreditDesk: credit-limit adjustments',
    '',
    'One row per customer (or credit group). Upload the file at POST /api/v1/uploads/adjustments, or with the add-in.',
    `Row 2 is an example (Customer "${EXAMPLE_CUSTOMER}"): type your own rows over it or delete it. A row whose Customer starts with EXAMPLE is never uploaded: the upload is refused, naming the row.`,
    'Customer: the customer account, e.g. C1001. Credit group: instead of Customer, to change a shared group limit.',
    'New limit: the new credit limit (0 or more, at most 2 decimals).',
    `Currency: optional, the currency of the limit, to make sure of it. Customer limits are in ${accountingCurrency}, the accounting currency; a credit group's limit is in the group's own currency. A row whose Currency is another one is refused; an empty Currency is fine.`,
    'Expiry: when the new limit expires (creditLimit rows). Leave it empty to keep the current expiry.',
    'From / To: the window of a temporary limit (temporary rows); both are required for those.',
    'Type: creditLimit (default) or temporary. One upload makes one journal, so use one type per file.',
    'Dates may be typed as 2027-12-31 or 31.12.2027 (day first). Other columns (notes, a Result column) are ignored.',
    'Nothing is saved unless every row is valid; add ?dryRun=true to check a file first.',
  ].forEach((text, i) => {
    const cell = help.getCell(`A${i + 1}`);
    cell.value = text;
    if (i === 0) cell.font = { bold: true, size: 14 };
  });
  return workbookBuffer(wb);
}

/** A workbook holding a CSV upload's rows where they were, to carry the Result column back. */
async function csvWorkbook(sheet: ReadSheet): Promise<ExcelJS.Workbook> {
  const wb = new (await excel()).Workbook();
  const ws = wb.addWorksheet('Adjustments');
  ws.getRow(sheet.headerRow).values = sheet.headers;
  ws.getRow(sheet.headerRow).font = { bold: true };
  for (const r of sheet.rows)
    ws.getRow(r.row).values = r.cells.map((c) => (typeof c === 'string' ? escapeFormula(c) : c));
  return wb;
}

/** Streams a workbook written row by row (exceljs streaming writer): the whole file is never in memory. */
async function streamWorkbook(
  fill: (wb: ExcelJS.stream.xlsx.WorkbookWriter) => Promise<void>,
): Promise<ReadableStream> {
  const out = new PassThrough();
  const wb = new (await excel()).stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  fill(wb)
    .then(() => wb.commit())
    .catch((e: unknown) => out.destroy(e as Error));
  return Readable.toWeb(out) as ReadableStream;
}

/** Text as a cell: formula-like text is escaped so the downloaded sheet cannot run it. */
const text = (v: string | null | undefined) => (v == null ? null : escapeFormula(v));
const amount = (v: string | null | undefined) => (v == null ? null : Number(v));

export function sheetRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/templates/adjustments.xlsx',
      tags: [TAG],
      summary: 'The adjustments template workbook',
      responses: {
        200: {
          description: 'an .xlsx workbook',
          content: { [XLSX]: { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const reader = requestReader(c);
      const { accountingCurrency } = (await getParameters(reader)).values;
      return c.body(
        new Uint8Array(await adjustmentsTemplate(reader.today, accountingCurrency)),
        200,
        attachment('creditdesk-adjustments.xlsx'),
      ) as never;
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(UPLOADERS, 'upload adjustments')],
      method: 'post',
      path: '/api/v1/uploads/adjustments',
      tags: [TAG],
      summary:
        'Upload a sheet of limit changes (.xlsx or .csv, multipart field `file`): one journal when every row is valid',
      description:
        "Headers are matched by name (case, spaces and punctuation ignored; aliases Customer/Account, Credit group, New limit, Currency, Expiry/Expiration, From/To, Type). Rows are validated exactly as journal lines; results name the sheet's own row numbers. An optional Currency column must name the currency of the row's limit when filled (the accounting currency for a customer, the group's currency for a credit group), or the row is refused. With `dryRun=true` nothing is saved. With `Accept: " +
        XLSX +
        '` the answer is the uploaded workbook with a Result column filled in. At most 10 MB and 50,000 rows (413 beyond).',
      request: {
        query: z.object({
          dryRun: z.enum(['true', 'false']).default('false'),
          description: z.string().max(200).optional(),
        }),
        body: {
          content: {
            'multipart/form-data': {
              schema: z.object({
                file: z
                  .custom<File>((v) => v instanceof File, 'must be a file (.xlsx or .csv)')
                  .openapi({ type: 'string', format: 'binary' }),
              }),
            },
          },
          required: true,
        },
      },
      responses: {
        200: jsonResponse(UploadResult, 'checked (dry run)'),
        201: jsonResponse(UploadResult, 'journal created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const dryRun = c.req.valid('query').dryRun === 'true';
      const { file } = c.req.valid('form');
      const bytes = Buffer.from(await file.arrayBuffer());
      const wantsXlsx = (c.req.header('accept') ?? '').includes(XLSX);
      const sheet = await readUpload(bytes);
      const outcome = await checkUpload(requestReader(c), sheet);
      refuseExampleRows(sheet, outcome);
      const answer = (
        status: 200 | 201 | 422,
        ids: { journalId: string | null; uploadId: string | null },
        rows: RowResult[],
      ) => ({
        status,
        body: {
          ...ids,
          dryRun,
          valid: outcome.valid,
          type: outcome.type,
          sheet: outcome.sheet,
          headerRow: outcome.headerRow,
          rows,
        },
      });
      let result: ReturnType<typeof answer>;
      if (dryRun || !outcome.valid) {
        result = answer(dryRun ? 200 : 422, { journalId: null, uploadId: null }, outcome.rows);
      } else {
        const description = c.req.valid('query').description ?? `Upload ${file.name}`.slice(0, 200);
        // The journal and the stored upload in one transaction; an Idempotency-Key replay answers
        // the ids of the first upload without creating anything.
        const created = await command(c, async (tx) => ({
          status: 201,
          body: await applyUpload(tx, { name: file.name || 'upload', type: sheet.kind, bytes }, outcome, description),
        }));
        const ids = (await created.json()) as { journalId: string; uploadId: string };
        result = answer(201, ids, outcome.rows);
      }
      if (wantsXlsx) {
        const wb = sheet.kind === 'xlsx' ? await loadWorkbook(bytes) : await csvWorkbook(sheet);
        annotateWorkbook(
          wb,
          sheet.kind === 'xlsx' ? sheet.sheetName! : 'Adjustments',
          sheet.headerRow,
          outcome.rows,
          result.body.journalId,
        );
        return c.body(
          new Uint8Array(await workbookBuffer(wb)),
          result.status,
          attachment(`${(file.name || 'upload').replace(/\.(xlsx|csv)$/i, '')}-result.xlsx`),
        ) as never;
      }
      // The rows are written in parts (server/http/json-stream.ts): a 50,000-row answer is ~11.5 MB
      // of JSON. A refused upload answers the one error shape with the rows beside it.
      if (result.status === 422) {
        const details = outcome.rows.flatMap((r) =>
          r.errors.map((e) => ({ path: `rows.${r.row}.${e.path}`, message: e.message })),
        );
        const message = `${outcome.rows.filter((r) => r.status === 'error').length} of ${outcome.rows.length} rows have errors; nothing was saved`;
        return c.body(jsonWithList(errorBody('rule_violation', message, details), 'rows', outcome.rows), 422, {
          'content-type': 'application/json',
        }) as never;
      }
      const { rows, ...head } = result.body;
      return c.body(jsonWithList(head, 'rows', rows), result.status, { 'content-type': 'application/json' }) as never;
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/exports/aging.xlsx',
      tags: [TAG],
      summary: 'The aging list as a formatted workbook (the same rows and pool visibility as GET /aging)',
      description:
        "Every row names its currency in a Currency column: the accounting currency in the company view (the default), the customer's own currency with `currency=customer`, as GET /aging answers them.",
      request: {
        query: z.object({
          definitionId: idOf('agingDefinition').optional(),
          poolId: idOf('pool').optional(),
          currency: CurrencyQuery,
        }),
      },
      responses: {
        200: {
          description: 'an .xlsx workbook',
          content: { [XLSX]: { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const list = await agingList(requestReader(c), c.var.actor, { ...q, limit: 50_000 });
      const stream = await streamWorkbook(async (wb) => {
        const ws = wb.addWorksheet('Aging', { views: [{ state: 'frozen', ySplit: 1 }] });
        ws.columns = [
          { header: 'Customer', key: 'customerId', width: 12 },
          { header: 'Name', key: 'name', width: 28 },
          { header: 'Currency', key: 'currency', width: 9 },
          { header: 'Amount due', key: 'amountDue', width: 14, style: { numFmt: MONEY_FORMAT } },
          ...list.periods.map((p, i) => ({ header: p, key: `b${i}`, width: 12, style: { numFmt: MONEY_FORMAT } })),
          { header: 'Unbucketed', key: 'unbucketed', width: 12, style: { numFmt: MONEY_FORMAT } },
          { header: 'Credit limit', key: 'creditLimit', width: 14, style: { numFmt: MONEY_FORMAT } },
          { header: 'Remaining', key: 'remaining', width: 14, style: { numFmt: MONEY_FORMAT } },
          { header: 'Disputed', key: 'disputed', width: 12, style: { numFmt: MONEY_FORMAT } },
          { header: 'Indicator', key: 'indicator', width: 10 },
          { header: 'Snapshot at', key: 'snapshotAt', width: 22 },
          { header: 'Stale', key: 'stale', width: 7 },
        ];
        ws.getRow(1).font = { bold: true };
        ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: ws.columns.length } };
        for (const r of list.items) {
          const row: Record<string, unknown> = {
            customerId: text(r.customerId),
            name: text(r.name),
            currency: text(r.currency),
            amountDue: amount(r.amountDue),
            unbucketed: amount(r.unbucketedAmount),
            creditLimit: amount(r.creditLimit),
            remaining: amount(r.remainingCredit),
            disputed: amount(r.disputedAmount),
            indicator: text(r.indicator),
            snapshotAt: r.snapshotAt,
            stale: r.stale ? 'yes' : '',
          };
          r.buckets.forEach((b, i) => (row[`b${i}`] = amount(b.amount)));
          ws.addRow(row).commit();
        }
        ws.commit();
      });
      return c.body(
        stream,
        200,
        attachment(`aging-${list.definitionId}${q.currency === 'customer' ? '-customer-currency' : ''}.xlsx`),
      ) as never;
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/exports/holds.xlsx',
      tags: [TAG],
      summary:
        "The hold list (orders on hold) as a formatted workbook with a Decision column; each order's amount is in the order's currency, named in the Currency column",
      responses: {
        200: {
          description: 'an .xlsx workbook',
          content: { [XLSX]: { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const holds = (await listHolds(c.var.deps.handle.read, { status: 'onHold', limit: 100_000 })).map(holdRowToHold);
      const stream = await streamWorkbook(async (wb) => {
        const ws = wb.addWorksheet('Held orders', { views: [{ state: 'frozen', ySplit: 1 }] });
        ws.columns = [
          { header: 'Hold', key: 'id', width: 16 },
          { header: 'Order', key: 'order', width: 12 },
          { header: 'Customer', key: 'customer', width: 12 },
          { header: 'Amount', key: 'amount', width: 14, style: { numFmt: MONEY_FORMAT } },
          { header: 'Currency', key: 'currency', width: 9 },
          { header: 'Reasons', key: 'reasons', width: 40 },
          { header: 'Held at', key: 'heldAt', width: 22 },
          { header: 'Version', key: 'version', width: 8 },
          { header: 'Decision', key: 'decision', width: 11 },
          { header: 'Reason code', key: 'reasonCode', width: 13 },
          { header: 'Review date', key: 'reviewDate', width: 12 },
        ];
        ws.getRow(1).font = { bold: true };
        ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: ws.columns.length } };
        for (const h of holds) {
          const row = ws.addRow({
            id: text(h.id),
            order: text(h.salesOrderId),
            customer: text(h.customerId),
            amount: amount(h.orderAmount),
            currency: text(h.currency),
            reasons: text(h.reasons.map((r) => r.explanation ?? r.ruleType).join('; ')),
            heldAt: h.heldAt,
            version: h.version,
          });
          row.getCell('decision').dataValidation = { type: 'list', formulae: ['"Release,Reject"'], allowBlank: true };
          row.commit();
        }
        ws.commit();
      });
      return c.body(stream, 200, attachment('held-orders.xlsx')) as never;
    },
  );
}
