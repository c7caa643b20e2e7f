// The pure credit-check benchmark: the shared function with 50 rules (the rules are the bench
// data's too; the ledger is bench/ledger.ts).
import { evaluateCreditCheck } from '../shared/credit/blocking-rules';
import {
  DEFAULT_CREDIT_PARAMETERS,
  RULE_TYPES,
  type BlockingRule,
  type CreditCheckInput,
} from '../shared/credit/types';

const AS_OF = '2025-06-30';

/** 50 rules of every type and scope, most of them not applying to the customer checked. */
export function fiftyRules(): BlockingRule[] {
  return Array.from({ length: 50 }, (_, i): BlockingRule => {
    const ruleType = RULE_TYPES[i % RULE_TYPES.length]!;
    const validFor =
      ruleType === 'accountStatus' || ruleType === 'termsOfPayment'
        ? 'all'
        : (['all', 'group', 'table'] as const)[i % 3]!;
    return {
      id: `R${i}`,
      ruleType,
      kind: i % 5 === 4 ? 'exclusion' : 'blocking',
      validFor,
      accountOrGroup:
        validFor === 'table' ? `C${String(i).padStart(6, '0')}` : validFor === 'group' ? (i % 2 ? 'STD' : 'KEY') : null,
      riskGroupId: null,
      valueType: ruleType === 'daysOverdue' ? 'days' : ruleType === 'overdueAmount' ? 'percent' : null,
      days: 30 + i,
      amount: 5_000_000n + BigInt(i) * 10_000n,
      percent: 1_000_000n,
      creditLimitThreshold: 700_000n,
      accountStatusId: 'Collections',
      paymentTermsId: 'CIA',
      releaseSalesOrder: false,
    };
  });
}

function sampleInput(rules: BlockingRule[]): CreditCheckInput {
  return {
    asOf: AS_OF,
    parameters: { ...DEFAULT_CREDIT_PARAMETERS, paymentTermsIncreased: true },
    customer: {
      id: 'C000007',
      creditLimit: 1_000_000n,
      creditLimitExpirationDate: '2025-12-31',
      mandatoryCreditLimit: false,
      unlimitedCredit: false,
      excludeFromCreditManagement: false,
      creditManagementGroupId: 'STD',
      accountStatusId: 'Normal',
      riskGroupId: 'Medium',
      paymentTermsId: 'Net30',
      cashDiscountId: null,
    },
    exposureParts: { balance: 600_000n, deliveredNotInvoiced: 0n, openOrders: 200_000n },
    overdue: { oldestOverdueDueDate: '2025-04-01', overdueAmount: 100_000n },
    order: { amount: 250_000n, paymentTermsId: 'Net60', cashDiscountId: null, excludeFromCreditManagement: false },
    rules,
    paymentTermsRanks: new Map([
      ['Net10', 1],
      ['Net30', 2],
      ['Net60', 3],
    ]),
  };
}

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** p50 in µs of `fn` over `n` timed calls after a warm-up. */
function timeP50(fn: () => unknown, n = 20_000): number {
  for (let i = 0; i < 5_000; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return p50(samples);
}

export function benchPureCheck(): { withRules: number; noRules: number } {
  const full = sampleInput(fiftyRules());
  const bare = { ...sampleInput([]), parameters: { ...DEFAULT_CREDIT_PARAMETERS } };
  return { withRules: timeP50(() => evaluateCreditCheck(full)), noRules: timeP50(() => evaluateCreditCheck(bare)) };
}
