/**
 * Money and rates as scaled integers held in `bigint`.
 *
 * Amounts never pass through a binary float: parsing reads decimal text,
 * arithmetic is exact, and every division rounds half away from zero exactly once.
 * Pure TypeScript (no Node or DOM APIs) so it runs on the server and in the browser.
 */

/** An amount in minor units with 2 implied decimals: `123450n` is "1234.50". */
export type Money = bigint;

/**
 * A decimal with 4 implied decimals: `75000n` is 7.5, `1n` is 0.0001.
 * Used as a plain factor by {@link multiplyByRate} and as a percentage by
 * {@link applyPercent} / {@link percentOf} (so 7.5% is `75000n`).
 */
export type Rate = bigint;

/** How {@link roundToMultiple} rounds: 'normal' = half away from zero, 'up' = toward +∞, 'down' = toward −∞. */
export type RoundingMode = 'normal' | 'up' | 'down';

/** Result of the `tryParse*` functions, for validation code that must not throw. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Largest accepted amount: 999999999999.99 (the smallest is its negation). */
export const MONEY_MAX: Money = 99_999_999_999_999n;

/** Largest accepted rate: 999999999999.9999 (the smallest is its negation). */
export const RATE_MAX: Rate = 9_999_999_999_999_999n;

/** Rate units per 1: a {@link Rate} of `RATE_SCALE` is the factor 1 (or 1%). */
export const RATE_SCALE = 10_000n;

const MONEY_DECIMALS = 2;
const RATE_DECIMALS = 4;
const MAX_INTEGER_DIGITS = 12;
const HUNDRED_PERCENT: Rate = 1_000_000n; // i.e. 100% in rate units
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Thrown by {@link parseMoney}. The message starts with "must be …" so callers can prefix a field name.
 * @example
 * try { parseMoney('1,5'); } catch (e) { if (e instanceof MoneyParseError) console.log(`amount ${e.message}`); }
 */
export class MoneyParseError extends Error {
  override name = 'MoneyParseError';
}

/**
 * Thrown by {@link parseRate}; same message style as {@link MoneyParseError}.
 * @example
 * try { parseRate('7.12345'); } catch (e) { if (e instanceof RateParseError) console.log(`rate ${e.message}`); }
 */
export class RateParseError extends Error {
  override name = 'RateParseError';
}

type ErrorClass = new (message: string) => Error;

/** Formats a scaled integer with exactly `decimals` decimals by pure string manipulation. */
export function formatScaled(value: bigint, decimals: number): string {
  const digits = (value < 0n ? -value : value).toString().padStart(decimals + 1, '0');
  const text = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return value < 0n ? `-${text}` : text;
}

const shapeError = (decimals: number, example: string, Err: ErrorClass) =>
  new Err(`must be a decimal with at most ${decimals} decimals, e.g. "${example}"`);
const rangeError = (decimals: number, max: bigint, Err: ErrorClass) =>
  new Err(`must be between ${formatScaled(-max, decimals)} and ${formatScaled(max, decimals)}`);

/** Parses decimal text (or a JSON number via its exact shortest text) into a scaled integer. */
export function parseScaled(input: unknown, decimals: number, max: bigint, example: string, Err: ErrorClass): bigint {
  // The messages are built only on failure: this runs for every amount of a 50,000-row upload
  // and of every credit check.
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (typeof input === 'number' && Number.isFinite(input)) {
    // String(n) is the shortest text that round-trips to n, so no float arithmetic is involved.
    text = String(input);
    // Numbers only use exponent form when |n| ≥ 1e21 (out of range) or |n| < 1e-6 (too many decimals).
    if (text.includes('e+')) throw rangeError(decimals, max, Err);
  } else {
    throw shapeError(decimals, example, Err);
  }
  const match = DECIMAL.exec(text);
  if (!match) throw shapeError(decimals, example, Err);
  const [, sign = '', integer = '', fraction = ''] = match;
  if (fraction.length > decimals) throw shapeError(decimals, example, Err);
  const value = BigInt(sign + integer + fraction.padEnd(decimals, '0'));
  if (value > max || value < -max) throw rangeError(decimals, max, Err);
  // Only reachable with redundant leading zeros, which the documented format excludes.
  if (integer.length > MAX_INTEGER_DIGITS) throw shapeError(decimals, example, Err);
  return value;
}

/** Runs a parser and turns its own error class into a failed {@link ParseResult}. */
function attempt<T>(parse: () => T, Err: ErrorClass): ParseResult<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof Err) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * Parses an amount from a decimal string (`^-?\d{1,12}(\.\d{1,2})?$`) or a finite JSON number
 * with at most 2 decimals, within ±{@link MONEY_MAX}. Throws {@link MoneyParseError} otherwise.
 * @example
 * parseMoney('1234.5'); // 123450n
 * parseMoney(-0.05);    // -5n
 */
export function parseMoney(input: unknown): Money {
  return parseScaled(input, MONEY_DECIMALS, MONEY_MAX, '1234.50', MoneyParseError);
}

/**
 * Like {@link parseMoney} but returns a result instead of throwing.
 * @example
 * tryParseMoney('12.345'); // { ok: false, message: 'must be a decimal with at most 2 decimals, e.g. "1234.50"' }
 */
export function tryParseMoney(input: unknown): ParseResult<Money> {
  return attempt(() => parseMoney(input), MoneyParseError);
}

/**
 * Formats an amount with exactly 2 decimals, a leading "-" when negative and no thousands separators.
 * @example
 * formatMoney(-5n); // "-0.05"
 */
export function formatMoney(m: Money): string {
  return formatScaled(m, MONEY_DECIMALS);
}

/**
 * Minor units as the API's decimal string ("123450" → "1234.50") by moving the decimal point in
 * the digits a database driver gave (a safe integer from SQLite, a string from PostgreSQL): no
 * arithmetic at all, and the same text {@link formatMoney} writes. For writers of thousands of
 * amounts (the aging list's JSON); a test holds it equal to formatMoney.
 * @example
 * formatMinorUnits('-5'); // "-0.05"
 */
export function formatMinorUnits(v: number | string | bigint): string {
  const s = String(v);
  const negative = s.startsWith('-');
  const digits = (negative ? s.slice(1) : s).padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * Whether an amount (e.g. an arithmetic result) is within ±{@link MONEY_MAX} and so can be stored.
 * @example
 * inMoneyRange(MONEY_MAX + 1n); // false
 */
export function inMoneyRange(m: Money): boolean {
  return m >= -MONEY_MAX && m <= MONEY_MAX;
}

/**
 * Sum of the given amounts (0n when none).
 * @example
 * addMoney(10n, 20n, -5n); // 25n
 */
export function addMoney(...xs: Money[]): Money {
  return sumMoney(xs);
}

/**
 * Sum of any iterable of amounts, so generators and arrays work alike.
 * @example
 * sumMoney(['0.10', '0.20'].map(parseMoney)); // 30n
 */
export function sumMoney(xs: Iterable<Money>): Money {
  let total = 0n;
  for (const x of xs) total += x;
  return total;
}

/**
 * The amount with its sign flipped.
 * @example
 * negate(150n); // -150n
 */
export function negate(m: Money): Money {
  return -m;
}

/**
 * Absolute value of an amount.
 * @example
 * absMoney(-150n); // 150n
 */
export function absMoney(m: Money): Money {
  return m < 0n ? -m : m;
}

/**
 * Smallest of one or more amounts.
 * @example
 * minMoney(5n, -3n, 7n); // -3n
 */
export function minMoney(first: Money, ...rest: Money[]): Money {
  return rest.reduce((min, x) => (x < min ? x : min), first);
}

/**
 * Largest of one or more amounts.
 * @example
 * maxMoney(5n, -3n, 7n); // 7n
 */
export function maxMoney(first: Money, ...rest: Money[]): Money {
  return rest.reduce((max, x) => (x > max ? x : max), first);
}

/**
 * Whether the amount is exactly zero.
 * @example
 * isZero(parseMoney('-0.00')); // true
 */
export function isZero(m: Money): boolean {
  return m === 0n;
}

/**
 * Three-way comparison, usable directly as an `Array.prototype.sort` comparator.
 * @example
 * [30n, -1n, 5n].sort(compareMoney); // [-1n, 5n, 30n]
 */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Integer division rounding half away from zero (accounting "half-up": 2.5 → 3, −2.5 → −3).
 * Throws `RangeError` when the denominator is 0.
 * @example
 * divRoundHalfUp(5n, 2n);  // 3n
 * divRoundHalfUp(-5n, 2n); // -3n
 */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('divRoundHalfUp: denominator must be non-zero');
  const quotient = numerator / denominator; // bigint division truncates toward zero
  const twiceRemainder = 2n * (numerator % denominator);
  const absDenominator = denominator < 0n ? -denominator : denominator;
  if ((twiceRemainder < 0n ? -twiceRemainder : twiceRemainder) < absDenominator) return quotient;
  return numerator < 0n === denominator < 0n ? quotient + 1n : quotient - 1n;
}

/**
 * Amount × rate (a plain factor), rounded half away from zero once, to minor units.
 * @example
 * multiplyByRate(parseMoney('100.00'), parseRate('1.2345')); // 12345n ("123.45")
 */
export function multiplyByRate(m: Money, rate: Rate): Money {
  return divRoundHalfUp(m * rate, RATE_SCALE);
}

/**
 * Parses a rate from a decimal string or finite JSON number with at most 4 decimals,
 * within ±{@link RATE_MAX}. Throws {@link RateParseError} otherwise.
 * @example
 * parseRate('7.5'); // 75000n
 * parseRate(7.25);  // 72500n
 */
export function parseRate(input: unknown): Rate {
  return parseScaled(input, RATE_DECIMALS, RATE_MAX, '7.5', RateParseError);
}

/**
 * Like {@link parseRate} but returns a result instead of throwing.
 * @example
 * tryParseRate('abc').ok; // false
 */
export function tryParseRate(input: unknown): ParseResult<Rate> {
  return attempt(() => parseRate(input), RateParseError);
}

/**
 * Formats a rate in minimal form: no trailing zeros and no dangling decimal point.
 * @example
 * formatRate(75000n); // "7.5"
 * formatRate(1n);     // "0.0001"
 */
export function formatRate(r: Rate): string {
  return formatScaled(r, RATE_DECIMALS).replace(/\.?0+$/, '');
}

/**
 * What percentage `part` is of `whole`, rounded half away from zero to 4 decimals; null when whole is 0.
 * @example
 * percentOf(1n, 3n); // 333333n (33.3333%)
 */
export function percentOf(part: Money, whole: Money): Rate | null {
  return whole === 0n ? null : divRoundHalfUp(part * HUNDRED_PERCENT, whole);
}

/**
 * `pct` percent of an amount, rounded half away from zero once, to minor units.
 * @example
 * applyPercent(parseMoney('200.00'), parseRate('7.5')); // 1500n ("15.00")
 */
export function applyPercent(m: Money, pct: Rate): Money {
  return divRoundHalfUp(m * pct, HUNDRED_PERCENT);
}

/**
 * Rounds an amount to a multiple of `step` (> 0, else `RangeError`) for round-off:
 * 'normal' = nearest, halves away from zero; 'up' = toward +∞; 'down' = toward −∞.
 * @example
 * roundToMultiple(parseMoney('13209.15'), parseMoney('10'), 'down'); // 1320000n ("13200.00")
 */
export function roundToMultiple(m: Money, step: Money, mode: RoundingMode): Money {
  if (step <= 0n) throw new RangeError('roundToMultiple: step must be greater than 0');
  const remainder = m % step; // takes the sign of m, step being positive
  const floor = m - (remainder < 0n ? remainder + step : remainder);
  switch (mode) {
    case 'normal':
      return divRoundHalfUp(m, step) * step;
    case 'down':
      return floor;
    case 'up':
      return remainder === 0n ? m : floor + step;
    default:
      throw new RangeError(`roundToMultiple: unknown mode ${String(mode satisfies never)}`);
  }
}
