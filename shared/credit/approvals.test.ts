import { describe, expect, it } from 'vitest';
import { fourEyesRefusal, lineAwaitsApproval, lineNeedsApproval } from './approvals';

describe('four eyes on adjustment journals', () => {
  const parties = { createdBy: 'maker', submittedBy: 'clerk', lineCreators: ['maker', 'helper', null] };
  it('refuses the creator, the submitter and whoever put a line on the journal, and names why', () => {
    expect(fourEyesRefusal('maker', parties)).toBe('maker created the journal');
    expect(fourEyesRefusal('clerk', parties)).toBe('clerk submitted the journal');
    expect(fourEyesRefusal('helper', parties)).toBe('helper put lines on the journal');
  });
  it('lets anyone else approve (and the system, which is nobody)', () => {
    expect(fourEyesRefusal('checker', parties)).toBeNull();
    expect(fourEyesRefusal(null, parties)).toBeNull();
  });
});

describe('per-line approval of large increases', () => {
  it('needs approval above the threshold over the limit as it stands, not at the threshold', () => {
    expect(lineNeedsApproval(4_290_000n, 10_000n, 1_000_000n)).toBe(true);
    expect(lineNeedsApproval(4_290_000n, 4_000_000n, 1_000_000n)).toBe(false);
    expect(lineNeedsApproval(1_010_000n, 10_000n, 1_000_000n)).toBe(false);
    expect(lineNeedsApproval(1_010_001n, 10_000n, 1_000_000n)).toBe(true);
    expect(lineNeedsApproval(500n, null, 100n)).toBe(true);
    expect(lineNeedsApproval(9_999_999n, 0n, null)).toBe(false);
  });
  it('a line awaits approval while pending, or undecided and needing it now; approved and rejected lines do not', () => {
    expect(lineAwaitsApproval('pending', 1n, 1n, 0n)).toBe(true);
    expect(lineAwaitsApproval('none', 4_290_000n, 10_000n, 1_000_000n)).toBe(true);
    expect(lineAwaitsApproval('none', 4_290_000n, 4_000_000n, 1_000_000n)).toBe(false);
    expect(lineAwaitsApproval('approved', 4_290_000n, 10_000n, 1_000_000n)).toBe(false);
    expect(lineAwaitsApproval('rejected', 4_290_000n, 10_000n, 1_000_000n)).toBe(false);
  });
});
