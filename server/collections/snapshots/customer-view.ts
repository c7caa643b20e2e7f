import {
  amountInView,
  bucketize,
  rangeSums,
  type AgingCriteria,
  type AgingDefinition,
  type CreditPlacement,
  type CurrencyView,
  type PeriodRange,
  type RangeSums,
} from '../../../shared/collections/aging';
import { fromAccounting } from '../../../shared/currency';
import { formatMoney, type Money } from '../../../shared/money';
import type { OwnCurrencySums } from './snapshots.repository';

/**
 * A snapshot row in the customer's currency (collections.md §2.3 Multi-currency), as a run stores
 * it in `aging_snapshots.customer_view` (migration 011) and GET /aging?currency=customer shows it:
 * the aging amounts by `amountInView` (the TC amount of an item in the customer's currency, else
 * its AC amount at the rate on the as-of date, once per item), and the credit columns, which are
 * in AC, converted at that rate (once per column).
 */
export interface CustomerViewJson {
  amountDue: string;
  buckets: string[];
  unbucketedAmount: string;
  indicator: string | null;
  creditLimit: string | null;
  remainingCredit: string | null;
  packingSlipAmount: string;
  salesOrderAmount: string;
  disputedAmount: string;
}

/** The credit columns of a snapshot row, in the accounting currency. */
export interface CreditColumns {
  creditLimit: Money | null;
  remainingCredit: Money | null;
  packingSlipAmount: Money;
  salesOrderAmount: Money;
}

/** Two sets of per-period sums added up, period by period. */
function addSums(a: RangeSums, b: RangeSums): RangeSums {
  return {
    debits: a.debits.map((d, i) => d + b.debits[i]!),
    credits: a.credits.map((c, i) => c + b.credits[i]!),
    allCredits: a.allCredits + b.allCredits,
    amountDue: a.amountDue + b.amountDue,
  };
}

/**
 * One customer's snapshot row in its own currency: the per-period sums of its items in that
 * currency (TC, as {@link ownCurrencySums} gives them) plus its items in other currencies, each
 * converted from AC at the view's rate (the same amounts {@link ageCustomer} gives with that view),
 * bucketed by the credit placement; the AC credit columns converted at that rate.
 */
export function customerView(input: {
  definition: AgingDefinition;
  ranges: readonly PeriodRange[];
  asOf: string;
  criteria: AgingCriteria;
  creditPlacement: CreditPlacement;
  sums: OwnCurrencySums;
  view: CurrencyView;
  credit: CreditColumns;
}): CustomerViewJson {
  const { view, credit, sums } = input;
  const aged = bucketize(
    input.definition,
    input.ranges,
    input.asOf,
    input.creditPlacement,
    addSums(sums.own, rangeSums(input.ranges, input.criteria, sums.others, view)),
  );
  let disputed = sums.ownDisputed;
  for (const item of sums.others) if (item.disputed) disputed += amountInView(item, view);
  const convert = (m: Money) => formatMoney(fromAccounting(m, view.rate));
  return {
    amountDue: formatMoney(aged.amountDue),
    buckets: aged.buckets.map((b) => formatMoney(b.amount)),
    unbucketedAmount: formatMoney(aged.unbucketedAmount),
    indicator: aged.indicator,
    creditLimit: credit.creditLimit === null ? null : convert(credit.creditLimit),
    remainingCredit: credit.remainingCredit === null ? null : convert(credit.remainingCredit),
    packingSlipAmount: convert(credit.packingSlipAmount),
    salesOrderAmount: convert(credit.salesOrderAmount),
    disputedAmount: formatMoney(disputed),
  };
}
