/**
 * Calendar dates as 'YYYY-MM-DD' strings (proleptic Gregorian).
 *
 * Two ranges, on purpose:
 * - **Accepted dates** ({@link EARLIEST_DATE} … {@link LATEST_DATE}, 1900-01-01 … 2199-12-31):
 *   what {@link isValidDate} and {@link parseDate} let in from outside (API bodies, query strings,
 *   upload cells, the add-in's sheets). Every date a user or a feed can store lies here.
 * - **The calendar** (0001-01-01 … 9999-12-31): what the arithmetic can represent. Dates computed
 *   from accepted dates with offsets of a few centuries (grace days, aging periods, ±36,500 days of
 *   a journal) stay well inside it. A result outside it throws {@link CalendarOverflowError} (a
 *   `RangeError`), which the server answers as a 422, never a 500.
 *
 * All arithmetic goes through a day number computed with Howard Hinnant's civil-from-days
 * algorithms, so no local-time `Date` method (and hence no time zone) is ever involved.
 * Functions taking a {@link CalendarDate} validate it and throw {@link DateParseError} when it is not one.
 */

/** A calendar date 'YYYY-MM-DD' with no time and no time zone, e.g. '2025-01-31'. */
export type CalendarDate = string;

/**
 * Thrown for text that is not a valid calendar date. The message starts with "must be …" so callers can prefix a field name.
 * @example
 * try { parseDate('2025-02-30'); } catch (e) { if (e instanceof DateParseError) console.log(`dueDate ${e.message}`); }
 */
export class DateParseError extends Error {
  override name = 'DateParseError';
}

/**
 * Thrown when date arithmetic leaves the calendar (0001-01-01 … 9999-12-31), e.g. 9999-12-31 plus a
 * day. Accepted dates ({@link isValidDate}) with the offsets the API allows never get there; the
 * server maps it to a 422 should a combination of setup values reach it.
 */
export class CalendarOverflowError extends RangeError {
  override name = 'CalendarOverflowError';
}

type Civil = { year: number; month: number; day: number };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/** The earliest date the API (and the add-in) accepts. */
export const EARLIEST_DATE: CalendarDate = '1900-01-01';
/** The latest date the API (and the add-in) accepts. */
export const LATEST_DATE: CalendarDate = '2199-12-31';
const OUT_OF_RANGE = `must be between ${EARLIEST_DATE} and ${LATEST_DATE}`;

/** Returns the parts of a valid date, or the error message explaining why it is not one. */
function check(input: unknown): Civil | string {
  const match = typeof input === 'string' ? DATE.exec(input) : null;
  if (!match) return 'must be a date in the form YYYY-MM-DD, e.g. "2025-01-31"';
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  if (year < MIN_YEAR) return 'must be between 0001-01-01 and 9999-12-31';
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return `must be an existing calendar date; "${String(input)}" does not exist`;
  }
  return { year, month, day };
}

/** Parts of a date, throwing {@link DateParseError} when it is invalid. */
function civil(d: unknown): Civil {
  const parts = check(d);
  if (typeof parts === 'string') throw new DateParseError(parts);
  return parts;
}

/** Formats parts as 'YYYY-MM-DD', refusing years that do not fit four digits. */
function format(year: number, month: number, day: number): CalendarDate {
  if (year < MIN_YEAR || year > MAX_YEAR)
    throw new CalendarOverflowError('a computed date falls outside the calendar (0001-01-01 to 9999-12-31)');
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Throws unless `n` is a safe integer, since fractional days or months have no calendar meaning. */
function requireInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be an integer, got ${n}`);
}

/**
 * Whether a Gregorian year has 366 days.
 * @example
 * isLeapYear(2024); // true
 * isLeapYear(1900); // false
 */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * Number of days in a month (1–12) of a year.
 * @example
 * daysInMonth(2024, 2); // 29
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Why input is not an accepted date (the message starts with "must be …"), or null when it is one:
 * an existing date written exactly 'YYYY-MM-DD' between {@link EARLIEST_DATE} and {@link LATEST_DATE}.
 * The one definition of a date from outside; the API's `DateIn`, upload cells and the add-in use it.
 * @example
 * dateProblem('2025-06-30'); // null
 * dateProblem('9999-12-31'); // 'must be between 1900-01-01 and 2199-12-31'
 */
export function dateProblem(s: unknown): string | null {
  // Text of the right shape compares as the dates do, so the range is checked before the calendar.
  if (typeof s === 'string' && DATE.test(s) && (s < EARLIEST_DATE || s > LATEST_DATE)) return OUT_OF_RANGE;
  const parts = check(s);
  return typeof parts === 'string' ? parts : null;
}

/**
 * Type guard: true only for an accepted date, see {@link dateProblem}.
 * @example
 * isValidDate('2024-02-29'); // true
 * isValidDate('2025-02-30'); // false
 * isValidDate('0001-01-01'); // false (before 1900-01-01)
 */
export function isValidDate(s: unknown): s is CalendarDate {
  return dateProblem(s) === null;
}

/**
 * Validates input as an accepted date, throwing {@link DateParseError} with the message of {@link dateProblem} otherwise.
 * @example
 * parseDate('2025-01-31'); // '2025-01-31'
 */
export function parseDate(s: unknown): CalendarDate {
  const problem = dateProblem(s);
  if (problem !== null) throw new DateParseError(problem);
  return s as CalendarDate;
}

/**
 * Days since 1970-01-01 (negative before it); Hinnant's days_from_civil.
 * @example
 * toDayNumber('1970-01-02'); // 1
 */
export function toDayNumber(d: CalendarDate): number {
  const { year, month, day } = civil(d);
  const y = month <= 2 ? year - 1 : year; // the computational year starts in March so leap days come last
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * The date of a day number (inverse of {@link toDayNumber}); Hinnant's civil_from_days.
 * @example
 * fromDayNumber(0); // '1970-01-01'
 */
export function fromDayNumber(n: number): CalendarDate {
  requireInteger(n, 'day number');
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // month index counted from March
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return format(yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day);
}

/**
 * The date `n` days later (earlier when negative).
 * @example
 * addDays('2024-02-28', 2); // '2024-03-01'
 */
export function addDays(d: CalendarDate, n: number): CalendarDate {
  requireInteger(n, 'days');
  return fromDayNumber(toDayNumber(d) + n);
}

/**
 * The date `n` months later, clamping to the end of a shorter month.
 * @example
 * addMonths('2025-01-31', 1); // '2025-02-28'
 */
export function addMonths(d: CalendarDate, n: number): CalendarDate {
  requireInteger(n, 'months');
  const { year, month, day } = civil(d);
  const index = year * 12 + (month - 1) + n; // months since year 0, so one floor/mod pair handles any sign
  const newYear = Math.floor(index / 12);
  const newMonth = index - newYear * 12 + 1;
  return format(newYear, newMonth, Math.min(day, daysInMonth(newYear, newMonth)));
}

/**
 * The date `n` years later; 29 February clamps to the 28th in common years.
 * @example
 * addYears('2024-02-29', 1); // '2025-02-28'
 */
export function addYears(d: CalendarDate, n: number): CalendarDate {
  requireInteger(n, 'years');
  return addMonths(d, n * 12);
}

/**
 * Signed number of whole days from `a` to `b` (b − a).
 * @example
 * daysBetween('2025-01-31', '2025-03-01'); // 29
 */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

/**
 * Three-way comparison, usable directly as an `Array.prototype.sort` comparator.
 * @example
 * compareDates('2025-01-02', '2024-12-31'); // 1
 */
export function compareDates(a: CalendarDate, b: CalendarDate): -1 | 0 | 1 {
  const diff = toDayNumber(a) - toDayNumber(b);
  return diff < 0 ? -1 : diff > 0 ? 1 : 0;
}

/**
 * Earliest of one or more dates.
 * @example
 * minDate('2025-03-01', '2024-12-31'); // '2024-12-31'
 */
export function minDate(first: CalendarDate, ...rest: CalendarDate[]): CalendarDate {
  civil(first);
  return rest.reduce((min, d) => (compareDates(d, min) < 0 ? d : min), first);
}

/**
 * Latest of one or more dates.
 * @example
 * maxDate('2025-03-01', '2024-12-31'); // '2025-03-01'
 */
export function maxDate(first: CalendarDate, ...rest: CalendarDate[]): CalendarDate {
  civil(first);
  return rest.reduce((max, d) => (compareDates(d, max) > 0 ? d : max), first);
}

/**
 * The UTC calendar date of an instant (default: now), whatever the host time zone.
 * @example
 * todayUtc(new Date('2025-01-01T23:30:00-05:00')); // '2025-01-02'
 */
export function todayUtc(now: Date = new Date()): CalendarDate {
  if (Number.isNaN(now.getTime())) throw new RangeError('todayUtc: invalid Date');
  return format(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
}

/**
 * First day of the date's month.
 * @example
 * startOfMonth('2025-02-14'); // '2025-02-01'
 */
export function startOfMonth(d: CalendarDate): CalendarDate {
  const { year, month } = civil(d);
  return format(year, month, 1);
}

/**
 * Last day of the date's month.
 * @example
 * endOfMonth('2024-02-14'); // '2024-02-29'
 */
export function endOfMonth(d: CalendarDate): CalendarDate {
  const { year, month } = civil(d);
  return format(year, month, daysInMonth(year, month));
}
