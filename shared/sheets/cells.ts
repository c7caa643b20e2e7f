/**
 * Reading what people type into sheets (SPEC §5 "Sheets without the add-in"): header names to
 * journal fields, amounts with either decimal mark, and dates as ISO text, day-first text or
 * Excel serial numbers. Pure TypeScript, shared by the upload endpoint and the add-in.
 */
import { tryParseMoney, type Money } from '../money';
import { EARLIEST_DATE, fromDayNumber, isValidDate, LATEST_DATE, toDayNumber, type CalendarDate } from '../dates';

/** The journal fields an adjustments sheet can carry. */
export type AdjustmentField =
  | 'customerId'
  | 'creditGroupId'
  | 'newCreditLimit'
  | 'currency'
  | 'newExpirationDate'
  | 'newFromDate'
  | 'newToDate'
  | 'type';

/** A header as compared: lower case, without spaces and punctuation ("New limit" → "newlimit"). */
export function normalizeHeader(h: string): string {
  return h.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Every accepted header (normalized) and its field: the field names and the common aliases. */
const ALIASES: Record<string, AdjustmentField> = {
  customerid: 'customerId',
  customer: 'customerId',
  account: 'customerId',
  customeraccount: 'customerId',
  accountnumber: 'customerId',
  accountnum: 'customerId',
  creditgroupid: 'creditGroupId',
  creditgroup: 'creditGroupId',
  newcreditlimit: 'newCreditLimit',
  newlimit: 'newCreditLimit',
  limit: 'newCreditLimit',
  currency: 'currency',
  currencycode: 'currency',
  limitcurrency: 'currency',
  newexpirationdate: 'newExpirationDate',
  expirationdate: 'newExpirationDate',
  expiration: 'newExpirationDate',
  expiry: 'newExpirationDate',
  expirydate: 'newExpirationDate',
  newfromdate: 'newFromDate',
  fromdate: 'newFromDate',
  from: 'newFromDate',
  newtodate: 'newToDate',
  todate: 'newToDate',
  to: 'newToDate',
  type: 'type',
  journaltype: 'type',
};

/**
 * Which column holds which field. Headers are matched ignoring case, spaces and punctuation, with
 * the aliases of SPEC §5; other columns (notes, a previous Result column) are ignored. The first
 * column wins when two map to the same field.
 * @example
 * matchHeaders(['Customer', 'New limit', 'Notes']); // { columns: Map { 'customerId' => 0, 'newCreditLimit' => 1 }, ignored: ['Notes'] }
 */
export function matchHeaders(headers: readonly string[]): { columns: Map<AdjustmentField, number>; ignored: string[] } {
  const columns = new Map<AdjustmentField, number>();
  const ignored: string[] = [];
  headers.forEach((h, i) => {
    const field = ALIASES[normalizeHeader(h)];
    if (field && !columns.has(field)) columns.set(field, i);
    else if (h.trim() !== '') ignored.push(h);
  });
  return { columns, ignored };
}

/** How much of a cell an answer quotes. */
const QUOTE_CHARS = 40;

/**
 * The start of a text: at most `max` characters (not ending inside a surrogate pair), with "…"
 * when it was cut.
 */
export function prefix(v: string, max: number): string {
  if (v.length <= max) return v;
  const high = v.charCodeAt(max - 1);
  return `${v.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max)}…`;
}

/**
 * A cell quoted in a message: the whole text when short, else its start and its length. A cell
 * may hold 32,767 characters and a sheet 50,000 rows: an answer must not repeat them.
 * @example
 * quoteCell('lots'); // '"lots"'
 * quoteCell('x'.repeat(100)); // '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (100 characters)'
 */
export function quoteCell(v: string, max = QUOTE_CHARS): string {
  return v.length <= max ? `"${v}"` : `"${prefix(v, max)}" (${v.length.toLocaleString('en-US')} characters)`;
}

/** A cell as read from a file: text, a number, a date (xlsx date cells), a boolean or empty. */
export type CellValue = string | number | boolean | Date | null;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const SPACES = /[\s\u00a0\u202f']/g;

/**
 * An amount from a cell. Numbers are taken as they are (at most 2 decimals). Text may use spaces,
 * no-break spaces or apostrophes as thousands separators; with `decimalComma` (a semicolon CSV)
 * "12 500,50" and "12.500,50" are 12500.50, otherwise "12,500.50" is.
 * @example
 * parseAmountCell('12 500,50', true); // { ok: true, value: 1250050n }
 */
export function parseAmountCell(v: CellValue, decimalComma: boolean): Parsed<Money> {
  if (v === null || v === '') return { ok: false, message: 'is empty' };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { ok: false, message: 'is not a number' };
    const r = tryParseMoney(String(v));
    return r.ok ? r : { ok: false, message: `${v} has more than 2 decimals or is out of range` };
  }
  if (typeof v !== 'string') return { ok: false, message: 'is not an amount' };
  let text = v.trim().replace(SPACES, '');
  text = decimalComma ? text.replace(/\./g, '').replace(',', '.') : text.replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(text)) return { ok: false, message: `${quoteCell(v)} is not an amount` };
  const r = tryParseMoney(text);
  return r.ok ? r : { ok: false, message: `${quoteCell(v)} has more than 2 decimals or is out of range` };
}

/** Day number of 1899-12-30: Excel's serial 0 in the 1900 date system (serials from 61 on, past its 1900-02-29). */
const EXCEL_EPOCH = toDayNumber('1899-12-30');

/**
 * A date from a cell: an xlsx date (read as UTC midnight), an Excel serial number, ISO text
 * (2025-06-30) or day-first text (30.06.2025, 30/06/2025, 30-06-2025, the European forms).
 * @example
 * parseDateCell(45838); // { ok: true, value: '2025-06-30' }
 */
export function parseDateCell(v: CellValue): Parsed<CalendarDate> {
  if (v === null || v === '') return { ok: false, message: 'is empty' };
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return { ok: false, message: 'is not a date' };
    const iso = `${String(v.getUTCFullYear()).padStart(4, '0')}-${String(v.getUTCMonth() + 1).padStart(2, '0')}-${String(v.getUTCDate()).padStart(2, '0')}`;
    return { ok: true, value: iso };
  }
  if (typeof v === 'number') {
    // A date-time cell carries the time as a fraction of the day: the date is its whole part.
    if (!Number.isFinite(v) || v < 61 || v >= 2_958_466)
      return { ok: false, message: `${v} is not a date serial number` };
    const date = fromDayNumber(EXCEL_EPOCH + Math.floor(v));
    return date > LATEST_DATE
      ? { ok: false, message: `${v} is the date ${date}, ${dateCellProblem(date)}` }
      : { ok: true, value: date };
  }
  if (typeof v !== 'string') return { ok: false, message: 'is not a date' };
  const text = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text))
    return isValidDate(text)
      ? { ok: true, value: text }
      : { ok: false, message: `${quoteCell(v)} ${dateCellProblem(text)}` };
  const m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text);
  if (m) {
    const iso = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
    const inRange = iso >= EARLIEST_DATE && iso <= LATEST_DATE;
    if (isValidDate(iso)) return { ok: true, value: iso };
    return {
      ok: false,
      message: `${quoteCell(v)} ${dateCellProblem(iso)}${inRange ? ' (day first: 30.06.2025)' : ''}`,
    };
  }
  if (/^\d+$/.test(text)) return parseDateCell(Number(text));
  return { ok: false, message: `${quoteCell(v)} is not a date; use 2025-06-30 or 30.06.2025` };
}

/** Why a date of the right shape is refused: outside the accepted years (shared/dates.ts), or not a day of the calendar. */
function dateCellProblem(iso: string): string {
  return iso < EARLIEST_DATE || iso > LATEST_DATE
    ? `is outside the accepted dates (${EARLIEST_DATE} to ${LATEST_DATE})`
    : 'is not a calendar date';
}

/** Text of an identifier cell (numbers without a decimal part, as Excel shows 1001). */
export function textCell(v: CellValue): string | null {
  if (v === null) return null;
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return null;
  const t = String(v).trim();
  return t === '' ? null : t;
}

/**
 * Text that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a
 * leading apostrophe, so a downloaded sheet shows it as text (OWASP "CSV injection").
 * @example
 * escapeFormula('=HYPERLINK("http://x")'); // "'=HYPERLINK(\"http://x\")"
 */
export function escapeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
