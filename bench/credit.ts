// Credit-check benchmarks: the pure function with 50 rules, and POST /credit-check over HTTP on a
// SQLite database of 10,000 customers and 200,000 open transactions.
import SQLite from 'better-sqlite3';
import { evaluateCreditCheck } from '../shared/credit/blocking-rules';
import {
  DEFAULT_CREDIT_PARAMETERS,
  RULE_TYPES,
  type BlockingRule,
  type CreditCheckInput,
} from '../shared/credit/types';
import { addDays } from '../shared/dates';

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

/** Fills the bench database with 200,000 open transactions (20 per customer) and some open orders, raw and fast. */
export function fillLedger(dbPath: string, customers: number): void {
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert =
    db.prepare(`insert into transactions (id, customer_id, type, amount, open_amount, currency, trans_date, due_date, document_date, tax_amount,
    bank_account_id, payment_journal, source, source_ref, collection_status, promise_date, promise_amount, canceled, closed_date, created_at, version)
    values (?, ?, ?, ?, ?, 'USD', ?, ?, ?, 0, null, null, 'bench', null, 'notDisputed', null, null, 0, null, '2025-06-30T00:00:00.000Z', 1)`);
  const order =
    db.prepare(`insert into sales_orders (id, customer_id, amount, delivered_not_invoiced, invoiced_amount, status, payment_terms_id, cash_discount_id,
    exclude_from_credit_management, invoice_count, credit_status, created_at, updated_at, version) values (?, ?, ?, 0, 0, 'open', null, null, 0, 0, 'clear', '2025-06-30T00:00:00.000Z', '2025-06-30T00:00:00.000Z', 1)`);
  db.transaction(() => {
    for (let c = 0; c < customers; c++) {
      const customerId = `C${String(c).padStart(6, '0')}`;
      for (let n = 0; n < 20; n++) {
        const transDate = addDays(AS_OF, -((c * 7 + n * 11) % 150));
        const amount = 10_000 + ((c * 31 + n * 17) % 500) * 100;
        insert.run(`T${c}-${n}`, customerId, 'invoice', amount, amount, transDate, addDays(transDate, 30), transDate);
      }
      if (c % 3 === 0) order.run(`SO${c}`, customerId, 50_000 + (c % 100) * 1000);
    }
  })();
  db.close();
}
