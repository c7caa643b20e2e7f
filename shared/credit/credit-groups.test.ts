import { describe, expect, it } from 'vitest';
import { membersTakingGroupExpiry } from './credit-groups';

describe('credit group members take the group expiry (credit.md §1.5)', () => {
  const members = [
    { id: 'C1', creditLimitExpirationDate: '2026-12-31' },
    { id: 'C2', creditLimitExpirationDate: null },
    { id: 'C3', creditLimitExpirationDate: '2027-06-30' },
  ];

  it('moves every member with another expiry to the group date, in the order given', () => {
    expect(membersTakingGroupExpiry(members, '2026-12-31')).toEqual([
      { member: members[1], creditLimitExpirationDate: '2026-12-31' },
      { member: members[2], creditLimitExpirationDate: '2026-12-31' },
    ]);
  });

  it('leaves members that already expire with the group alone', () => {
    expect(membersTakingGroupExpiry([members[0]!], '2026-12-31')).toEqual([]);
  });

  it('a group without an expiry makes members never expire', () => {
    expect(membersTakingGroupExpiry(members, null).map((c) => [c.member.id, c.creditLimitExpirationDate])).toEqual([
      ['C1', null],
      ['C3', null],
    ]);
  });

  it('no members, no changes', () => {
    expect(membersTakingGroupExpiry([], '2026-12-31')).toEqual([]);
  });
});
