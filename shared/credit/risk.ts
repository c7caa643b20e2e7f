/**
 * Risk scoring, risk groups, DSO and automatic (risk-based) credit limits (credit.md §1.7, §1.8, §2.3).
 *
 * Pure: no I/O, no clock, no floats. Every number is a scaled integer in `bigint`:
 * - {@link Hundredths}: a decimal with 2 implied decimals (`8000n` is 80.00). Scores, score
 *   bands, range bounds, days, years and DSO all use it; money (`Money`, minor units) is the same
 *   scale, so an average balance is its own hundredths value.
 * Divisions round half away from zero exactly once ({@link divRoundHalfUp}).
 */
import { addMonths, addYears, daysBetween, type CalendarDate } from '../dates';
import { divRoundHalfUp, tryParseMoney, type Money } from '../money';

/** A decimal with 2 implied decimals: `12167n` is 121.67. */
export type Hundredths = bigint;

/** The 8 predefined input types of "Update risk scores" plus the hand-entered `userDefined` (§1.7). */
export const SCORING_GROUP_TYPES = [
  'averagePaymentDays',
  'customerSince',
  'inBusinessSince',
  'daysSalesOutstanding',
  'averageBalance',
  'creditManagementGroup',
  'accountStatus',
  'country',
  'userDefined',
] as const;
export type ScoringGroupType = (typeof SCORING_GROUP_TYPES)[number];

/** Group types whose input is a label (an id or a code), never a number: only value lines fit them. */
const CATEGORICAL_GROUP_TYPES: ReadonlySet<ScoringGroupType> = new Set([
  'creditManagementGroup',
  'accountStatus',
  'country',
]);

/** Group types whose input may be entered by hand per customer (the database holds no country). */
export const HAND_ENTERED_GROUP_TYPES: ReadonlySet<ScoringGroupType> = new Set(['userDefined', 'country']);

/**
 * Whether a scoring group's input is a number (hundredths) or a label. Categorical groups read
 * labels; a hand-entered `userDefined` group reads a number when it scores by range, else a label.
 * @example
 * inputKind({ groupType: 'userDefined', scoreType: 'range' }); // 'number'
 * inputKind({ groupType: 'country', scoreType: 'userDefined' }); // 'label'
 */
export function inputKind(rule: {
  groupType: ScoringGroupType;
  scoreType: 'range' | 'userDefined';
}): 'number' | 'label' {
  if (CATEGORICAL_GROUP_TYPES.has(rule.groupType)) return 'label';
  if (rule.groupType === 'userDefined') return rule.scoreType === 'range' ? 'number' : 'label';
  return 'number';
}

/** A range line: matches when `fromValue ≤ input ≤ toValue` (both inclusive; null = unbounded). */
export interface RangeLine {
  fromValue: Hundredths | null;
  toValue: Hundredths | null;
  score: Hundredths;
}

/** A value line: matches an input equal to `value` (a label, or a decimal for numeric inputs). */
interface ValueLine {
  value: string;
  score: Hundredths;
}

/** A scoring group ("scoring rule" in the API): one input, scored by the line it matches. */
export type ScoringRule =
  | { id: string; groupType: ScoringGroupType; scoreType: 'range'; lines: readonly RangeLine[] }
  | { id: string; groupType: ScoringGroupType; scoreType: 'userDefined'; lines: readonly ValueLine[] };

/** One input value: a number in hundredths, a label, or null when it is unknown. */
export type RiskInput = Hundredths | string | null;

/** A customer's scoring inputs on one date (§7 "Update risk scores"). Unknown inputs are null. */
export interface RiskInputs {
  averagePaymentDays: Hundredths | null;
  /** Whole years since `customerSince`, in hundredths (5 years = 500n). */
  customerSinceYears: Hundredths | null;
  /** Whole years since `businessStartedDate`, in hundredths. */
  inBusinessSinceYears: Hundredths | null;
  daysSalesOutstanding: Hundredths | null;
  averageBalance: Money | null;
  creditManagementGroupId: string | null;
  accountStatusId: string | null;
  country: string | null;
  /**
   * Values entered by hand, by scoring-rule id, as text. They are the input of `userDefined`
   * groups, and of `country` groups (an entered value wins over {@link RiskInputs.country}).
   */
  entered?: Readonly<Record<string, string>>;
}

/** What one scoring group added to the score. */
export interface RiskContribution {
  scoringRuleId: string;
  groupType: ScoringGroupType;
  input: RiskInput;
  score: Hundredths;
}

/** A risk group (risk classification): a band of total score, inclusive both ends (§1.7). */
export interface RiskBand {
  id: string;
  fromScore: Hundredths;
  toScore: Hundredths;
}

const decimal = (text: string): Hundredths | null => {
  const r = tryParseMoney(text);
  return r.ok ? r.value : null;
};

/**
 * Whole years from `from` to `to` (anniversaries passed), never negative; null without a start date.
 * A 29 February start has its anniversary on 28 February in common years.
 * @example
 * wholeYears('2020-07-01', '2025-06-30'); // 4
 * wholeYears('2020-06-30', '2025-06-30'); // 5
 */
export function wholeYears(from: CalendarDate | null, to: CalendarDate): number | null {
  if (from === null) return null;
  let years = Number(to.slice(0, 4)) - Number(from.slice(0, 4));
  if (years > 0 && addYears(from, years) > to) years -= 1;
  return Math.max(0, years);
}

/**
 * The input a scoring group reads from a customer's inputs. A `userDefined` range group parses the
 * entered text as a decimal with at most 2 decimals (anything else is unknown, so null).
 * @example
 * inputFor({ id: 'G', groupType: 'userDefined', scoreType: 'range', lines: [] }, { ...inputs, entered: { G: '12.5' } }); // 1250n
 */
export function inputFor(rule: ScoringRule, inputs: RiskInputs): RiskInput {
  const entered = inputs.entered?.[rule.id];
  switch (rule.groupType) {
    case 'averagePaymentDays':
      return inputs.averagePaymentDays;
    case 'customerSince':
      return inputs.customerSinceYears;
    case 'inBusinessSince':
      return inputs.inBusinessSinceYears;
    case 'daysSalesOutstanding':
      return inputs.daysSalesOutstanding;
    case 'averageBalance':
      return inputs.averageBalance;
    case 'creditManagementGroup':
      return inputs.creditManagementGroupId;
    case 'accountStatus':
      return inputs.accountStatusId;
    case 'country':
      return entered ?? inputs.country;
    case 'userDefined':
      if (entered === undefined) return null;
      return rule.scoreType === 'range' ? decimal(entered) : entered;
  }
}

/** Whether a value line matches: labels by exact text, numbers by decimal value ("5" matches 5.00). */
function valueMatches(line: ValueLine, input: RiskInput): boolean {
  if (input === null) return false;
  if (typeof input === 'string') return line.value === input;
  return decimal(line.value) === input;
}

/** Whether a range line matches: both ends inclusive; a label never falls in a range. */
function rangeMatches(line: RangeLine, input: RiskInput): boolean {
  if (typeof input !== 'bigint') return false;
  return (line.fromValue === null || line.fromValue <= input) && (line.toValue === null || input <= line.toValue);
}

/**
 * The score of one scoring group for an input: the score of the first matching line, or 0 when
 * no line matches (§1.7 [assume]). Server validation keeps lines from overlapping, so at most
 * one line matches.
 * @example
 * scoreFor({ id: 'APD', groupType: 'averagePaymentDays', scoreType: 'range', lines: [{ fromValue: 0n, toValue: 3000n, score: 1000n }] }, 3000n); // 1000n (30 is inside 0–30)
 */
export function scoreFor(rule: ScoringRule, input: RiskInput): Hundredths {
  if (rule.scoreType === 'range') return rule.lines.find((l) => rangeMatches(l, input))?.score ?? 0n;
  return rule.lines.find((l) => valueMatches(l, input))?.score ?? 0n;
}

/**
 * The risk score: Σ over scoring groups of the matching line's score, with each group's input and
 * score (in the order of `rules`).
 * @example
 * // E40: credit management group STD → 30 points, growth index "strong" → 50 points
 * riskScore([cmg, growth], { ...noInputs, creditManagementGroupId: 'STD', entered: { GROWTH: 'strong' } }).score; // 8000n (80.00)
 */
export function riskScore(
  rules: readonly ScoringRule[],
  inputs: RiskInputs,
): { score: Hundredths; contributions: RiskContribution[] } {
  let score = 0n;
  const contributions: RiskContribution[] = [];
  for (const rule of rules) {
    const input = inputFor(rule, inputs);
    const s = scoreFor(rule, input);
    score += s;
    contributions.push({ scoringRuleId: rule.id, groupType: rule.groupType, input, score: s });
  }
  return { score, contributions };
}

/**
 * The risk group whose band `[fromScore, toScore]` contains the score (inclusive both ends), or
 * null when the score falls in no band (e.g. 35.50 between Low 0–35 and Medium 36–60). Bands are
 * kept from overlapping; if they did, the first in the given order would win.
 * @example
 * riskGroupFor(8000n, [{ id: 'Low', fromScore: 0n, toScore: 3500n }, { id: 'High', fromScore: 6100n, toScore: 10000n }]); // 'High'
 */
export function riskGroupFor(score: Hundredths, groups: readonly RiskBand[]): string | null {
  return groups.find((g) => g.fromScore <= score && score <= g.toScore)?.id ?? null;
}

/**
 * Which bands overlap a band (inclusive ends: 0–35 and 35–60 overlap at 35).
 * @example
 * overlappingBands({ id: 'M', fromScore: 3000n, toScore: 6000n }, [{ id: 'L', fromScore: 0n, toScore: 3500n }]); // ['L']
 */
export function overlappingBands(band: RiskBand, others: readonly RiskBand[]): string[] {
  return others
    .filter((o) => o.id !== band.id && o.fromScore <= band.toScore && band.fromScore <= o.toScore)
    .map((o) => o.id);
}

/**
 * Pairs of range lines (by index) that overlap, inclusive ends, null bounds unbounded.
 * @example
 * overlappingRangeLines([{ fromValue: 0n, toValue: 1000n, score: 0n }, { fromValue: 1000n, toValue: null, score: 0n }]); // [[0, 1]]
 */
export function overlappingRangeLines(lines: readonly Pick<RangeLine, 'fromValue' | 'toValue'>[]): [number, number][] {
  const out: [number, number][] = [];
  const below = (a: Hundredths | null, b: Hundredths | null) => a === null || b === null || a <= b; // a ≤ b, nulls unbounded
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const a = lines[i]!;
      const b = lines[j]!;
      if (below(a.fromValue, b.toValue) && below(b.fromValue, a.toValue)) out.push([i, j]);
    }
  }
  return out;
}

/** The inputs of {@link dso}. Amounts in minor units; the ratio is unit-free. */
export interface DsoInput {
  /** The outstanding balance. */
  balance: Money;
  /** Total credit sales in the last `months` months. */
  sales: Money;
  asOf: CalendarDate;
  months: number;
  customerSince: CalendarDate | null;
}

/**
 * The number of calendar days DSO multiplies by: from `asOf − months` to `asOf`, or from
 * `customerSince` when the customer is younger than the window (§1.8 [doc]); never negative.
 * @example
 * dsoDays('2023-10-12', 6, null);           // 183
 * dsoDays('2023-10-12', 12, '2023-01-02');  // 283
 */
export function dsoDays(asOf: CalendarDate, months: number, customerSince: CalendarDate | null): number {
  const start = addMonths(asOf, -months);
  const from = customerSince !== null && customerSince > start ? customerSince : start;
  return Math.max(0, daysBetween(from, asOf));
}

/**
 * Days sales outstanding (§1.8): `balance / sales × days`, computed exactly and rounded half-up
 * once to 2 decimals. Null when there were no sales (the ratio is undefined).
 * @example
 * // E39, as of 2023-10-12: balance 50,000, 12-month sales 150,000
 * dso({ balance: 5_000_000n, sales: 15_000_000n, asOf: '2023-10-12', months: 12, customerSince: null });         // 12167n (121.67, 365 days)
 * dso({ balance: 5_000_000n, sales: 15_000_000n, asOf: '2023-10-12', months: 6, customerSince: null });          // 6100n  (61.00, 183 days)
 * dso({ balance: 5_000_000n, sales: 15_000_000n, asOf: '2023-10-12', months: 12, customerSince: '2023-01-02' }); // 9433n  (94.33, 283 days)
 */
export function dso(input: DsoInput): Hundredths | null {
  if (input.sales <= 0n) return null;
  const days = BigInt(dsoDays(input.asOf, input.months, input.customerSince));
  return divRoundHalfUp(input.balance * days * 100n, input.sales);
}

/**
 * Average payment days (§1.8 [assume]): the mean of `settledDate − invoiceDate` over settled
 * invoices, rounded half-up to 2 decimals; a settlement on or before the invoice date counts 0
 * days. Null when nothing was settled.
 * @example
 * averagePaymentDays([{ invoiceDate: '2025-01-01', settledDate: '2025-01-31' }, { invoiceDate: '2025-02-01', settledDate: '2025-02-11' }]); // 2000n (20.00)
 */
export function averagePaymentDays(
  pairs: readonly { invoiceDate: CalendarDate; settledDate: CalendarDate }[],
): Hundredths | null {
  if (pairs.length === 0) return null;
  let total = 0n;
  for (const p of pairs) total += BigInt(Math.max(0, daysBetween(p.invoiceDate, p.settledDate)));
  return divRoundHalfUp(total * 100n, BigInt(pairs.length));
}

/** The operators of automatic-limit lines (§2.3 [assume]). */
export const LIMIT_OPERATORS = ['=', '≠', '<', '≤', '>', '≥'] as const;
export type LimitOperator = (typeof LIMIT_OPERATORS)[number];

/** One line of an automatic-limit setup: "when the input of scoring group X ⟨op⟩ value, limit L". */
interface AutomaticLimitLine {
  scoringRuleId: string;
  operator: LimitOperator;
  /** A label, or a decimal with at most 2 decimals for numeric inputs. */
  value: string;
  creditLimit: Money;
}

/** An automatic credit-limit setup of one risk group and currency (§2.3). */
export interface AutomaticLimitSetup {
  id: string;
  riskGroupId: string;
  currency: string;
  /** The setup applies only when the customer's revenue is at most this. */
  maxRevenue: Money;
  lines: readonly AutomaticLimitLine[];
}

/**
 * Whether an input satisfies `input ⟨op⟩ value`. Numbers compare as decimals; labels only with
 * = and ≠ (an ordering of labels means nothing, so it never matches); an unknown input never matches.
 * @example
 * compareInput(500n, '≥', '5'); // true (5 years ≥ 5)
 * compareInput('STD', '≠', 'KEY'); // true
 */
export function compareInput(input: RiskInput, operator: LimitOperator, value: string): boolean {
  if (input === null) return false;
  if (typeof input === 'string') {
    if (operator === '=') return input === value;
    if (operator === '≠') return input !== value;
    return false;
  }
  const v = decimal(value);
  if (v === null) return false;
  switch (operator) {
    case '=':
      return input === v;
    case '≠':
      return input !== v;
    case '<':
      return input < v;
    case '≤':
      return input <= v;
    case '>':
      return input > v;
    case '≥':
      return input >= v;
  }
}

/** A customer as automatic limits see it. */
export interface AutomaticLimitCustomer {
  riskGroupId: string | null;
  currency: string;
  /** The latest revenue figure, in the customer's currency. */
  revenue: Money;
  /** The customer's input for each scoring group, by scoring-rule id (e.g. from {@link riskScore}'s contributions). */
  inputs: ReadonlyMap<string, RiskInput>;
}

/** The limit {@link automaticLimitFor} chose, and why. */
export interface AutomaticLimit {
  setupId: string;
  lineIndex: number;
  scoringRuleId: string;
  creditLimit: Money;
}

/**
 * The automatic credit limit of a customer (§2.3 [assume]): the setup of its risk group and
 * currency applies when revenue ≤ maxRevenue; its lines are ORed and the highest matching limit
 * wins (the first such line on a tie). Null when no setup applies or no line matches.
 * @example
 * // risk group Low: 5 years in business → 100,000; 10 years → 200,000 (§2.3 [doc])
 * automaticLimitFor({ riskGroupId: 'Low', currency: 'USD', revenue: 0n, inputs: new Map([['YRS', 1200n]]) }, [lowUsd]); // → { creditLimit: 20_000_000n, lineIndex: 1, … }
 */
export function automaticLimitFor(
  customer: AutomaticLimitCustomer,
  setups: readonly AutomaticLimitSetup[],
): AutomaticLimit | null {
  if (customer.riskGroupId === null) return null;
  const setup = setups.find((s) => s.riskGroupId === customer.riskGroupId && s.currency === customer.currency);
  if (!setup || customer.revenue > setup.maxRevenue) return null;
  let best: AutomaticLimit | null = null;
  for (const [lineIndex, line] of setup.lines.entries()) {
    const input = customer.inputs.get(line.scoringRuleId) ?? null;
    if (!compareInput(input, line.operator, line.value)) continue;
    if (best === null || line.creditLimit > best.creditLimit)
      best = { setupId: setup.id, lineIndex, scoringRuleId: line.scoringRuleId, creditLimit: line.creditLimit };
  }
  return best;
}
