import { describe, expect, it } from 'vitest';
import { creditContextFixture } from '../testing/credit-context-fixture';
import { addContextJson, emptyContext, type CustomerContextJson } from './credit-context';

const group = (over: Partial<NonNullable<CustomerContextJson['group']>>): CustomerContextJson['group'] => ({
  id: 'G-EURO',
  creditLimit: '90000.00',
  creditLimitToDate: null,
  membersExposure: '50000.00',
  temporaryLimits: [],
  currency: 'EUR',
  rate: '1.08',
  ...over,
});

/** The engine input's group of one customer decoded from an answer whose group is `g`. */
function decodedGroup(g: CustomerContextJson['group']) {
  const json = creditContextFixture(['C1']);
  json.customers[0]!.group = g;
  return addContextJson(emptyContext('2026-11-23'), json).customers.get('C1')!.input.group;
}

describe('the credit context decoded for the local preview', () => {
  it("keeps a credit group's own currency and the rate the check converts at (credit.md §3)", () => {
    expect(decodedGroup(group({}))).toEqual({
      id: 'G-EURO',
      creditLimit: 9_000_000n,
      creditLimitToDate: null,
      membersExposure: 5_000_000n,
      temporaryLimits: [],
      currency: 'EUR',
      rate: 10_800_000_000n,
    });
  });

  it('a group in the accounting currency (rate null), or from a server without currencies, has no currency of its own', () => {
    expect(decodedGroup(group({ currency: 'USD', rate: null }))).not.toHaveProperty('currency');
    const { currency: _c, rate: _r, ...older } = group({})!;
    const decoded = decodedGroup(older as CustomerContextJson['group']);
    expect(decoded).not.toHaveProperty('currency');
    expect(decoded).not.toHaveProperty('rate');
  });

  it('refuses a rate that is not one, rather than previewing with it', () => {
    expect(() => decodedGroup(group({ rate: '0' }))).toThrow(/credit context: rate "0"/);
  });
});
