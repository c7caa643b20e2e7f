import type { Kysely, Selectable } from 'kysely';
import type { Database, ExchangeRatesTable } from '../db/schema';
import { toBigInt } from '../db/values';
import { formatExchangeRate, type DatedRate } from '../../shared/currency';
import type { ExchangeRateJson } from './exchange-rates.schema';

type Db = Kysely<Database>;
export type ExchangeRateRow = Selectable<ExchangeRatesTable>;

export function exchangeRateRowToJson(r: ExchangeRateRow): ExchangeRateJson {
  return {
    currency: r.currency,
    date: r.rate_date,
    rate: formatExchangeRate(toBigInt(r.rate)),
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** The list's cursor key: currency and date, in the list's order. */
export const rateKey = (r: { currency: string; rate_date: string }) => `${r.currency}/${r.rate_date}`;

export function listExchangeRates(
  db: Db,
  q: {
    currency?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
    after?: string;
  },
): Promise<ExchangeRateRow[]> {
  let query = db
    .selectFrom('exchange_rates')
    .selectAll()
    .orderBy('currency')
    .orderBy('rate_date')
    .limit(q.limit + 1);
  if (q.currency !== undefined) query = query.where('currency', '=', q.currency);
  if (q.from !== undefined) query = query.where('rate_date', '>=', q.from);
  if (q.to !== undefined) query = query.where('rate_date', '<=', q.to);
  if (q.after !== undefined) {
    const [currency = '', date = ''] = q.after.split('/');
    query = query.where((eb) =>
      eb.or([eb('currency', '>', currency), eb.and([eb('currency', '=', currency), eb('rate_date', '>', date)])]),
    );
  }
  return query.execute();
}

/** The stored rows of some (currency, date) pairs, keyed by {@link rateKey}; `lock` takes their row locks (PostgreSQL). */
export async function findExchangeRates(
  db: Db,
  keys: readonly { currency: string; date: string }[],
  lock: boolean,
): Promise<Map<string, ExchangeRateRow>> {
  const found = new Map<string, ExchangeRateRow>();
  const currencies = [...new Set(keys.map((k) => k.currency))];
  for (const currency of currencies) {
    const dates = [...new Set(keys.filter((k) => k.currency === currency).map((k) => k.date))].sort();
    for (let i = 0; i < dates.length; i += 500) {
      const query = db
        .selectFrom('exchange_rates')
        .selectAll()
        .where('currency', '=', currency)
        .where('rate_date', 'in', dates.slice(i, i + 500))
        .orderBy('rate_date');
      for (const r of await (lock ? query.forUpdate() : query).execute()) found.set(rateKey(r), r);
    }
  }
  return found;
}

export async function saveExchangeRates(
  db: Db,
  rows: readonly ExchangeRateRow[],
  existing: ReadonlyMap<string, ExchangeRateRow>,
): Promise<void> {
  const fresh = rows.filter((r) => !existing.has(rateKey(r)));
  for (let i = 0; i < fresh.length; i += 500)
    await db
      .insertInto('exchange_rates')
      .values(fresh.slice(i, i + 500))
      .execute();
  for (const r of rows.filter((x) => existing.has(rateKey(x))))
    await db
      .updateTable('exchange_rates')
      .set({ rate: r.rate, updated_at: r.updated_at, version: r.version })
      .where('currency', '=', r.currency)
      .where('rate_date', '=', r.rate_date)
      .execute();
}

/** Every rate, by currency, each history sorted by date (the rate book of the setup cache). */
export async function loadRateHistories(db: Db): Promise<Map<string, DatedRate[]>> {
  const out = new Map<string, DatedRate[]>();
  const rows = await db
    .selectFrom('exchange_rates')
    .select(['currency', 'rate_date', 'rate'])
    .orderBy('currency')
    .orderBy('rate_date')
    .execute();
  for (const r of rows) {
    let list = out.get(r.currency);
    if (!list) out.set(r.currency, (list = []));
    list.push({ date: r.rate_date, rate: toBigInt(r.rate) });
  }
  return out;
}

/** Whether any ledger entry or sales order exists (the accounting currency is then fixed). */
export async function anyLedgerEntry(db: Db): Promise<boolean> {
  const t = await db.selectFrom('transactions').select('id').limit(1).executeTakeFirst();
  if (t) return true;
  const o = await db.selectFrom('sales_orders').select('id').limit(1).executeTakeFirst();
  return o !== undefined;
}
