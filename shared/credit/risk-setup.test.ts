import { describe, expect, it } from 'vitest';
import type { ScoringRule } from './risk';
import { decimalText, enteredValueErrors, limitLineErrors, scoringRuleErrors, sortedEntries } from './risk-setup';

const rules = new Map<string, ScoringRule>([
  ['DSO', { id: 'DSO', groupType: 'daysSalesOutstanding', scoreType: 'range', lines: [] }],
  ['STATUS', { id: 'STATUS', groupType: 'accountStatus', scoreType: 'userDefined', lines: [] }],
  ['GROWTH', { id: 'GROWTH', groupType: 'userDefined', scoreType: 'userDefined', lines: [] }],
  ['INDEX', { id: 'INDEX', groupType: 'userDefined', scoreType: 'range', lines: [] }],
]);

describe('scoring group lines (credit.md §1.7)', () => {
  it('range lines run from low to high and do not overlap (both ends inclusive)', () => {
    expect(
      scoringRuleErrors({
        groupType: 'daysSalesOutstanding',
        scoreType: 'range',
        lines: [
          { fromValue: 0n, toValue: 3000n, score: 100n },
          { fromValue: 3001n, toValue: null, score: 0n },
        ],
      }),
    ).toEqual([]);
    expect(
      scoringRuleErrors({
        groupType: 'daysSalesOutstanding',
        scoreType: 'range',
        lines: [{ fromValue: 500n, toValue: 100n, score: 0n }],
      }),
    ).toEqual([{ path: 'lines.0.toValue', message: 'must be at least fromValue (5.00)' }]);
    expect(
      scoringRuleErrors({
        groupType: 'daysSalesOutstanding',
        scoreType: 'range',
        lines: [
          { fromValue: 0n, toValue: 3000n, score: 0n },
          { fromValue: 3000n, toValue: null, score: 0n },
        ],
      }),
    ).toEqual([{ path: 'lines.1.fromValue', message: 'overlaps line 0 (both ends are inclusive)' }]);
  });

  it('a group that scores labels takes no ranges', () => {
    expect(scoringRuleErrors({ groupType: 'accountStatus', scoreType: 'range', lines: [] })[0]!.path).toBe('scoreType');
  });

  it('values are distinct, numbers compared as amounts', () => {
    expect(
      scoringRuleErrors({
        groupType: 'accountStatus',
        scoreType: 'userDefined',
        lines: [
          { value: 'STD', score: 0n },
          { value: 'STD', score: 1n },
        ],
      }),
    ).toEqual([{ path: 'lines.1.value', message: 'repeats line 0' }]);
    expect(
      scoringRuleErrors({
        groupType: 'averageBalance',
        scoreType: 'userDefined',
        lines: [
          { value: '10', score: 0n },
          { value: '10.00', score: 1n },
        ],
      }),
    ).toEqual([{ path: 'lines.1.value', message: 'repeats line 0' }]);
    expect(
      scoringRuleErrors({
        groupType: 'averageBalance',
        scoreType: 'userDefined',
        lines: [{ value: 'ten', score: 0n }],
      })[0]!.path,
    ).toBe('lines.0.value');
  });
});

describe('automatic limit lines (credit.md §2.3)', () => {
  it('name a known group, compare labels with = or ≠ only and numbers with decimals', () => {
    expect(
      limitLineErrors(
        [
          { scoringRuleId: 'DSO', operator: '≤', value: '30' },
          { scoringRuleId: 'STATUS', operator: '≠', value: 'BLOCKED' },
        ],
        rules,
      ),
    ).toEqual([]);
    expect(limitLineErrors([{ scoringRuleId: 'NOPE', operator: '=', value: 'x' }], rules)).toEqual([
      { path: 'lines.0.scoringRuleId', message: 'scoring rule NOPE does not exist' },
    ]);
    expect(limitLineErrors([{ scoringRuleId: 'STATUS', operator: '<', value: 'A' }], rules)[0]!.path).toBe(
      'lines.0.operator',
    );
    expect(limitLineErrors([{ scoringRuleId: 'DSO', operator: '>', value: 'many' }], rules)[0]!.path).toBe(
      'lines.0.value',
    );
  });
});

describe('hand-entered inputs', () => {
  it('only for groups entered by hand, decimals for range groups', () => {
    expect(enteredValueErrors({ GROWTH: 'strong', INDEX: '1.5' }, rules, 'riskInputs')).toEqual([]);
    expect(enteredValueErrors({ NOPE: 'x', DSO: '3', INDEX: 'high' }, rules, 'riskInputs').map((e) => e.path)).toEqual([
      'riskInputs.NOPE',
      'riskInputs.DSO',
      'riskInputs.INDEX',
    ]);
  });

  it('entries sort by key so equal inputs store equal', () => {
    expect(sortedEntries({ b: '2', a: '1' })).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(decimalText('12.5')).toBe(1250n);
    expect(decimalText('1.234')).toBeNull();
  });
});
