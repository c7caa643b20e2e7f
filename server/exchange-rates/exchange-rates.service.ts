import { ApiError, ruleViolation, zodDetails, type ErrorDetail } from '../http/errors';
import type { Tx } from '../db/transaction';
import { SETUP, type SetupReader } from '../db/setup-cache';
import { toBigInt } from '../db/values';
import { getParameters } from '../credit/parameters/parameters.service';
import type { BatchItemResult } from '../customers/customers.service';
import { EXCHANGE_RATE_SCALE, rateOn, toAccounting, type DatedRate, type ExchangeRate } from '../../shared/currency';
import type { Money } from '../../shared/money';
import {
  exchangeRateRowToJson,
  findExchangeRates,
  loadRateHistories,
  rateKey,
  saveExchangeRates,
  type ExchangeRateRow,
} from './exchange-rates.repository';
import { ExchangeRateItem } from './exchange-rates.schema';

const EXCHANGE_RATE = 'exchangeRate';

/**
 * The exchange rates as one process holds them (through the setup cache, so a rate committed by
 * any process governs the next request everywhere): the accounting currency and each other
 * currency's dated history. The rate "on date D" is the latest rate dated on or before D
 * (SPEC §Currencies); the accounting currency's rate is always 1.
 */
export class RateBook {
  constructor(
    readonly accountingCurrency: string,
    private readonly histories: ReadonlyMap<string, readonly DatedRate[]>,
  ) {}

  /** The rate of `currency` on `date`, or undefined when none is dated on or before it. */
  rate(currency: string, date: string): ExchangeRate | undefined {
    if (currency === this.accountingCurrency) return EXCHANGE_RATE_SCALE;
    const history = this.histories.get(currency);
    return history ? rateOn(history, date) : undefined;
  }

  /** As {@link rate}, or a 422 naming the currency and date (at `path` in the details). */
  require(currency: string, date: string, path: string): ExchangeRate {
    const rate = this.rate(currency, date);
    if (rate === undefined)
      throw ruleViolation(missingRateMessage(currency, date), [{ path, message: missingRateMessage(currency, date) }]);
    return rate;
  }

  /** `amount` in `currency` in the accounting currency at the rate on `date` (422 when there is none). */
  toAccounting(amount: Money, currency: string, date: string, path: string): Money {
    return currency === this.accountingCurrency ? amount : toAccounting(amount, this.require(currency, date, path));
  }
}

export const missingRateMessage = (currency: string, date: string) =>
  `no exchange rate for ${currency} on or before ${date}: PUT /api/v1/exchange-rates/${currency}/{date} first`;

/** The rate book, through the setup cache. */
export async function rateBook(r: SetupReader): Promise<RateBook> {
  const [params, histories] = await Promise.all([
    getParameters(r),
    r.cache.read(SETUP.exchangeRates, () => loadRateHistories(r.db)),
  ]);
  return new RateBook(params.values.accountingCurrency, histories);
}

/**
 * Stores rates (a PUT of one, or the feed's batch; all or nothing). The accounting currency has
 * no rate of its own (it is 1 by definition): a rate for it is refused. An unchanged rate is
 * accepted without a new version. Every change is audited and in the change feed.
 */
async function putRates(
  tx: Tx,
  items: readonly ExchangeRateItem[],
  paths: readonly string[],
): Promise<{ rows: ExchangeRateRow[]; created: boolean[]; changed: boolean[] }> {
  const { values } = await getParameters(tx);
  const errors: ErrorDetail[] = [];
  items.forEach((i, n) => {
    if (i.currency === values.accountingCurrency)
      errors.push({
        path: `${paths[n]}currency`,
        message: `${i.currency} is the accounting currency: its rate is always 1`,
      });
  });
  if (errors.length > 0) throw ruleViolation(errors[0]!.message, errors);
  const keys = items.map((i) => ({ currency: i.currency, date: i.date }));
  const existing = await findExchangeRates(tx.db, keys, tx.dialect === 'postgres');
  const rows: ExchangeRateRow[] = [];
  const created: boolean[] = [];
  const changed: boolean[] = [];
  const write: ExchangeRateRow[] = [];
  for (const i of items) {
    const key = rateKey({ currency: i.currency, rate_date: i.date });
    const before = existing.get(key);
    if (before && toBigInt(before.rate) === i.rate) {
      rows.push(before);
      created.push(false);
      changed.push(false);
      continue;
    }
    const row: ExchangeRateRow = {
      currency: i.currency,
      rate_date: i.date,
      rate: i.rate,
      created_at: before?.created_at ?? tx.now,
      updated_at: tx.now,
      version: (before?.version ?? 0) + 1,
    };
    write.push(row);
    rows.push(row);
    created.push(!before);
    changed.push(true);
    tx.changed(EXCHANGE_RATE, key, before ? 'update' : 'create', row.version, {
      action: before ? 'exchangeRate.update' : 'exchangeRate.create',
      before: before ? exchangeRateRowToJson(before) : null,
      after: exchangeRateRowToJson(row),
    });
  }
  if (write.length > 0) {
    await saveExchangeRates(tx.db, write, existing);
    tx.invalidate(SETUP.exchangeRates);
  }
  return { rows, created, changed };
}

/** PUT /exchange-rates/{currency}/{date}. */
export async function putExchangeRate(tx: Tx, item: ExchangeRateItem) {
  const { rows, created } = await putRates(tx, [item], ['']);
  return { rate: exchangeRateRowToJson(rows[0]!), created: created[0]! };
}

/** POST /exchange-rates:batch: validated item by item, all or nothing (the feeds' batch shape). */
export async function putExchangeRateBatch(tx: Tx, rawItems: unknown[]) {
  const parsed = rawItems.map((raw) => ExchangeRateItem.safeParse(raw));
  const seen = new Set<string>();
  const results = parsed.map((p, index): BatchItemResult => {
    if (!p.success) return { index, status: 'error', errors: zodDetails(p.error) };
    const key = rateKey({ currency: p.data.currency, rate_date: p.data.date });
    if (seen.has(key))
      return {
        index,
        id: key,
        status: 'error',
        errors: [{ path: 'date', message: `${key} appears more than once in this batch` }],
      };
    seen.add(key);
    return { index, id: key, status: 'ok', errors: [] };
  });
  if (results.some((r) => r.status === 'error'))
    throw new ApiError(
      'rule_violation',
      'some items are invalid; nothing was saved',
      results.flatMap((r) => r.errors.map((e) => ({ path: `items.${r.index}.${e.path}`, message: e.message }))),
      { items: results },
    );
  const items = parsed.map((p) => p.data!);
  const { changed } = await putRates(
    tx,
    items,
    items.map((_, n) => `items.${n}.`),
  );
  return {
    items: results.map((r, n) => (changed[n] ? r : { ...r, unchanged: true })),
    changed: changed.filter(Boolean).length,
  };
}
