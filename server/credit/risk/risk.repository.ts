import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { addMonths, type CalendarDate } from '../../../shared/dates';
import { parseMoney, type Money } from '../../../shared/money';
import type {
  AutomaticLimitSetup,
  LimitOperator,
  RiskBand,
  ScoringGroupType,
  ScoringRule,
} from '../../../shared/credit/risk';
import { listSetupRows } from '../setup/setup.repository';
import { setupRowToJson, type SetupJson } from '../setup/setup.resource';
import { wideSum, wideSumSql } from '../../ledger/ceiling';

/** The setup entities of risk scoring (credit.md §1.7, §2.3). */
export const RISK_GROUP = 'riskGroup';
export const SCORING_RULE = 'scoringRule';
export const AUTOMATIC_LIMIT_SETUP = 'automaticLimitSetup';

// ---------------------------------------------------------------------------------------------
// Reading the setup
// ---------------------------------------------------------------------------------------------

const nullableDecimal = (v: unknown): bigint | null => (v === null || v === undefined ? null : parseMoney(v));

export function toScoringRule(id: string, d: Record<string, unknown>): ScoringRule {
  const groupType = d.groupType as ScoringGroupType;
  const lines = (d.lines ?? []) as Record<string, unknown>[];
  if (d.scoreType === 'range') {
    return {
      id,
      groupType,
      scoreType: 'range',
      lines: lines.map((l) => ({
        fromValue: nullableDecimal(l.fromValue),
        toValue: nullableDecimal(l.toValue),
        score: parseMoney(l.score),
      })),
    };
  }
  return {
    id,
    groupType,
    scoreType: 'userDefined',
    lines: lines.map((l) => ({ value: String(l.value), score: parseMoney(l.score) })),
  };
}

const toBand = (r: SetupJson): RiskBand => ({
  id: r.id,
  fromScore: parseMoney(r.fromScore),
  toScore: parseMoney(r.toScore),
});

function toAutomaticSetup(r: SetupJson): AutomaticLimitSetup {
  const lines = (r.lines ?? []) as Record<string, unknown>[];
  return {
    id: r.id,
    riskGroupId: String(r.riskGroupId),
    currency: String(r.currency),
    maxRevenue: parseMoney(r.maxRevenue),
    lines: lines.map((l) => ({
      scoringRuleId: String(l.scoringRuleId),
      operator: l.operator as LimitOperator,
      value: String(l.value),
      creditLimit: parseMoney(l.creditLimit),
    })),
  };
}

export interface RiskSetup {
  /** Scoring groups in id order (the order of contributions). */
  rules: ScoringRule[];
  bands: RiskBand[];
  setups: AutomaticLimitSetup[];
}

/**
 * The risk setup as the open transaction sees it. Read fresh, not through the setup cache, so
 * checks and scoring inside a transaction never see (or cache) another state than their own.
 */
export async function loadRiskSetup(db: Kysely<Database>): Promise<RiskSetup> {
  const [rules, bands, setups] = await Promise.all([
    listSetupRows(db, SCORING_RULE),
    listSetupRows(db, RISK_GROUP),
    listSetupRows(db, AUTOMATIC_LIMIT_SETUP),
  ]);
  return {
    rules: rules.map((r) => toScoringRule(r.id, JSON.parse(r.data) as Record<string, unknown>)),
    bands: bands.map((r) => toBand(setupRowToJson(r))),
    setups: setups.map((r) => toAutomaticSetup(setupRowToJson(r))),
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs from the database (see the approximations in risk.service.ts)
// ---------------------------------------------------------------------------------------------

/** What the ledger says about one customer for scoring (see the approximations at the top), in the accounting currency. */
export interface LedgerFacts {
  balance: Money;
  /** Invoiced sales in (asOf − 12 months, asOf]. */
  sales12: Money;
  settled: { invoiceDate: CalendarDate; settledDate: CalendarDate }[];
}

const CHUNK = 500;

export async function loadLedgerFacts(
  db: Kysely<Database>,
  customerIds: readonly string[],
  asOf: CalendarDate,
): Promise<Map<string, LedgerFacts>> {
  const facts = new Map<string, LedgerFacts>(customerIds.map((id) => [id, { balance: 0n, sales12: 0n, settled: [] }]));
  const windowStart = addMonths(asOf, -12);
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    const ids = customerIds.slice(i, i + CHUNK);
    // Sums come back as text so no driver turns them into floats. Entries of every currency are
    // summed by their accounting-currency amounts (fixed at posting).
    const balances = await db
      .selectFrom('transactions')
      .select(['customer_id', sql<string>`cast(coalesce(sum(open_amount_accounting), 0) as text)`.as('total')])
      .where('customer_id', 'in', ids)
      .where('open_amount', '<>', 0)
      .groupBy('customer_id')
      .execute();
    for (const r of balances) facts.get(r.customer_id)!.balance = BigInt(r.total);
    const sales = await db
      .selectFrom('transactions')
      // Invoices of 12 months, closed ones included, are not bounded by the customer's ceiling on
      // open items (server/ledger/ceiling.ts): summed in two parts that cannot overflow.
      .select(['customer_id', sql<string>`${sql.raw(wideSumSql('amount_accounting'))}`.as('total')])
      .where('customer_id', 'in', ids)
      .where('type', '=', 'invoice')
      .where('canceled', '=', 0)
      .where('trans_date', '>', windowStart)
      .where('trans_date', '<=', asOf)
      .groupBy('customer_id')
      .execute();
    for (const r of sales) facts.get(r.customer_id)!.sales12 = wideSum(r.total);
    const settled = await db
      .selectFrom('transactions')
      .select(['customer_id', 'trans_date', 'closed_date'])
      .where('customer_id', 'in', ids)
      .where('type', '=', 'invoice')
      .where('canceled', '=', 0)
      .where('amount', '>', 0)
      .where('closed_date', 'is not', null)
      .where('closed_date', '<=', asOf)
      .where('trans_date', '<=', asOf)
      .execute();
    for (const r of settled)
      facts.get(r.customer_id)!.settled.push({ invoiceDate: r.trans_date, settledDate: r.closed_date! });
  }
  return facts;
}
