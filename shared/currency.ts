/**
 * Exchange rates and currency conversion (credit.md §1, collections.md §1.2 and §2.3).
 *
 * A rate is "accounting currency (AC) per 1 unit of a currency", a decimal with up to 10
 * decimals held as a scaled `bigint` (never a binary float): EUR→USD 1.0825 is `10825000000n`.
 * Every conversion multiplies or divides exactly and rounds half away from zero once, to minor
 * units. Pure TypeScript: the add-in previews with the same code the server applies.
 */
import { divRoundHalfUp, formatScaled, parseScaled, type Money, type ParseResult } from './money';

/** AC units per 1 unit of a currency, scaled by {@link EXCHANGE_RATE_SCALE}. */
export type ExchangeRate = bigint;

const EXCHANGE_RATE_DECIMALS = 10;
/** Rate units per 1: the rate of the accounting currency itself. */
export const EXCHANGE_RATE_SCALE: ExchangeRate = 10_000_000_000n;
/** Largest accepted rate: 99,999,999.9999999999 (it fits a PostgreSQL bigint). */
const EXCHANGE_RATE_MAX: ExchangeRate = 999_999_999_999_999_999n;

class ExchangeRateParseError extends Error {
  override name = 'ExchangeRateParseError';
}

/**
 * Parses a rate: a decimal string (or finite JSON number) with at most 10 decimals, greater than 0.
 * @example
 * tryParseExchangeRate('1.0825'); // { ok: true, value: 10825000000n }
 * tryParseExchangeRate('0').ok;   // false
 */
export function tryParseExchangeRate(input: unknown): ParseResult<ExchangeRate> {
  try {
    const value = parseScaled(input, EXCHANGE_RATE_DECIMALS, EXCHANGE_RATE_MAX, '1.0825', ExchangeRateParseError);
    if (value <= 0n) return { ok: false, message: 'must be greater than 0' };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof ExchangeRateParseError) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * A rate in minimal form (no trailing zeros).
 * @example
 * formatExchangeRate(10825000000n); // "1.0825"
 */
export function formatExchangeRate(r: ExchangeRate): string {
  return formatScaled(r, EXCHANGE_RATE_DECIMALS).replace(/\.?0+$/, '');
}

/**
 * An amount in a currency converted to AC at `rate`, rounded half-up once.
 * @example
 * toAccounting(100000n, 10825000000n); // 108250n: 1,000.00 EUR at 1.0825 is 1,082.50 USD
 */
export function toAccounting(amount: Money, rate: ExchangeRate): Money {
  return divRoundHalfUp(amount * rate, EXCHANGE_RATE_SCALE);
}

/**
 * An AC amount expressed in a currency whose rate is `rate`, rounded half-up once.
 * @example
 * fromAccounting(50000n, 10800000000n); // 46296n: 500.00 USD at 1.08 is 462.96 EUR (collections E8)
 */
export function fromAccounting(amountAccounting: Money, rate: ExchangeRate): Money {
  return divRoundHalfUp(amountAccounting * EXCHANGE_RATE_SCALE, rate);
}

/**
 * An amount in one currency expressed in another through AC (cross rate), rounded half-up once:
 * `amount × from ÷ to`. Equal rates give the amount back.
 * @example
 * convertCurrency(100000n, 10800000000n, 12500000000n); // 86400n: 1,000.00 EUR (1.08) is 864.00 GBP (1.25)
 */
export function convertCurrency(amount: Money, from: ExchangeRate, to: ExchangeRate): Money {
  return from === to ? amount : divRoundHalfUp(amount * from, to);
}

/**
 * The AC part of a partial movement of an entry kept in two currencies: moving `amount` of an
 * open `openAmount` (TC) moves `round(openAccounting × amount ÷ openAmount)` of its open AC amount,
 * and the whole open AC amount when the movement closes the entry, so that an entry closed in TC
 * is closed in AC too and no rounding residue is ever left open (collections.md §2.3: entries are
 * never revalued). Signs follow `amount`.
 * @example
 * accountingShare(100000n, 108250n, 33333n); // 36083n: a third of 1,000.00 EUR booked as 1,082.50 USD
 * accountingShare(100000n, 108250n, 100000n); // 108250n: the whole entry
 */
export function accountingShare(openAmount: Money, openAccounting: Money, amount: Money): Money {
  if (amount === openAmount) return openAccounting;
  if (openAmount === 0n) throw new RangeError('accountingShare: the entry has no open amount');
  return divRoundHalfUp(openAccounting * amount, openAmount);
}

/** One dated rate of a currency. */
export interface DatedRate {
  date: string;
  rate: ExchangeRate;
}

/**
 * The rate on `date`: the latest rate dated on or before it, from a history sorted by date
 * ascending; undefined when the history starts after `date`.
 * @example
 * rateOn([{ date: '2026-01-01', rate: 10800000000n }], '2026-06-30'); // 10800000000n
 */
export function rateOn(history: readonly DatedRate[], date: string): ExchangeRate | undefined {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (history[mid]!.date <= date) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : history[lo - 1]!.rate;
}
