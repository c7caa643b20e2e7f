// The bench ledger, the same on SQLite and PostgreSQL: 20 open invoices per customer and an open
// order for every third, in one of two data-set variants. `plain`: everything in USD, the
// accounting currency (AC). `mixed` (issue 20): every 5th customer is a EUR customer (every 4th
// of those GBP) whose invoices and order are in its currency, so 20 % of the invoices and of the
// open orders are foreign; each invoice's AC amount is its amount at the rate on its date; a
// weekly EUR/GBP rate history covers every date the bench uses. `customerCurrency`,
// `ledgerInvoice` and `ledgerOrder` decide every row's currency and amounts; both fills write
// what they return.
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { DbHandle } from '../server/db/connection';
import { addDays } from '../shared/dates';
import { rateOn, toAccounting, type DatedRate } from '../shared/currency';
import { AS_OF } from './requests';

export type LedgerMix = 'plain' | 'mixed';

/** The mixed variant's rows are its plain twin's names with this suffix. */
const MIXED_SUFFIX = ' (20 % foreign)';

/** Whether the sections the variant concerns run it too (`BENCH_MIXED=0` skips it). */
export const RUN_MIXED = process.env.BENCH_MIXED !== '0';

/** The sections' rows of the mixed variant, named as their plain twins plus {@link MIXED_SUFFIX}. */
export const mixedRows = <R extends { name: string }>(rows: R[]): R[] =>
  rows.map((r) => ({ ...r, name: `${r.name}${MIXED_SUFFIX}` }));

const CREATED = `${AS_OF}T00:00:00.000Z`;
/** Invoices are dated up to this many days before AS_OF (0 to 149). */
const LEDGER_DAYS = 150;

/**
 * Weekly rates (AC per unit, scaled by 10^10) from a week before the oldest invoice up to AS_OF:
 * EUR around 1.08 and GBP around 1.26, moving in steps of 0.0025 / 0.003 so that conversions round.
 */
const RATES: ReadonlyMap<string, readonly DatedRate[]> = (() => {
  const weeks = Math.ceil(LEDGER_DAYS / 7); // AS_OF - 154 days … AS_OF
  const dates = Array.from({ length: weeks + 1 }, (_, w) => addDays(AS_OF, -7 * (weeks - w)));
  return new Map([
    ['EUR', dates.map((date, w) => ({ date, rate: 10_800_000_000n + BigInt(((w * 37) % 11) - 5) * 25_000_000n }))],
    ['GBP', dates.map((date, w) => ({ date, rate: 12_600_000_000n + BigInt(((w * 53) % 9) - 4) * 30_000_000n }))],
  ]);
})();

/**
 * The currency of customer c and of its ledger. Foreign customers rather than foreign rows of USD
 * customers: the aging run converts a foreign customer's items one by one for its customer-currency
 * view, which USD customers never need; the credit check converts each foreign order either way.
 */
const customerCurrency = (c: number, mix: LedgerMix) =>
  mix === 'plain' || c % 5 !== 0 ? 'USD' : (c / 5) % 4 === 3 ? 'GBP' : 'EUR';

/** `amount` (TC, minor units) in AC at the rate on `date`: integer arithmetic, rounded half-up once. */
function accounting(amount: number, currency: string, date: string): number {
  if (currency === 'USD') return amount;
  const rate = rateOn(RATES.get(currency)!, date);
  if (rate === undefined) throw new Error(`bench ledger: no ${currency} rate on ${date}`);
  return Number(toAccounting(BigInt(amount), rate));
}

const id = (prefix: string, c: number) => `${prefix}${String(c).padStart(6, '0')}`;
/** Ids of the C customers' rows are T<c>-<n> and SO<c>; of other prefixes' T<prefix><c>-<n>, SO<prefix><c>. */
const tag = (prefix: string) => (prefix === 'C' ? '' : prefix);

/** The n-th open invoice (0–19) of customer `prefix`c: amounts in TC and in AC. */
function ledgerInvoice(prefix: string, c: number, n: number, mix: LedgerMix) {
  const transDate = addDays(AS_OF, -((c * 7 + n * 11) % LEDGER_DAYS));
  const amount = 10_000 + ((c * 31 + n * 17) % 500) * 100;
  const currency = customerCurrency(c, mix);
  return {
    id: `T${tag(prefix)}${c}-${n}`,
    customerId: id(prefix, c),
    currency,
    amount,
    amountAccounting: accounting(amount, currency, transDate),
    transDate,
    dueDate: addDays(transDate, 30),
  };
}

/** The open order of customer `prefix`c (every third customer has one), in TC (the check converts it). */
function ledgerOrder(prefix: string, c: number, mix: LedgerMix) {
  if (c % 3 !== 0) return undefined;
  return {
    id: `SO${tag(prefix)}${c}`,
    customerId: id(prefix, c),
    currency: customerCurrency(c, mix),
    amount: 50_000 + (c % 100) * 1000,
  };
}

const rateRows = () =>
  [...RATES].flatMap(([currency, history]) =>
    history.map((r) => ({
      currency,
      rate_date: r.date,
      rate: r.rate,
      created_at: CREATED,
      updated_at: CREATED,
      version: 1,
    })),
  );

/**
 * The SQLite fill (customers C000000…, already there): raw, one transaction; the mixed variant
 * also sets the foreign customers' currency. Run it before a server opens the file: the rates are
 * read into the server's setup cache on first use, and raw inserts do not invalidate it.
 */
export function fillLedger(dbPath: string, customers: number, mix: LedgerMix): void {
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert =
    db.prepare(`insert into transactions (id, customer_id, type, amount, open_amount, amount_accounting, open_amount_accounting, currency, trans_date, due_date, document_date, tax_amount,
    bank_account_id, payment_journal, source, source_ref, collection_status, promise_date, promise_amount, canceled, closed_date, created_at, version)
    values (?, ?, 'invoice', ?, ?, ?, ?, ?, ?, ?, ?, 0, null, null, 'bench', null, 'notDisputed', null, null, 0, null, '${CREATED}', 1)`);
  const order =
    db.prepare(`insert into sales_orders (id, customer_id, amount, currency, delivered_not_invoiced, invoiced_amount, status, payment_terms_id, cash_discount_id,
    exclude_from_credit_management, invoice_count, credit_status, created_at, updated_at, version) values (?, ?, ?, ?, 0, 0, 'open', null, null, 0, 0, 'clear', '${CREATED}', '${CREATED}', 1)`);
  const rate = db.prepare(
    'insert or ignore into exchange_rates (currency, rate_date, rate, created_at, updated_at, version) values (@currency, @rate_date, @rate, @created_at, @updated_at, @version)',
  );
  const currency = db.prepare('update customers set currency = ? where id = ?');
  db.transaction(() => {
    if (mix === 'mixed') for (const r of rateRows()) rate.run(r);
    for (let c = 0; c < customers; c++) {
      if (customerCurrency(c, mix) !== 'USD') currency.run(customerCurrency(c, mix), id('C', c));
      for (let n = 0; n < 20; n++) {
        const t = ledgerInvoice('C', c, n, mix);
        insert.run(
          t.id,
          t.customerId,
          t.amount,
          t.amount,
          t.amountAccounting,
          t.amountAccounting,
          t.currency,
          t.transDate,
          t.dueDate,
          t.transDate,
        );
      }
      const o = ledgerOrder('C', c, mix);
      if (o) order.run(o.id, o.customerId, o.amount, o.currency);
    }
  })();
  db.close();
}

/**
 * The PostgreSQL fill for `count` customers `prefix`000000… (already there): the same rows and
 * customer currencies, sent as column arrays (unnest) in chunks. Run it before the servers read
 * the rates (raw inserts do not move the setup version); a second fill into the same database
 * finds the rates there already.
 */
export async function fillPostgresLedger(handle: DbHandle, prefix: string, count: number, mix: LedgerMix) {
  if (mix === 'mixed') {
    const rates = rateRows();
    await sql`insert into exchange_rates (currency, rate_date, rate, created_at, updated_at, version)
      select currency, rate_date, rate, ${CREATED}, ${CREATED}, 1
      from unnest(${rates.map((r) => r.currency)}::text[], ${rates.map((r) => r.rate_date)}::text[], ${rates.map((r) => String(r.rate))}::bigint[]) as r(currency, rate_date, rate)
      on conflict do nothing`.execute(handle.db);
  }
  const CHUNK = 5_000; // customers per statement (100,000 invoices)
  for (let from = 0; from < count; from += CHUNK) {
    const strings = () => [] as string[];
    const numbers = () => [] as number[];
    const t = {
      id: strings(),
      customer: strings(),
      currency: strings(),
      amount: numbers(),
      ac: numbers(),
      date: strings(),
      due: strings(),
    };
    const o = { id: strings(), customer: strings(), currency: strings(), amount: numbers() };
    const foreign = { id: strings(), currency: strings() };
    for (let c = from; c < Math.min(count, from + CHUNK); c++) {
      if (customerCurrency(c, mix) !== 'USD') {
        foreign.id.push(id(prefix, c));
        foreign.currency.push(customerCurrency(c, mix));
      }
      for (let n = 0; n < 20; n++) {
        const i = ledgerInvoice(prefix, c, n, mix);
        t.id.push(i.id);
        t.customer.push(i.customerId);
        t.currency.push(i.currency);
        t.amount.push(i.amount);
        t.ac.push(i.amountAccounting);
        t.date.push(i.transDate);
        t.due.push(i.dueDate);
      }
      const order = ledgerOrder(prefix, c, mix);
      if (order) {
        o.id.push(order.id);
        o.customer.push(order.customerId);
        o.currency.push(order.currency);
        o.amount.push(order.amount);
      }
    }
    await sql`insert into transactions (id, customer_id, type, amount, open_amount, amount_accounting, open_amount_accounting, currency, trans_date, due_date, document_date, tax_amount, source, collection_status, canceled, created_at, version)
      select id, customer_id, 'invoice', amount, amount, ac, ac, currency, d, due, d, 0, 'bench', 'notDisputed', 0, ${CREATED}, 1
      from unnest(${t.id}::text[], ${t.customer}::text[], ${t.currency}::text[], ${t.amount}::bigint[], ${t.ac}::bigint[], ${t.date}::text[], ${t.due}::text[])
        as t(id, customer_id, currency, amount, ac, d, due)`.execute(handle.db);
    await sql`insert into sales_orders (id, customer_id, amount, currency, delivered_not_invoiced, invoiced_amount, status, exclude_from_credit_management, invoice_count, credit_status, created_at, updated_at, version)
      select id, customer_id, amount, currency, 0, 0, 'open', 0, 0, 'clear', ${CREATED}, ${CREATED}, 1
      from unnest(${o.id}::text[], ${o.customer}::text[], ${o.currency}::text[], ${o.amount}::bigint[]) as o(id, customer_id, currency, amount)`.execute(
      handle.db,
    );
    if (foreign.id.length > 0)
      await sql`update customers set currency = f.currency from unnest(${foreign.id}::text[], ${foreign.currency}::text[]) as f(id, currency)
        where customers.id = f.id`.execute(handle.db);
  }
}
