/**
 * Pool criteria (collections.md §1.6, §5): validation and membership, including the pools of
 * worked example E11 at the domain level (the three-user visibility is tested over HTTP).
 */
import { describe, expect, it } from 'vitest';
import { matchesPool, validatePoolCriteria, type PoolCriterion, type PoolCustomer, type PoolSnapshot } from './pools';

const customer = (id: string, group: string | null): PoolCustomer => ({
  customerId: id,
  name: `Customer ${id}`,
  customerGroup: group,
  currency: 'USD',
  accountStatusId: null,
  creditManagementGroupId: null,
  riskGroupId: null,
  postingProfile: null,
  salesGroup: null,
});
const snap = (amountDue: bigint, over90: bigint, disputed = 0n): PoolSnapshot => ({
  amountDue,
  disputedAmount: disputed,
  disputedCount: disputed > 0n ? 1 : 0,
  creditLimit: null,
  remainingCredit: null,
  unbucketedAmount: 0n,
  periods: new Map([
    ['Over 90', over90],
    ['1-30', 0n],
  ]),
});

const OVER1K: PoolCriterion[] = [{ field: 'amountDue', op: '>', value: '1000' }];
const NINETY: PoolCriterion[] = [{ field: 'period:Over 90', op: '>', value: '0' }];
const WHS: PoolCriterion[] = [{ field: 'customerGroup', op: '=', value: 'WHOLESALE' }];

describe('pool membership', () => {
  // E11's snapshots: C1 2,800 (Over 90 250, RETAIL), C2 1,050 (Over 90 1,000, WHOLESALE), C7 900 (Over 90 0, WHOLESALE), C8 none.
  const rows: [PoolCustomer, PoolSnapshot | null][] = [
    [customer('C1', 'RETAIL'), snap(280000n, 25000n)],
    [customer('C2', 'WHOLESALE'), snap(105000n, 100000n)],
    [customer('C7', 'WHOLESALE'), snap(90000n, 0n)],
    [customer('C8', 'WHOLESALE'), null],
  ];
  const members = (criteria: PoolCriterion[]) =>
    rows.filter(([c, s]) => s !== null && matchesPool(criteria, c, s)).map(([c]) => c.customerId);

  it('collections E11 pools: OVER1K and 90PLUS hold C1 and C2, WHS holds C2 and C7; C8 (no snapshot) is in none', () => {
    expect(members(OVER1K)).toEqual(['C1', 'C2']);
    expect(members(NINETY)).toEqual(['C1', 'C2']);
    expect(members(WHS)).toEqual(['C2', 'C7']);
    expect(matchesPool(OVER1K, rows[3]![0], null)).toBe(false);
    // A customer-field pool matches a customer without a snapshot (agingSnapshot pools choose run customers so).
    expect(matchesPool(WHS, rows[3]![0], null)).toBe(true);
  });

  it('combines criteria with AND; in and between give OR inside a field; a missing value equals nothing', () => {
    expect(members([...OVER1K, ...WHS])).toEqual(['C2']);
    expect(members([{ field: 'customerGroup', op: 'in', value: ['RETAIL', 'EXPORT'] }])).toEqual(['C1']);
    expect(members([{ field: 'amountDue', op: 'between', value: ['900', '1050'] }])).toEqual(['C2', 'C7']);
    expect(members([{ field: 'customerId', op: 'between', value: ['C2', 'C7'] }])).toEqual(['C2', 'C7']);
    expect(matchesPool([{ field: 'riskGroupId', op: '=', value: 'HIGH' }], customer('X', null), null)).toBe(false);
    expect(matchesPool([{ field: 'riskGroupId', op: '!=', value: 'HIGH' }], customer('X', null), null)).toBe(true);
    expect(matchesPool([], customer('X', null), snap(0n, 0n))).toBe(true);
  });
});

describe('pool criteria validation', () => {
  const paths = (
    type: 'collections' | 'agingSnapshot',
    c: PoolCriterion[],
    labels: string[] | null = ['Over 90', '1-30'],
  ) => validatePoolCriteria(type, c, labels).map((i) => i.path);

  it('accepts customer fields, snapshot fields and known period labels', () => {
    expect(
      paths('collections', [...OVER1K, ...NINETY, ...WHS, { field: 'disputedCount', op: '>=', value: '1' }]),
    ).toEqual([]);
    expect(paths('agingSnapshot', WHS)).toEqual([]);
  });

  it('refuses unknown fields, snapshot fields on agingSnapshot pools, unknown periods and bad values', () => {
    expect(paths('collections', [{ field: 'shoeSize', op: '=', value: '1' }])).toEqual(['criteria.0.field']);
    expect(paths('agingSnapshot', OVER1K)).toEqual(['criteria.0.field']);
    expect(paths('agingSnapshot', NINETY)).toEqual(['criteria.0.field']);
    expect(paths('collections', [{ field: 'period:Over 120', op: '>', value: '0' }])).toEqual(['criteria.0.field']);
    expect(paths('collections', NINETY, null)).toEqual(['criteria.0.field']);
    expect(paths('collections', [{ field: 'amountDue', op: '>', value: 'a lot' }])).toEqual(['criteria.0.value']);
    expect(paths('collections', [{ field: 'amountDue', op: '>', value: '10.001' }])).toEqual(['criteria.0.value']);
    expect(paths('collections', [{ field: 'disputedCount', op: '>', value: '1.5' }])).toEqual(['criteria.0.value']);
    expect(paths('collections', [{ field: 'customerGroup', op: '>', value: 'A' }])).toEqual(['criteria.0.op']);
    expect(paths('collections', [{ field: 'amountDue', op: 'in', value: [] }])).toEqual(['criteria.0.value']);
    expect(paths('collections', [{ field: 'amountDue', op: 'between', value: ['1'] }])).toEqual(['criteria.0.value']);
    expect(paths('collections', [{ field: 'amountDue', op: '=', value: ['1', '2'] }])).toEqual(['criteria.0.value']);
    expect(paths('collections', [{ field: 'amountDue', op: 'like' as never, value: '1' }])).toEqual(['criteria.0.op']);
  });
});
