/**
 * Customer credit groups (credit.md §1.5, §3): one limit shared by the members. Pure; the server
 * applies it when a group is created or replaced and when a journal posts a group's limit.
 */
import type { CalendarDate } from '../dates';

/** A member as the rule needs it: its id and its own limit expiry (null = never expires). */
export interface GroupMember {
  id: string;
  creditLimitExpirationDate: CalendarDate | null;
}

/** A member whose limit expiry moves to the group's. */
export interface MemberExpiryChange<M extends GroupMember> {
  member: M;
  creditLimitExpirationDate: CalendarDate | null;
}

/**
 * The members whose limit expiry changes: while it is a member, a customer's limit expires when
 * its group's does (`creditLimitToDate`), so every member with another expiry takes the group's;
 * the others are left alone (no new version).
 * @example
 * membersTakingGroupExpiry([{ id: 'C1', creditLimitExpirationDate: '2026-12-31' }, { id: 'C2', creditLimitExpirationDate: null }], '2026-12-31');
 * // → [{ member: { id: 'C2', … }, creditLimitExpirationDate: '2026-12-31' }]
 */
export function membersTakingGroupExpiry<M extends GroupMember>(
  members: Iterable<M>,
  groupCreditLimitToDate: CalendarDate | null,
): MemberExpiryChange<M>[] {
  const changes: MemberExpiryChange<M>[] = [];
  for (const member of members) {
    if (member.creditLimitExpirationDate !== groupCreditLimitToDate)
      changes.push({ member, creditLimitExpirationDate: groupCreditLimitToDate });
  }
  return changes;
}
