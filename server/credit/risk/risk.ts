/**
 * Risk scoring (credit.md §1.7, §1.8, §2.3, §7 "Update risk scores"):
 * - setup kinds `risk-groups` (score bands), `scoring-rules` (scoring groups) and
 *   `automatic-limit-setups`, PUT-upserted through the generic setup factory;
 * - `POST /api/v1/risk-scores:update`, which computes each customer's inputs from the database,
 *   scores them with the pure engine (shared/credit/risk.ts) and stores `risk_score` and
 *   `risk_group_id`, all in one transaction;
 * - {@link automaticLimitsFor}, the automatic credit limits for journal generation (mode `automatic`).
 *
 * Approximations (the database holds no balance statistics table yet):
 * - **Average balance** is the current balance (Σ open amounts of every ledger entry), not the
 *   mean of 12 month-end balances.
 * - **DSO** (12 months) uses that same current balance as the outstanding balance, and as sales
 *   the invoices (type `invoice`, not canceled) dated in `(asOf − 12 months, asOf]`; the days are
 *   capped by `customerSince` (§1.8). No sales → no DSO (the input is unknown and scores 0).
 * - **Average payment days** is the mean of `closedDate − invoiceDate` over invoices fully
 *   settled on or before `asOf` (all history, not only 12 months); `closedDate` is the date of the
 *   settlement that brought the invoice to zero, so a partly paid invoice does not count yet.
 * - **Customer since / in business since** are whole years (anniversaries passed) from
 *   `customerSince` / `businessStartedDate` to `asOf`.
 * - **Country**: customers have no country column, so a `country` group's input is entered by
 *   hand like a user-defined value.
 * - **Hand-entered inputs are the customer's**: stored on it (`riskInputs`, set through
 *   PATCH /customers/{id}/credit-profile or the `userDefined` of a scoring call, which replaces the
 *   stored value of each rule it names) and used by every later run and by automatic limits.
 * - **Revenue** for automatic limits is the 12-month invoiced sales above, in the customer's
 *   currency, unless the caller passes its own figure.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { AppEnv } from '../../http/env';
import type { Tx } from '../../db/transaction';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { ruleViolation, type ErrorDetail } from '../../http/errors';
import { refuseWhileUsed, USES } from '../setup/in-use';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { Currency, DateIn, Id, MoneyIn, NonNegativeMoneyIn } from '../../http/schemas';
import { toBigIntOrNull } from '../../db/values';
import { addMonths, todayUtc, type CalendarDate } from '../../../shared/dates';
import { formatMoney, parseMoney, tryParseMoney, type Money } from '../../../shared/money';
import {
  automaticLimitFor,
  averagePaymentDays,
  dso,
  HAND_ENTERED_GROUP_TYPES,
  inputKind,
  LIMIT_OPERATORS,
  overlappingBands,
  overlappingRangeLines,
  riskGroupFor,
  riskScore,
  SCORING_GROUP_TYPES,
  wholeYears,
  type AutomaticLimitSetup,
  type LimitOperator,
  type RiskBand,
  type RiskInput,
  type RiskInputs,
  type ScoringGroupType,
  type ScoringRule,
} from '../../../shared/credit/risk';
import { CUSTOMER, customerRowToCustomer, findCustomersByIds, lockRows, riskInputsOf, type CustomerRow } from '../../customers/customers.repository';
import { listSetupRows } from '../setup/setup.repository';
import { registerSetupKind, setupRowToJson, type SetupJson, type SetupKind } from '../setup/setup.resource';

const TAG = 'Risk scoring';
const Description = z.string().trim().min(1).max(200);
/** A score or a numeric input: a decimal with at most 2 decimals. */
const Decimal2 = MoneyIn.openapi({ type: 'string', example: '30.00', description: 'decimal string or number with at most 2 decimals' });
/** A label or a decimal, compared with a customer's input. Numbers are taken by their exact text. */
const ValueIn = z
  .union([z.string().trim().min(1).max(100), z.number()])
  .transform((v) => String(v))
  .openapi({ type: 'string', example: 'STD' });

const decimalText = (text: string): bigint | null => {
  const r = tryParseMoney(text);
  return r.ok ? r.value : null;
};

// ---------------------------------------------------------------------------------------------
// Setup kinds
// ---------------------------------------------------------------------------------------------

export const RiskGroupInput = z
  .strictObject({
    description: Description,
    fromScore: Decimal2,
    toScore: Decimal2,
    indicator: z.string().trim().min(1).max(30).nullish().openapi({ description: 'icon or colour shown with the group, e.g. "red"' }),
  })
  .openapi('RiskGroupInput');

export const riskGroups: SetupKind<typeof RiskGroupInput> = {
  entity: 'riskGroup',
  path: 'risk-groups',
  noun: 'risk group',
  tag: TAG,
  input: RiskGroupInput,
  toData: (i) => ({ description: i.description, fromScore: formatMoney(i.fromScore), toScore: formatMoney(i.toScore), indicator: i.indicator ?? null }),
  async validate(tx, id, input) {
    if (input.fromScore > input.toScore) throw ruleViolation('a risk group runs from its lower score to its higher one', [{ path: 'toScore', message: `must be at least fromScore (${formatMoney(input.fromScore)})` }]);
    const others = (await loadRiskSetup(tx.db)).bands;
    const hits = overlappingBands({ id, fromScore: input.fromScore, toScore: input.toScore }, others);
    if (hits.length) {
      const shown = hits.map((h) => {
        const b = others.find((o) => o.id === h)!;
        return `${h} (${formatMoney(b.fromScore)}–${formatMoney(b.toScore)})`;
      });
      throw ruleViolation(`risk groups must not overlap: ${formatMoney(input.fromScore)}–${formatMoney(input.toScore)} overlaps ${shown.join(', ')}`, [{ path: 'fromScore', message: `the band overlaps ${shown.join(', ')} (both ends are inclusive)` }]);
    }
  },
  async beforeDelete(tx, id) {
    await refuseWhileUsed('risk group', [USES.customers('risk_group_id'), USES.rules('risk_group_id')])(tx, id);
    const setup = (await loadRiskSetup(tx.db)).setups.find((s) => s.riskGroupId === id);
    if (setup) throw ruleViolation(`risk group ${id} is used by automatic limit setup ${setup.id}; change or delete the setup first`);
  },
};

const RangeLineIn = z.strictObject({
  fromValue: Decimal2.nullish().openapi({ description: 'lowest input of the line (inclusive); null = no lower bound' }),
  toValue: Decimal2.nullish().openapi({ description: 'highest input of the line (inclusive); null = no upper bound' }),
  score: Decimal2,
});
const ValueLineIn = z.strictObject({ value: ValueIn, score: Decimal2 });
const scoringBase = {
  description: Description,
  groupType: z.enum(SCORING_GROUP_TYPES).openapi({ description: 'the input the group scores (credit.md §1.7)' }),
};
export const ScoringRuleInput = z
  .discriminatedUnion('scoreType', [
    z.strictObject({ ...scoringBase, scoreType: z.literal('range'), lines: z.array(RangeLineIn).max(500) }),
    z.strictObject({ ...scoringBase, scoreType: z.literal('userDefined'), lines: z.array(ValueLineIn).max(500) }),
  ])
  .openapi('ScoringRuleInput');
type ScoringRuleInput = z.output<typeof ScoringRuleInput>;

function scoringRuleData(i: ScoringRuleInput): Record<string, unknown> {
  const lines =
    i.scoreType === 'range'
      ? i.lines.map((l) => ({ fromValue: l.fromValue == null ? null : formatMoney(l.fromValue), toValue: l.toValue == null ? null : formatMoney(l.toValue), score: formatMoney(l.score) }))
      : i.lines.map((l) => ({ value: l.value, score: formatMoney(l.score) }));
  return { description: i.description, groupType: i.groupType, scoreType: i.scoreType, lines };
}

/** Line checks of a scoring group: ranges in order and apart, values distinct and of the input's kind. */
function scoringRuleErrors(i: ScoringRuleInput): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const kind = inputKind(i);
  if (i.scoreType === 'range') {
    if (kind === 'label') errors.push({ path: 'scoreType', message: `a ${i.groupType} group scores labels: use scoreType "userDefined" with one line per value` });
    i.lines.forEach((l, n) => {
      if (l.fromValue != null && l.toValue != null && l.fromValue > l.toValue) errors.push({ path: `lines.${n}.toValue`, message: `must be at least fromValue (${formatMoney(l.fromValue)})` });
    });
    for (const [a, b] of overlappingRangeLines(i.lines.map((l) => ({ fromValue: l.fromValue ?? null, toValue: l.toValue ?? null })))) {
      errors.push({ path: `lines.${b}.fromValue`, message: `overlaps line ${a} (both ends are inclusive)` });
    }
  } else {
    const seen = new Map<string, number>();
    i.lines.forEach((l, n) => {
      let key = l.value;
      if (kind === 'number') {
        const v = decimalText(l.value);
        if (v === null) {
          errors.push({ path: `lines.${n}.value`, message: `a ${i.groupType} input is a number: must be a decimal with at most 2 decimals` });
          return;
        }
        key = formatMoney(v);
      }
      const first = seen.get(key);
      if (first !== undefined) errors.push({ path: `lines.${n}.value`, message: `repeats line ${first}` });
      else seen.set(key, n);
    });
  }
  return errors;
}

export const scoringRules: SetupKind<typeof ScoringRuleInput> = {
  entity: 'scoringRule',
  path: 'scoring-rules',
  noun: 'scoring rule',
  tag: TAG,
  input: ScoringRuleInput,
  toData: scoringRuleData,
  async validate(tx, id, input) {
    const errors = scoringRuleErrors(input);
    if (errors.length) throw ruleViolation(`the lines of scoring rule ${id} do not fit its ${input.groupType} input`, errors);
    // Automatic limit lines that compare this group's input must still make sense.
    const setup = await loadRiskSetup(tx.db);
    const rule = toScoringRule(id, scoringRuleData(input));
    for (const s of setup.setups) {
      const bad = limitLineErrors(s.lines, new Map([...setup.rules.map((r) => [r.id, r] as const), [id, rule]])).filter((e) => s.lines[Number(e.path.split('.')[1])]?.scoringRuleId === id);
      if (bad.length) throw ruleViolation(`automatic limit setup ${s.id} compares this group's input in a way the change would break: ${bad[0]!.message}`, [{ path: 'groupType', message: `automatic limit setup ${s.id}: ${bad[0]!.message}` }]);
    }
  },
  async beforeDelete(tx, id) {
    const setup = (await loadRiskSetup(tx.db)).setups.find((s) => s.lines.some((l) => l.scoringRuleId === id));
    if (setup) throw ruleViolation(`scoring rule ${id} is used by automatic limit setup ${setup.id}; change or delete the setup first`);
  },
};

/** Accepted spellings of the operators, stored as the symbols of credit.md §2.3. */
const OPERATOR_SPELLINGS: Record<string, LimitOperator> = { '=': '=', '≠': '≠', '!=': '≠', '<>': '≠', '<': '<', '≤': '≤', '<=': '≤', '>': '>', '≥': '≥', '>=': '≥' };
const OperatorIn = z
  .enum(Object.keys(OPERATOR_SPELLINGS) as [string, ...string[]])
  .transform((o) => OPERATOR_SPELLINGS[o]!)
  .openapi({ description: `one of ${LIMIT_OPERATORS.join(' ')} (or != <> <= >=)`, example: '≥' });

export const AutomaticLimitSetupInput = z
  .strictObject({
    riskGroupId: Id,
    currency: Currency,
    maxRevenue: NonNegativeMoneyIn.openapi({ description: 'the setup applies only to customers whose revenue is at most this' }),
    lines: z
      .array(z.strictObject({ scoringRuleId: Id, operator: OperatorIn, value: ValueIn, creditLimit: NonNegativeMoneyIn }))
      .min(1)
      .max(200)
      .openapi({ description: 'ORed: the highest limit among the matching lines applies' }),
  })
  .openapi('AutomaticLimitSetupInput');

/** Checks limit lines against the scoring groups they name: known group, operator and value fit its input. */
function limitLineErrors(lines: readonly { scoringRuleId: string; operator: LimitOperator; value: string }[], rules: ReadonlyMap<string, ScoringRule>): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  lines.forEach((l, n) => {
    const rule = rules.get(l.scoringRuleId);
    if (!rule) {
      errors.push({ path: `lines.${n}.scoringRuleId`, message: `scoring rule ${l.scoringRuleId} does not exist` });
      return;
    }
    if (inputKind(rule) === 'label') {
      if (l.operator !== '=' && l.operator !== '≠') errors.push({ path: `lines.${n}.operator`, message: `the ${rule.groupType} input of ${rule.id} is a label: only = and ≠ compare it` });
    } else if (decimalText(l.value) === null) {
      errors.push({ path: `lines.${n}.value`, message: `the ${rule.groupType} input of ${rule.id} is a number: must be a decimal with at most 2 decimals` });
    }
  });
  return errors;
}

export const automaticLimitSetups: SetupKind<typeof AutomaticLimitSetupInput> = {
  entity: 'automaticLimitSetup',
  path: 'automatic-limit-setups',
  noun: 'automatic limit setup',
  tag: TAG,
  input: AutomaticLimitSetupInput,
  toData: (i) => ({
    riskGroupId: i.riskGroupId,
    currency: i.currency,
    maxRevenue: formatMoney(i.maxRevenue),
    lines: i.lines.map((l) => ({ scoringRuleId: l.scoringRuleId, operator: l.operator, value: l.value, creditLimit: formatMoney(l.creditLimit) })),
  }),
  async validate(tx, id, input) {
    const setup = await loadRiskSetup(tx.db);
    const errors: ErrorDetail[] = [];
    if (!setup.bands.some((b) => b.id === input.riskGroupId)) errors.push({ path: 'riskGroupId', message: `risk group ${input.riskGroupId} does not exist` });
    const twin = setup.setups.find((s) => s.id !== id && s.riskGroupId === input.riskGroupId && s.currency === input.currency);
    if (twin) errors.push({ path: 'currency', message: `automatic limit setup ${twin.id} already covers risk group ${input.riskGroupId} in ${input.currency}` });
    errors.push(...limitLineErrors(input.lines, new Map(setup.rules.map((r) => [r.id, r]))));
    if (errors.length) throw ruleViolation(`automatic limit setup ${id} is refused`, errors);
  },
};

export const RISK_SETUP_KINDS = [riskGroups, scoringRules, automaticLimitSetups] as const;

// ---------------------------------------------------------------------------------------------
// Reading the setup
// ---------------------------------------------------------------------------------------------

const nullableDecimal = (v: unknown): bigint | null => (v === null || v === undefined ? null : parseMoney(v));

function toScoringRule(id: string, d: Record<string, unknown>): ScoringRule {
  const groupType = d.groupType as ScoringGroupType;
  const lines = (d.lines ?? []) as Record<string, unknown>[];
  if (d.scoreType === 'range') {
    return { id, groupType, scoreType: 'range', lines: lines.map((l) => ({ fromValue: nullableDecimal(l.fromValue), toValue: nullableDecimal(l.toValue), score: parseMoney(l.score) })) };
  }
  return { id, groupType, scoreType: 'userDefined', lines: lines.map((l) => ({ value: String(l.value), score: parseMoney(l.score) })) };
}

const toBand = (r: SetupJson): RiskBand => ({ id: r.id, fromScore: parseMoney(r.fromScore), toScore: parseMoney(r.toScore) });

function toAutomaticSetup(r: SetupJson): AutomaticLimitSetup {
  const lines = (r.lines ?? []) as Record<string, unknown>[];
  return {
    id: r.id,
    riskGroupId: String(r.riskGroupId),
    currency: String(r.currency),
    maxRevenue: parseMoney(r.maxRevenue),
    lines: lines.map((l) => ({ scoringRuleId: String(l.scoringRuleId), operator: l.operator as LimitOperator, value: String(l.value), creditLimit: parseMoney(l.creditLimit) })),
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
  const [rules, bands, setups] = await Promise.all([listSetupRows(db, scoringRules.entity), listSetupRows(db, riskGroups.entity), listSetupRows(db, automaticLimitSetups.entity)]);
  return {
    rules: rules.map((r) => toScoringRule(r.id, JSON.parse(r.data) as Record<string, unknown>)),
    bands: bands.map((r) => toBand(setupRowToJson(r))),
    setups: setups.map((r) => toAutomaticSetup(setupRowToJson(r))),
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs from the database
// ---------------------------------------------------------------------------------------------

/** What the ledger says about one customer for scoring (see the approximations at the top). */
interface LedgerFacts {
  balance: Money;
  /** Invoiced sales in (asOf − 12 months, asOf]. */
  sales12: Money;
  settled: { invoiceDate: CalendarDate; settledDate: CalendarDate }[];
}

const CHUNK = 500;

async function loadLedgerFacts(db: Kysely<Database>, customerIds: readonly string[], asOf: CalendarDate): Promise<Map<string, LedgerFacts>> {
  const facts = new Map<string, LedgerFacts>(customerIds.map((id) => [id, { balance: 0n, sales12: 0n, settled: [] }]));
  const windowStart = addMonths(asOf, -12);
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    const ids = customerIds.slice(i, i + CHUNK);
    // Sums come back as text so no driver turns them into floats.
    const balances = await db
      .selectFrom('transactions')
      .select(['customer_id', sql<string>`cast(coalesce(sum(open_amount), 0) as text)`.as('total')])
      .where('customer_id', 'in', ids)
      .where('open_amount', '<>', 0)
      .groupBy('customer_id')
      .execute();
    for (const r of balances) facts.get(r.customer_id)!.balance = BigInt(r.total);
    const sales = await db
      .selectFrom('transactions')
      .select(['customer_id', sql<string>`cast(coalesce(sum(amount), 0) as text)`.as('total')])
      .where('customer_id', 'in', ids)
      .where('type', '=', 'invoice')
      .where('canceled', '=', 0)
      .where('trans_date', '>', windowStart)
      .where('trans_date', '<=', asOf)
      .groupBy('customer_id')
      .execute();
    for (const r of sales) facts.get(r.customer_id)!.sales12 = BigInt(r.total);
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
    for (const r of settled) facts.get(r.customer_id)!.settled.push({ invoiceDate: r.trans_date, settledDate: r.closed_date! });
  }
  return facts;
}

/** An object's entries sorted by key, so equal inputs compare and store equal. */
export const sortedEntries = (o: Readonly<Record<string, string>>): [string, string][] => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Hand-entered values: by customer id, by scoring-rule id. */
export type EnteredValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

const hundredthsOfYears = (years: number | null): bigint | null => (years === null ? null : BigInt(years) * 100n);

function inputsOf(c: CustomerRow, f: LedgerFacts, asOf: CalendarDate, entered: Readonly<Record<string, string>> | undefined): RiskInputs {
  return {
    averagePaymentDays: averagePaymentDays(f.settled),
    customerSinceYears: hundredthsOfYears(wholeYears(c.customer_since, asOf)),
    inBusinessSinceYears: hundredthsOfYears(wholeYears(c.business_started_date, asOf)),
    daysSalesOutstanding: dso({ balance: f.balance, sales: f.sales12, asOf, months: 12, customerSince: c.customer_since }),
    averageBalance: f.balance,
    creditManagementGroupId: c.credit_management_group_id,
    accountStatusId: c.account_status_id,
    country: null,
    entered: entered ?? {},
  };
}

/** Refuses hand-entered values for unknown customers or groups, for groups the database scores, and non-decimals for range groups (422). */
function enteredErrors(entered: EnteredValues, customerIds: ReadonlySet<string>, rules: ReadonlyMap<string, ScoringRule>): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  for (const [customerId, values] of Object.entries(entered)) {
    if (!customerIds.has(customerId)) errors.push({ path: `userDefined.${customerId}`, message: `customer ${customerId} is not among the customers being scored` });
    errors.push(...enteredValueErrors(values, rules, `userDefined.${customerId}`));
  }
  return errors;
}

/**
 * The refusals of one customer's hand-entered inputs (by scoring-rule id): the rule must exist,
 * be one whose input is entered by hand (userDefined, country), and a range rule takes a decimal.
 */
export function enteredValueErrors(values: Readonly<Record<string, string>>, rules: ReadonlyMap<string, ScoringRule>, prefix: string): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  for (const [ruleId, value] of Object.entries(values)) {
    const path = `${prefix}.${ruleId}`;
    const rule = rules.get(ruleId);
    if (!rule) errors.push({ path, message: `scoring rule ${ruleId} does not exist` });
    else if (!HAND_ENTERED_GROUP_TYPES.has(rule.groupType)) errors.push({ path, message: `the ${rule.groupType} input of ${ruleId} is computed from the database, not entered` });
    else if (inputKind(rule) === 'number' && decimalText(value) === null) errors.push({ path, message: `${ruleId} scores by range: must be a decimal with at most 2 decimals` });
  }
  return errors;
}

const inputOut = (v: RiskInput): string | null => (typeof v === 'bigint' ? formatMoney(v) : v);

// ---------------------------------------------------------------------------------------------
// Update risk scores
// ---------------------------------------------------------------------------------------------

export const RiskScoresUpdateInput = z
  .strictObject({
    customerIds: z.array(Id).max(50_000).optional().openapi({ description: 'the customers to score; all customers when left out' }),
    asOf: DateIn.optional().openapi({ description: 'the date the inputs are computed for (default today, UTC)' }),
    userDefined: z
      .record(Id, z.record(Id, ValueIn))
      .optional()
      .openapi({ description: 'hand-entered inputs by customer id and scoring-rule id, for userDefined and country groups', example: { C1: { GROWTH: 'strong' } } }),
  })
  .openapi('RiskScoresUpdateInput');
type RiskScoresUpdateInput = z.output<typeof RiskScoresUpdateInput>;

const ContributionSchema = z.object({ scoringRuleId: z.string(), groupType: z.string(), input: z.string().nullable(), score: z.string() });
const ScoredCustomerSchema = z.object({
  customerId: z.string(),
  riskScore: z.string(),
  riskGroupId: z.string().nullable(),
  changed: z.boolean(),
  version: z.number(),
  contributions: z.array(ContributionSchema),
});
export const RiskScoresUpdateResult = z.object({ updated: z.number(), asOf: z.string(), customers: z.array(ScoredCustomerSchema) }).openapi('RiskScoresUpdateResult');
type ScoredCustomer = z.infer<typeof ScoredCustomerSchema>;

/**
 * The periodic task "Update risk scores" (§7): for the given customers (all when none are given)
 * computes every scoring group's input on `asOf`, sums the scores, assigns the risk group whose
 * band holds the score (none when it falls between bands) and stores both. A customer whose score
 * and group did not change is left alone (no new version); the others get version + 1, a change
 * of entity `customer` and an audit row `customer.riskScore`. One transaction: all or nothing.
 */
export async function updateRiskScores(tx: Tx, body: RiskScoresUpdateInput): Promise<{ updated: number; asOf: string; customers: ScoredCustomer[] }> {
  const asOf = body.asOf ?? todayUtc(new Date(tx.now));
  let customers: CustomerRow[];
  if (body.customerIds) {
    const wanted = [...new Set(body.customerIds)];
    const found = await findCustomersByIds(tx.db, wanted, lockRows(tx));
    const missing = body.customerIds.flatMap((id, n) => (found.has(id) ? [] : [{ path: `customerIds.${n}`, message: `customer ${id} does not exist` }]));
    if (missing.length) throw ruleViolation('some customers do not exist; nothing was scored', missing);
    customers = [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  } else {
    const q = tx.db.selectFrom('customers').selectAll().orderBy('id');
    customers = await (lockRows(tx) ? q.forUpdate() : q).execute();
  }
  const setup = await loadRiskSetup(tx.db);
  const entered: EnteredValues = body.userDefined ?? {};
  const errors = enteredErrors(entered, new Set(customers.map((c) => c.id)), new Map(setup.rules.map((r) => [r.id, r])));
  if (errors.length) throw ruleViolation('some entered values are refused; nothing was scored', errors);

  const facts = await loadLedgerFacts(tx.db, customers.map((c) => c.id), asOf);
  let updated = 0;
  const out: ScoredCustomer[] = [];
  for (const c of customers) {
    // Hand-entered inputs are the customer's (credit.md §1.7): those of this call are kept for
    // every later run, over the ones stored before (PATCH /customers/{id}/credit-profile sets them too).
    const stored = riskInputsOf(c);
    const inputs = { ...stored, ...(entered[c.id] ?? {}) };
    const inputsChanged = JSON.stringify(sortedEntries(inputs)) !== JSON.stringify(sortedEntries(stored));
    const { score, contributions } = riskScore(setup.rules, inputsOf(c, facts.get(c.id)!, asOf, inputs));
    const group = riskGroupFor(score, setup.bands);
    const changed = toBigIntOrNull(c.risk_score) !== score || c.risk_group_id !== group || inputsChanged;
    let version = c.version;
    if (changed) {
      const set = { risk_score: score, risk_group_id: group, ...(inputsChanged ? { risk_inputs: JSON.stringify(Object.fromEntries(sortedEntries(inputs))) } : {}), updated_at: tx.now, version: c.version + 1 };
      await tx.db.updateTable('customers').set(set).where('id', '=', c.id).execute();
      version = set.version;
      updated++;
      tx.changed(CUSTOMER, c.id, 'update', set.version, {
        action: 'customer.riskScore',
        before: customerRowToCustomer(c),
        after: customerRowToCustomer({ ...c, ...set }),
        reason: `risk scores updated as of ${asOf}`,
      });
    }
    out.push({
      customerId: c.id,
      riskScore: formatMoney(score),
      riskGroupId: group,
      changed,
      version,
      contributions: contributions.map((x) => ({ scoringRuleId: x.scoringRuleId, groupType: x.groupType, input: inputOut(x.input), score: formatMoney(x.score) })),
    });
  }
  return { updated, asOf, customers: out };
}

// ---------------------------------------------------------------------------------------------
// Automatic credit limits (for adjustment-journal generation, mode "automatic")
// ---------------------------------------------------------------------------------------------

export interface AutomaticLimitsOptions {
  /** The date the inputs are computed for (default today, UTC). */
  asOf?: CalendarDate;
  /** Hand-entered inputs (userDefined and country groups); without them such lines never match. */
  userDefined?: EnteredValues;
  /** Each customer's revenue, in its currency; default: invoiced sales of the last 12 months. */
  revenue?: ReadonlyMap<string, Money>;
}

export interface AutomaticLimitResult {
  customerId: string;
  /** The new credit limit in minor units (format with `formatMoney`). */
  creditLimit: Money;
  riskGroupId: string;
  setupId: string;
  /** The scoring group of the line that gave the limit. */
  scoringRuleId: string;
}

/**
 * The automatic credit limit of each customer (credit.md §2.3): the setup of the customer's
 * stored risk group (from the last "Update risk scores") and currency applies when its revenue is
 * at most `maxRevenue`; its lines compare the customer's scoring-group inputs (computed now, as
 * of `asOf`) and the highest matching limit wins. Only customers with a limit are returned, in
 * id order; unknown ids are skipped. Reads only: the caller's transaction writes the journal lines.
 * @example
 * const lines = await automaticLimitsFor(tx, ['C1', 'C2']); // → [{ customerId: 'C1', creditLimit: 20_000_000n, riskGroupId: 'Low', … }]
 */
export async function automaticLimitsFor(tx: { db: Kysely<Database> }, customerIds: readonly string[], options: AutomaticLimitsOptions = {}): Promise<AutomaticLimitResult[]> {
  const asOf = options.asOf ?? todayUtc();
  const found = await findCustomersByIds(tx.db, [...new Set(customerIds)]);
  const setup = await loadRiskSetup(tx.db);
  const candidates = [...found.values()].filter((c) => c.risk_group_id !== null && setup.setups.some((s) => s.riskGroupId === c.risk_group_id && s.currency === c.currency));
  if (candidates.length === 0) return [];
  const facts = await loadLedgerFacts(tx.db, candidates.map((c) => c.id), asOf);
  const out: AutomaticLimitResult[] = [];
  for (const c of candidates.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const f = facts.get(c.id)!;
    const { contributions } = riskScore(setup.rules, inputsOf(c, f, asOf, { ...riskInputsOf(c), ...(options.userDefined?.[c.id] ?? {}) }));
    const limit = automaticLimitFor(
      { riskGroupId: c.risk_group_id, currency: c.currency, revenue: options.revenue?.get(c.id) ?? f.sales12, inputs: new Map(contributions.map((x) => [x.scoringRuleId, x.input])) },
      setup.setups,
    );
    if (limit) out.push({ customerId: c.id, creditLimit: limit.creditLimit, riskGroupId: c.risk_group_id!, setupId: limit.setupId, scoringRuleId: limit.scoringRuleId });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/** Risk groups, scoring rules and automatic limit setups (setup roles), and the risk-score update (credit manager, admin). */
export function riskRoutes(app: OpenAPIHono<AppEnv>): void {
  registerSetupKind(app, riskGroups);
  registerSetupKind(app, scoringRules);
  registerSetupKind(app, automaticLimitSetups);
  register(
    app,
    createRoute({ middleware: [guard(CAN.setup, 'update risk scores')],
      method: 'post',
      path: '/api/v1/risk-scores:update',
      tags: [TAG],
      summary: 'Update risk scores: compute each customer\'s inputs, sum the scores, assign the risk group (one transaction)',
      request: { body: jsonBody(RiskScoresUpdateInput) },
      responses: { 200: jsonResponse(RiskScoresUpdateResult), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return command(c, async (tx) => ({ body: await updateRiskScores(tx, body) }));
    },
  );
}

