import { sqlAll, type Reader } from '../db/prepared-sql';
import { ruleViolation, type ErrorDetail } from '../http/errors';
import { formatMoney, MONEY_MAX, type Money } from '../../shared/money';

/**
 * How large sums of money may grow, so that every sum the server computes is exact (issue 18).
 *
 * One amount is at most 999,999,999,999.99 (SPEC §4), but nothing bounded how many a customer
 * holds: 100,000 invoices of that amount sum to 10^19 minor units, beyond a 64-bit integer, and
 * SQLite's sum() failed ("integer overflow") as PostgreSQL's bigint columns did ("out of range").
 * The design:
 *
 * - **A ceiling per customer** ({@link CUSTOMER_CEILING}, 9,999,999,999,999.99, ten times the
 *   largest single amount) on the customer's open ledger items, counted as the sum of their
 *   absolute open amounts (the larger of the transaction-currency and the accounting-currency
 *   sums; an entry whose AC amount exceeds the largest single amount is refused), and on its open sales orders, counted as what is not yet invoiced
 *   (amount − invoiced: open plus delivered not invoiced). Every sum over one customer's items or
 *   orders, whatever subset and order SQL adds them in, then lies within ±the ceiling; with
 *   exposure made of both parts, so does a customer's exposure, remaining credit, write-off
 *   net and every aging bucket (stored in bigint columns). The ceiling also keeps those values
 *   below 2^53, so SQLite hands them to JavaScript as exact numbers.
 * - **Enforced where the totals grow.** New ledger entries ({@link requireLedgerRoom}, called by
 *   `appendTransactions` for the feed, fees, interest, reinstated amounts and invoiced orders; the
 *   feed names each refused item, `items.N.amount`); NSFs and write-off reversals, which reopen
 *   settled items, check the customer afterwards ({@link requireLedgerWithinCeiling}); the
 *   sales-order feed checks the orders ({@link requireOrdersWithinCeiling}). Each refusal is a 422
 *   naming the amount and the ceiling, and changes nothing.
 * - **Sums across customers are taken in parts.** A credit group has any number of members, and a
 *   report any number of customers: their SQL sums add `amount / 10^8` and `amount % 10^8`
 *   separately ({@link wideSumSql}) and the parts meet in a bigint ({@link wideSum}), exact for
 *   any number of rows a database holds. Report totals are added in JavaScript bigints.
 *
 * Money never passes through a float: no SQLite total(), no REAL.
 */
export const CUSTOMER_CEILING: Money = 999_999_999_999_999n;

const PART = 100_000_000n;

/**
 * SQL text of an exact sum of an integer expression over any number of rows: two sums, of the
 * quotient and the remainder by 10^8 (both databases truncate toward zero, so q·10^8 + r is the
 * value for negative amounts too), each of which fits 64 bits for 10^10 rows and more, joined as
 * text 'quotient:remainder'. Read it with {@link wideSum}.
 * @example
 * wideSumSql('t.open_amount'); // "cast(coalesce(sum((t.open_amount) / 100000000), 0) as text) || ':' || …"
 */
export function wideSumSql(expression: string): string {
  return `cast(coalesce(sum((${expression}) / ${PART}), 0) as text) || ':' || cast(coalesce(sum((${expression}) % ${PART}), 0) as text)`;
}

/**
 * The value of a {@link wideSumSql} column.
 * @example
 * wideSum('100000000000:5'); // 10000000000000000005n
 */
export function wideSum(text: string | null | undefined): bigint {
  if (!text) return 0n;
  const colon = text.indexOf(':');
  return BigInt(text.slice(0, colon)) * PART + BigInt(text.slice(colon + 1));
}

const OPEN_TOTALS_SQL = `select customer_id, ${wideSumSql('abs(open_amount)')} as total, ${wideSumSql('abs(open_amount_accounting)')} as total_accounting from transactions where open_amount <> 0 and customer_id in`;

/**
 * The larger of Σ |open amount| and Σ |open accounting-currency amount| of each customer's open
 * ledger items (customers without any are left out). Both count: the transaction-currency amounts
 * are summed per customer by the ledger's own reads, the AC ones by every credit decision and
 * aging bucket (issue 20), and an AC amount is larger than its TC amount wherever a rate is above 1.
 */
async function openLedgerTotals(r: Reader, customerIds: readonly string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const ids = [...new Set(customerIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await sqlAll<{ customer_id: string; total: string; total_accounting: string }>(
      r,
      `${OPEN_TOTALS_SQL} (${part.map(() => '?').join(', ')}) group by customer_id`,
      part,
    );
    for (const row of rows) {
      const tc = wideSum(row.total);
      const ac = wideSum(row.total_accounting);
      out.set(row.customer_id, tc > ac ? tc : ac);
    }
  }
  return out;
}

const abs = (m: bigint) => (m < 0n ? -m : m);

/** A new entry as the ceiling counts it: its amount, and its AC amount (omitted: the same). */
interface LedgerEntryAmounts {
  customerId: string;
  amount: bigint;
  amountAccounting?: bigint | undefined;
}
const over = (customerId: string, total: bigint, what: string, counted: string) =>
  `customer ${customerId}'s ${what} would total ${formatMoney(total)} (${counted}), above the ceiling of ${formatMoney(CUSTOMER_CEILING)} a customer may hold`;
const ITEMS = ['open items', 'their open amounts added whatever their sign'] as const;

/**
 * The entries (in order) that would take their customer's open ledger items past the ceiling:
 * each one's index and error. Entries of one customer are counted cumulatively, so a feed batch
 * learns which of its items no longer fit.
 */
export async function ledgerCeilingErrors(
  r: Reader,
  entries: readonly LedgerEntryAmounts[],
): Promise<{ index: number; error: ErrorDetail }[]> {
  const totals = await openLedgerTotals(
    r,
    entries.map((e) => e.customerId),
  );
  const errors: { index: number; error: ErrorDetail }[] = [];
  entries.forEach((e, index) => {
    const accounting = abs(e.amountAccounting ?? e.amount);
    if (accounting > MONEY_MAX) {
      errors.push({
        index,
        error: {
          path: 'amount',
          message: `is ${formatMoney(accounting)} in the accounting currency, above the largest amount ${formatMoney(MONEY_MAX)}`,
        },
      });
      return;
    }
    const total = (totals.get(e.customerId) ?? 0n) + (accounting > abs(e.amount) ? accounting : abs(e.amount));
    totals.set(e.customerId, total);
    if (total > CUSTOMER_CEILING)
      errors.push({
        index,
        error: { path: 'amount', message: `${over(e.customerId, total, ...ITEMS)}: settle or write off items first` },
      });
  });
  return errors;
}

/** 422 naming `amount` when new entries would take a customer's open ledger items past the ceiling. */
export async function requireLedgerRoom(r: Reader, entries: readonly LedgerEntryAmounts[]): Promise<void> {
  const [first] = await ledgerCeilingErrors(r, entries);
  if (first) throw ruleViolation(first.error.message, [first.error]);
}

/** 422 when a customer's open ledger items, as they stand in this transaction, exceed the ceiling (after reopening items). */
export async function requireLedgerWithinCeiling(r: Reader, customerId: string, path = 'date'): Promise<void> {
  const total = (await openLedgerTotals(r, [customerId])).get(customerId) ?? 0n;
  if (total > CUSTOMER_CEILING) {
    const message = `${over(customerId, total, ...ITEMS)}: the items this reopens do not fit`;
    throw ruleViolation(message, [{ path, message }]);
  }
}

const OPEN_ORDERS_SQL = `select ${wideSumSql('amount - invoiced_amount')} as total from sales_orders where customer_id = ? and status = 'open' and id <> ?`;

/**
 * 422 naming `amount` when an open order left with `remaining` not yet invoiced (amount −
 * invoiced) would take its customer's open orders past the ceiling.
 */
export async function requireOrdersWithinCeiling(
  r: Reader,
  customerId: string,
  orderId: string,
  remaining: bigint,
): Promise<void> {
  const [row] = await sqlAll<{ total: string }>(r, OPEN_ORDERS_SQL, [customerId, orderId]);
  const total = wideSum(row?.total) + remaining;
  if (total > CUSTOMER_CEILING) {
    const message = `${over(customerId, total, 'open sales orders', 'what they have not yet invoiced')}: invoice or cancel orders first`;
    throw ruleViolation(message, [{ path: 'amount', message }]);
  }
}
