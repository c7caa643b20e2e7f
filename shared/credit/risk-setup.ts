/**
 * Checks of the risk-scoring setup and of hand-entered inputs (credit.md §1.7, §2.3): pure, each
 * refusal named by the path of the field it is about. The server refuses a setup row or a scoring
 * call with them (server/credit/risk/risk.service.ts).
 */
import { formatMoney, tryParseMoney, type Money } from '../money';
import {
  HAND_ENTERED_GROUP_TYPES,
  inputKind,
  overlappingRangeLines,
  type LimitOperator,
  type ScoringGroupType,
  type ScoringRule,
} from './risk';

/** One refusal: the path of the field (`lines.2.value`) and why. */
export interface RiskSetupIssue {
  path: string;
  message: string;
}

/** A scoring group as entered: amounts in hundredths, values as text. */
export type ScoringRuleDraft =
  | {
      groupType: ScoringGroupType;
      scoreType: 'range';
      lines: readonly { fromValue?: Money | null | undefined; toValue?: Money | null | undefined; score: Money }[];
    }
  | { groupType: ScoringGroupType; scoreType: 'userDefined'; lines: readonly { value: string; score: Money }[] };

/** A decimal with at most 2 decimals as hundredths, or null when the text is not one. */
export const decimalText = (text: string): bigint | null => {
  const r = tryParseMoney(text);
  return r.ok ? r.value : null;
};

/**
 * Line checks of a scoring group: ranges in order and apart, values distinct and of the input's kind.
 * @example
 * scoringRuleErrors({ groupType: 'accountStatus', scoreType: 'range', lines: [] }); // [{ path: 'scoreType', … }]
 */
export function scoringRuleErrors(i: ScoringRuleDraft): RiskSetupIssue[] {
  const errors: RiskSetupIssue[] = [];
  const kind = inputKind(i);
  if (i.scoreType === 'range') {
    if (kind === 'label')
      errors.push({
        path: 'scoreType',
        message: `a ${i.groupType} group scores labels: use scoreType "userDefined" with one line per value`,
      });
    i.lines.forEach((l, n) => {
      if (l.fromValue != null && l.toValue != null && l.fromValue > l.toValue)
        errors.push({
          path: `lines.${n}.toValue`,
          message: `must be at least fromValue (${formatMoney(l.fromValue)})`,
        });
    });
    for (const [a, b] of overlappingRangeLines(
      i.lines.map((l) => ({ fromValue: l.fromValue ?? null, toValue: l.toValue ?? null })),
    )) {
      errors.push({ path: `lines.${b}.fromValue`, message: `overlaps line ${a} (both ends are inclusive)` });
    }
  } else {
    const seen = new Map<string, number>();
    i.lines.forEach((l, n) => {
      let key = l.value;
      if (kind === 'number') {
        const v = decimalText(l.value);
        if (v === null) {
          errors.push({
            path: `lines.${n}.value`,
            message: `a ${i.groupType} input is a number: must be a decimal with at most 2 decimals`,
          });
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

/**
 * Checks limit lines against the scoring groups they name: known group, operator and value fit its input.
 * @example
 * limitLineErrors([{ scoringRuleId: 'NOPE', operator: '=', value: 'x' }], new Map()); // [{ path: 'lines.0.scoringRuleId', … }]
 */
export function limitLineErrors(
  lines: readonly { scoringRuleId: string; operator: LimitOperator; value: string }[],
  rules: ReadonlyMap<string, ScoringRule>,
): RiskSetupIssue[] {
  const errors: RiskSetupIssue[] = [];
  lines.forEach((l, n) => {
    const rule = rules.get(l.scoringRuleId);
    if (!rule) {
      errors.push({ path: `lines.${n}.scoringRuleId`, message: `scoring rule ${l.scoringRuleId} does not exist` });
      return;
    }
    if (inputKind(rule) === 'label') {
      if (l.operator !== '=' && l.operator !== '≠')
        errors.push({
          path: `lines.${n}.operator`,
          message: `the ${rule.groupType} input of ${rule.id} is a label: only = and ≠ compare it`,
        });
    } else if (decimalText(l.value) === null) {
      errors.push({
        path: `lines.${n}.value`,
        message: `the ${rule.groupType} input of ${rule.id} is a number: must be a decimal with at most 2 decimals`,
      });
    }
  });
  return errors;
}

/**
 * The refusals of one customer's hand-entered inputs (by scoring-rule id): the rule must exist,
 * be one whose input is entered by hand (userDefined, country), and a range rule takes a decimal.
 */
export function enteredValueErrors(
  values: Readonly<Record<string, string>>,
  rules: ReadonlyMap<string, ScoringRule>,
  prefix: string,
): RiskSetupIssue[] {
  const errors: RiskSetupIssue[] = [];
  for (const [ruleId, value] of Object.entries(values)) {
    const path = `${prefix}.${ruleId}`;
    const rule = rules.get(ruleId);
    if (!rule) errors.push({ path, message: `scoring rule ${ruleId} does not exist` });
    else if (!HAND_ENTERED_GROUP_TYPES.has(rule.groupType))
      errors.push({
        path,
        message: `the ${rule.groupType} input of ${ruleId} is computed from the database, not entered`,
      });
    else if (inputKind(rule) === 'number' && decimalText(value) === null)
      errors.push({ path, message: `${ruleId} scores by range: must be a decimal with at most 2 decimals` });
  }
  return errors;
}

/** An object's entries sorted by key, so equal inputs compare and store equal. */
export const sortedEntries = (o: Readonly<Record<string, string>>): [string, string][] =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
