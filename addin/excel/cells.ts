/**
 * Reading what a person typed into cells: Excel hands back numbers, strings, booleans and date
 * serials. These turn cells into the domain's values (money in minor units, calendar dates), or a
 * message for the row. No Office.js here: pure functions.
 */
import { formatMoney, parseMoney, tryParseMoney, tryParseRate, type Money, type Rate } from '../../shared/money';
import { fromDayNumber, isValidDate, toDayNumber, type CalendarDate } from '../../shared/dates';
import type { Cell } from './workbook';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const isBlank = (v: Cell | undefined) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Excel's day 0 is 1899-12-30 (serials count days from it, 1900 leap-year bug included). */
const SERIAL_EPOCH = toDayNumber('1899-12-30');

/** A money cell: a number with at most 2 decimals, or a decimal string ("1,234.50" allowed). */
export function cellMoney(v: Cell, what: string): Parsed<Money> {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { ok: false, message: `${what} is not a number` };
    const cents = Math.round(v * 100);
    if (Math.abs(v * 100 - cents) > 1e-6) return { ok: false, message: `${what} has more than 2 decimals` };
    return tryParseMoney((cents / 100).toFixed(2));
  }
  const s = String(v).trim().replace(/,/g, '');
  const r = tryParseMoney(s);
  return r.ok ? r : { ok: false, message: `${what} "${String(v)}" is not an amount` };
}

function cellRate(v: Cell, what: string): Parsed<Rate> {
  const s = typeof v === 'number' ? String(Math.round(v * 10_000) / 10_000) : String(v).trim().replace(/%$/, '');
  const r = tryParseRate(s);
  return r.ok ? r : { ok: false, message: `${what} "${String(v)}" is not a percentage` };
}

/**
 * A percentage cell, read with its number format: Excel keeps a typed "10%" (or 10 typed into a cell
 * formatted as a percentage) as 0.1 in a percent-formatted cell, so a number there is a fraction of
 * one; a number in any other cell is the percentage itself ("10" is 10 %), and text is read with
 * or without its "%".
 */
export function cellPercent(v: Cell, format: string | undefined, what: string): Parsed<Rate> {
  if (typeof v === 'number' && format?.includes('%')) return cellRate(Math.round(v * 1_000_000) / 10_000, what);
  return cellRate(v, what);
}

/** A date cell: an ISO date typed as text, or a date serial. "31/12/2027" or "next week" is refused. */
export function cellDate(v: Cell, what: string): Parsed<CalendarDate> {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 2_958_466)
    return { ok: true, value: fromDayNumber(SERIAL_EPOCH + v) };
  const s = String(v).trim();
  return isValidDate(s)
    ? { ok: true, value: s }
    : { ok: false, message: `${what} "${String(v)}" is not a date (use YYYY-MM-DD)` };
}

/**
 * A date (YYYY-MM-DD) as Excel's date serial, for a cell formatted as a date: Excel sorts and
 * filters it as a date, and {@link cellDate} reads it back. Empty for no date.
 */
export const dateCell = (d: string | null | undefined): Cell => (d ? toDayNumber(d.slice(0, 10)) - SERIAL_EPOCH : '');

/** An instant (ISO 8601, UTC) as a date-time serial to the minute (days plus the fraction of the day). */
export function dateTimeCell(iso: string | null | undefined): Cell {
  if (!iso) return '';
  const minutes = Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
  return toDayNumber(iso.slice(0, 10)) - SERIAL_EPOCH + minutes / 1440;
}

export const cellText = (v: Cell | undefined) => (v === undefined || v === null ? '' : String(v).trim());

/** Money for a cell: a number Excel formats (exact for amounts below 2^53 cents). */
export const moneyCell = (m: Money | string | null): Cell =>
  m === null ? '' : Number(typeof m === 'string' ? m : formatMoney(m));
export const moneyCellFromString = (s: string | null | undefined): Cell =>
  s === null || s === undefined ? '' : Number(formatMoney(parseMoney(s)));

export type CellRecord = Record<string, Cell>;

/** Rows as records keyed by header (the table's own column order, whatever the user did to it). */
export function recordsOf(headers: readonly string[], rows: readonly Cell[][]): CellRecord[] {
  return rows.map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i] ?? ''])));
}
