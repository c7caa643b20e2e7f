import { addMoney, applyPercent, type Money } from '../money';
import type { CalendarDate } from '../dates';
import type { CreditCustomer, CreditLimitType, ExposureParts, Insurance, TemporaryLimit } from './types';

/**
 * The temporary limit active on `asOf`, if any; with overlapping windows the most recently
 * posted wins (credit.md §1.3 [assume]).
 * @example activeTemporaryLimit([{ amount: 2000000n, fromDate: '2025-06-01', toDate: '2025-07-31', postedSeq: 1 }], '2025-06-30') // → 2000000n
 */
export function activeTemporaryLimit(limits: readonly TemporaryLimit[] | undefined, asOf: CalendarDate): Money | null {
  let best: TemporaryLimit | null = null;
  for (const t of limits ?? []) {
    if (t.fromDate <= asOf && asOf <= t.toDate && (best === null || t.postedSeq > best.postedSeq)) best = t;
  }
  return best === null ? null : best.amount;
}

/**
 * What one active policy adds to the limit: value × pct, less the full value when it is
 * included in exposure (credit.md §1.4: 100,000 + 25,000 − 50,000 = 75,000).
 */
export function insuranceContribution(p: Insurance): Money {
  const covered = applyPercent(p.value, p.updateCreditLimitPct);
  return p.includedInExposure ? covered - p.value : covered;
}

/**
 * The customer's total credit limit on `asOf`: the active temporary limit or the base limit,
 * plus every active insurance or guarantee (inclusive dates).
 * @example totalCreditLimit(customer, [], [{ value: 5000000n, updateCreditLimitPct: 500000n, includedInExposure: false, … }], '2025-06-30') // base + 25,000.00
 */
export function totalCreditLimit(
  customer: Pick<CreditCustomer, 'creditLimit'>,
  temporaryLimits: readonly TemporaryLimit[] | undefined,
  insurances: readonly Insurance[] | undefined,
  asOf: CalendarDate,
): Money {
  const base = activeTemporaryLimit(temporaryLimits, asOf) ?? customer.creditLimit;
  let total = base;
  for (const p of insurances ?? []) {
    if (p.effectiveDate <= asOf && asOf <= p.expirationDate) total += insuranceContribution(p);
  }
  return total;
}

/**
 * Exposure by the `creditLimitType` parameter (credit.md §1.9). With type `none`, only a
 * mandatory limit is checked, against the balance.
 * @example exposureTotal('balancePlusAll', { balance: 600000n, deliveredNotInvoiced: 0n, openOrders: 200000n }, false) // → 800000n
 */
export function exposureTotal(type: CreditLimitType, parts: ExposureParts, mandatory: boolean): Money {
  switch (type) {
    case 'balance':
      return parts.balance;
    case 'balancePlusPackingSlip':
      return addMoney(parts.balance, parts.deliveredNotInvoiced);
    case 'balancePlusAll':
      return addMoney(parts.balance, parts.deliveredNotInvoiced, parts.openOrders);
    case 'none':
      return mandatory ? parts.balance : 0n;
  }
}

/** Whether credit-limit rules look at the limit at all for this type (§1.9: `none` checks only mandatory limits). */
export function limitIsChecked(type: CreditLimitType, mandatory: boolean): boolean {
  return type !== 'none' || mandatory;
}
