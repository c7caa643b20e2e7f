/**
 * A `credit-context:batch` answer made up for tests and the bench (no server): customers with a
 * limit, a balance and open orders under one "credit limit used > 100 %" rule, some with a held order.
 */
import { DEFAULT_CREDIT_PARAMETERS } from '../../shared/credit/types';
import { formatMoney } from '../../shared/money';
import type { CreditContextJson, CustomerContextJson } from '../sync/credit-context';

export interface FixtureOptions {
  asOf?: string;
  /** Every n-th customer has one held order of 5,000.00 (0 = none). */
  holdsEvery?: number;
  creditLimit?: (i: number) => bigint;
  balance?: (i: number) => bigint;
  openOrders?: (i: number) => bigint;
  rules?: boolean;
}

export function creditContextFixture(ids: readonly string[], o: FixtureOptions = {}): CreditContextJson {
  const money = (f: ((i: number) => bigint) | undefined, i: number, d: bigint) => formatMoney(f ? f(i) : d);
  const customers = ids.map((id, i): CustomerContextJson => {
    const exposureParts = {
      balance: money(o.balance, i, 0n),
      deliveredNotInvoiced: '0.00',
      openOrders: money(o.openOrders, i, 0n),
    };
    return {
      id,
      name: `Customer ${id}`,
      customer: {
        creditLimit: money(o.creditLimit, i, 100_000n),
        creditLimitExpirationDate: null,
        mandatoryCreditLimit: false,
        unlimitedCredit: false,
        excludeFromCreditManagement: false,
        ignoreUntilDate: null,
        creditManagementGroupId: null,
        accountStatusId: null,
        riskGroupId: null,
        paymentTermsId: null,
        cashDiscountId: null,
      },
      exposureParts,
      overdue: { oldestOverdueDueDate: null, overdueAmount: '0.00' },
      order: { amount: '0.00', paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
      temporaryLimits: [],
      insurances: [],
      group: null,
      heldOrders:
        o.holdsEvery && i % o.holdsEvery === 0
          ? [
              {
                holdId: `H-${id}`,
                salesOrderId: `SO-${id}`,
                order: {
                  amount: '5000.00',
                  paymentTermsId: null,
                  cashDiscountId: null,
                  excludeFromCreditManagement: false,
                },
                exposureParts,
                groupMembersExposure: null,
              },
            ]
          : [],
    };
  });
  const rule = {
    id: 'R1',
    ruleType: 'creditLimitUsed',
    kind: 'blocking' as const,
    validFor: 'all' as const,
    accountOrGroup: null,
    riskGroupId: null,
    valueType: 'percent',
    days: null,
    amount: null,
    percent: '100',
    creditLimitThreshold: null,
    accountStatusId: null,
    paymentTermsId: null,
    releaseSalesOrder: false,
    description: null,
    sentence: 'credit limit used after the order > 100%',
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    version: 1,
  };
  return {
    asOf: o.asOf ?? '2026-11-23',
    parameters: DEFAULT_CREDIT_PARAMETERS,
    rules: o.rules === false ? [] : [rule],
    paymentTermsRanks: {},
    cashDiscountRanks: {},
    customers,
    creditGroups: [],
    unknownCustomerIds: [],
    unknownCreditGroupIds: [],
  };
}
