/**
 * Credit figures across currencies (credit.md §1.2, §1.4, §1.9, §3; SPEC "Currencies"): a
 * customer's limits, its exposure and the rules' amounts are in the accounting currency (AC);
 * an order, a policy and a customer credit group each keep their own currency. The credit check
 * converts on the check date. Pure: the server's credit input and the add-in's preview convert
 * with the same functions, each rounding half-up once per line it converts (shared/currency.ts).
 */
import { fromAccounting, toAccounting, type ExchangeRate } from '../currency';
import type { Money } from '../money';
import type { Insurance } from './types';

/** One open order in another currency than AC: what of it is delivered and not invoiced, and what is still open. */
export interface ForeignOrder {
  currency: string;
  deliveredNotInvoiced: Money;
  openOrders: Money;
}

/**
 * Orders in other currencies as exposure in AC: each order's delivered-not-invoiced and open parts
 * converted at its currency's rate, rounded once per part of each order (never per sum), so that
 * leaving one order out (the order being checked, a held order's re-check) changes the totals by
 * exactly what that order adds. `rateOf` gives a currency's rate on the check date (or throws).
 * @example
 * ordersInAccounting([{ currency: 'EUR', deliveredNotInvoiced: 0n, openOrders: 100000n }], () => 11000000000n);
 * // → { deliveredNotInvoiced: 0n, openOrders: 110000n }: 1,000.00 EUR at 1.10 is 1,100.00 USD
 */
export function ordersInAccounting(
  orders: Iterable<ForeignOrder>,
  rateOf: (currency: string) => ExchangeRate,
): { deliveredNotInvoiced: Money; openOrders: Money } {
  let deliveredNotInvoiced = 0n;
  let openOrders = 0n;
  for (const o of orders) {
    const rate = rateOf(o.currency);
    deliveredNotInvoiced += toAccounting(o.deliveredNotInvoiced, rate);
    openOrders += toAccounting(o.openOrders, rate);
  }
  return { deliveredNotInvoiced, openOrders };
}

/**
 * A policy as the credit check counts it: its value (in the policy's currency) in AC at the rate
 * on the check date, rounded once; what it adds to the limit is then taken from that AC value.
 * @example
 * insuranceInAccounting({ value: 1000000n, … }, 11000000000n).value; // 1100000n: 10,000.00 EUR at 1.10
 */
export function insuranceInAccounting(policy: Insurance, rate: ExchangeRate): Insurance {
  return { ...policy, value: toAccounting(policy.value, rate) };
}

/**
 * An AC amount in a credit group's currency (credit.md §3: members' exposure and the order amount
 * are converted to the group currency), rounded once; without a rate the group is in AC.
 * @example
 * inGroupCurrency(110000n, 11000000000n); // 100000n: 1,100.00 USD is 1,000.00 EUR at 1.10
 */
export function inGroupCurrency(amountAccounting: Money, rate: ExchangeRate | undefined): Money {
  return rate === undefined ? amountAccounting : fromAccounting(amountAccounting, rate);
}

/**
 * An amount in a credit group's currency back in AC (the binding figures of a check whose group
 * limit binds are shown in AC), rounded once; without a rate the group is in AC.
 * @example
 * groupAmountInAccounting(100000n, 11000000000n); // 110000n
 */
export function groupAmountInAccounting(amount: Money, rate: ExchangeRate | undefined): Money {
  return rate === undefined ? amount : toAccounting(amount, rate);
}
