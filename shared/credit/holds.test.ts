import { describe, expect, it } from 'vitest';
import { mergeHoldReasons, type HoldReason } from './holds';
import type { CreditReason } from './types';

const fired = (ruleType: CreditReason['ruleType'], measured: string, threshold = '60'): CreditReason => ({
  ruleType,
  ruleId: `R-${ruleType}`,
  measured,
  threshold,
  explanation: `${ruleType} ${measured} > ${threshold}`,
});
const recorded = (ruleType: string, active = true, measured = '61'): HoldReason => ({
  ruleType,
  ruleId: ruleType === 'forcedHold' ? null : `R-${ruleType}`,
  active,
  measured,
  threshold: '60',
  explanation: `${ruleType} ${measured} > 60`,
});
const types = (rs: HoldReason[]) => rs.map((r) => `${r.ruleType}:${r.active ? 'on' : 'off'}`);

describe('mergeHoldReasons (credit.md §4.8)', () => {
  it('credit E35: the overdue invoice is paid, so daysOverdue turns inactive and "Ready to release" is added', () => {
    const { reasons, ready } = mergeHoldReasons([recorded('daysOverdue')], []);
    expect(ready).toBe(true);
    expect(types(reasons)).toEqual(['daysOverdue:off', 'readyToRelease:on']);
    expect(reasons[0]!.measured).toBe('61'); // the record keeps what held the order
  });

  it('credit E36: a forced hold with nothing else firing is ready to release, and the forced reason stays as it was', () => {
    const forced = recorded('forcedHold', true, '');
    const { reasons, ready } = mergeHoldReasons([forced], []);
    expect(ready).toBe(true);
    expect(reasons[0]).toBe(forced);
    expect(types(reasons)).toEqual(['forcedHold:on', 'readyToRelease:on']);
  });

  it("a reason that still fires stays active with today's figures; a new one is added after the recorded ones", () => {
    const { reasons, ready } = mergeHoldReasons(
      [recorded('daysOverdue'), recorded('creditLimitUsed')],
      [fired('overdueAmount', '900.00', '500.00'), fired('daysOverdue', '75')],
    );
    expect(ready).toBe(false);
    expect(types(reasons)).toEqual(['daysOverdue:on', 'creditLimitUsed:off', 'overdueAmount:on']);
    expect(reasons[0]).toMatchObject({ measured: '75', explanation: 'daysOverdue 75 > 60' });
  });

  it('an earlier "Ready to release" is dropped when a reason fires again, and never doubled when still ready', () => {
    const again = mergeHoldReasons(
      [recorded('daysOverdue', false), recorded('readyToRelease')],
      [fired('daysOverdue', '62')],
    );
    expect(types(again.reasons)).toEqual(['daysOverdue:on']);
    expect(again.ready).toBe(false);
    const still = mergeHoldReasons([recorded('daysOverdue', false), recorded('readyToRelease')], []);
    expect(types(still.reasons)).toEqual(['daysOverdue:off', 'readyToRelease:on']);
  });

  it('a forced hold beside a firing rule is not ready', () => {
    expect(mergeHoldReasons([recorded('forcedHold')], [fired('daysOverdue', '70')]).ready).toBe(false);
  });
});
