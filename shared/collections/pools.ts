/**
 * Collections customer pools (collections.md §1.6, §5): saved criteria over customer fields and,
 * for collections pools, over the customer's current aging snapshot. Criteria are combined with
 * AND; `in` and `between` give the OR inside one field that range syntax gives in D365.
 *
 * Pure TypeScript: the server evaluates pools with these functions and the add-in can preview
 * them with the same code. Money is `bigint` minor units.
 */
import { parseMoney, tryParseMoney, type Money } from '../money';

/** Which list a pool filters (§1.6): the aging/collections list pages, or the customers a snapshot run processes. */
export type PoolType = 'collections' | 'agingSnapshot';

/** Customer-master fields a criterion may name (both pool types). */
const CUSTOMER_FIELDS = [
  'customerId',
  'name',
  'customerGroup',
  'currency',
  'accountStatusId',
  'creditManagementGroupId',
  'riskGroupId',
  'postingProfile',
  'salesGroup',
] as const;
type CustomerField = (typeof CUSTOMER_FIELDS)[number];

/**
 * Snapshot fields (collections pools only): money in the accounting currency (the snapshot's
 * company view, collections.md §2.3), except `disputedCount`. A period amount is `period:<line label>`.
 */
const SNAPSHOT_FIELDS = [
  'amountDue',
  'disputedAmount',
  'disputedCount',
  'creditLimit',
  'remainingCredit',
  'unbucketedAmount',
] as const;
type SnapshotField = (typeof SNAPSHOT_FIELDS)[number];

const PERIOD_PREFIX = 'period:';

/** Comparison operators. Text fields compare exactly; `in` takes a list, `between` two inclusive bounds. */
export const POOL_OPERATORS = ['=', '!=', '>', '>=', '<', '<=', 'in', 'between'] as const;
type PoolOperator = (typeof POOL_OPERATORS)[number];

/**
 * One condition.
 * @example
 * const c: PoolCriterion = { field: 'period:Over 90', op: '>', value: '0' };
 * const g: PoolCriterion = { field: 'customerGroup', op: 'in', value: ['WHOLESALE', 'RETAIL'] };
 */
export interface PoolCriterion {
  field: string;
  op: PoolOperator;
  value: string | string[];
}

/** The customer fields a pool can test (null when the customer has none). */
export type PoolCustomer = { [K in CustomerField]: string | null };

/** The snapshot fields a collections pool can test; `periods` maps a line label to its amount. */
export interface PoolSnapshot {
  amountDue: Money;
  disputedAmount: Money;
  disputedCount: number;
  creditLimit: Money | null;
  remainingCredit: Money | null;
  unbucketedAmount: Money;
  periods: ReadonlyMap<string, Money>;
}

/** One problem with a criterion; `path` is e.g. `criteria.1.field`. */
export interface PoolIssue {
  path: string;
  message: string;
}

const isCustomerField = (f: string): f is CustomerField => (CUSTOMER_FIELDS as readonly string[]).includes(f);
const isSnapshotField = (f: string): f is SnapshotField => (SNAPSHOT_FIELDS as readonly string[]).includes(f);

/** Whether the criterion reads the snapshot (so the pool needs one to match). */
export function readsSnapshot(c: Pick<PoolCriterion, 'field'>): boolean {
  return isSnapshotField(c.field) || c.field.startsWith(PERIOD_PREFIX);
}

/**
 * Every reason the criteria cannot be saved for a pool of `type`; `periodLabels` are the line
 * labels of the pool's aging definition (null when it has none: then no `period:` field is allowed).
 * Refuses unknown fields and operators, snapshot fields on an agingSnapshot pool (the snapshot does
 * not exist yet when the run chooses its customers, §2.4 step 1), `in` without a non-empty list,
 * `between` without two values, a list for a single-value operator, order operators on text
 * fields, and values that are not amounts (or whole numbers for `disputedCount`) on number fields.
 * @example
 * validatePoolCriteria('agingSnapshot', [{ field: 'amountDue', op: '>', value: '1000' }], null);
 * // [{ path: 'criteria.0.field', message: 'amountDue is a snapshot field; an agingSnapshot pool may use only customer fields' }]
 */
export function validatePoolCriteria(
  type: PoolType,
  criteria: readonly PoolCriterion[],
  periodLabels: readonly string[] | null,
): PoolIssue[] {
  const issues: PoolIssue[] = [];
  criteria.forEach((c, i) => {
    const at = `criteria.${i}`;
    const period = c.field.startsWith(PERIOD_PREFIX) ? c.field.slice(PERIOD_PREFIX.length) : null;
    if (!isCustomerField(c.field) && !isSnapshotField(c.field) && period === null) {
      issues.push({
        path: `${at}.field`,
        message: `unknown field ${c.field}; use one of ${[...CUSTOMER_FIELDS, ...SNAPSHOT_FIELDS].join(', ')} or ${PERIOD_PREFIX}<period label>`,
      });
      return;
    }
    if (readsSnapshot(c) && type === 'agingSnapshot') {
      issues.push({
        path: `${at}.field`,
        message: `${c.field} is a snapshot field; an agingSnapshot pool may use only customer fields`,
      });
      return;
    }
    if (period !== null) {
      if (periodLabels === null)
        issues.push({
          path: `${at}.field`,
          message: 'a period criterion needs the pool to name its aging definition (definitionId)',
        });
      else if (!periodLabels.includes(period))
        issues.push({
          path: `${at}.field`,
          message: `the aging definition has no period "${period}"; it has ${periodLabels.join(', ')}`,
        });
    }
    if (!(POOL_OPERATORS as readonly string[]).includes(c.op)) {
      issues.push({
        path: `${at}.op`,
        message: `unknown operator ${String(c.op)}; use one of ${POOL_OPERATORS.join(' ')}`,
      });
      return;
    }
    const values = Array.isArray(c.value) ? c.value : [c.value];
    if (c.op === 'in' && (!Array.isArray(c.value) || c.value.length === 0))
      issues.push({ path: `${at}.value`, message: 'in needs a non-empty list of values' });
    else if (c.op === 'between' && (!Array.isArray(c.value) || c.value.length !== 2))
      issues.push({ path: `${at}.value`, message: 'between needs a list of two values [from, to]' });
    else if (c.op !== 'in' && c.op !== 'between' && Array.isArray(c.value))
      issues.push({ path: `${at}.value`, message: `${c.op} takes one value, not a list` });
    if (isCustomerField(c.field)) {
      if (c.op !== '=' && c.op !== '!=' && c.op !== 'in' && c.op !== 'between')
        issues.push({ path: `${at}.op`, message: `${c.field} is text: use =, !=, in or between` });
      return;
    }
    values.forEach((v, j) => {
      const path = Array.isArray(c.value) ? `${at}.value.${j}` : `${at}.value`;
      if (c.field === 'disputedCount') {
        if (!/^\d{1,9}$/.test(v)) issues.push({ path, message: 'must be a whole number' });
      } else if (numberValue(v) === null)
        issues.push({ path, message: 'must be an amount with at most 2 decimals, e.g. "1000" or "1000.50"' });
    });
  });
  return issues;
}

function numberValue(v: string): Money | null {
  const r = tryParseMoney(v);
  return r.ok ? r.value : null;
}

function compare<T>(actual: T | null, op: PoolOperator, values: readonly T[], cmp: (a: T, b: T) => number): boolean {
  if (actual === null) return op === '!=' ? true : false;
  const [a, b] = values;
  switch (op) {
    case '=':
      return cmp(actual, a!) === 0;
    case '!=':
      return cmp(actual, a!) !== 0;
    case '>':
      return cmp(actual, a!) > 0;
    case '>=':
      return cmp(actual, a!) >= 0;
    case '<':
      return cmp(actual, a!) < 0;
    case '<=':
      return cmp(actual, a!) <= 0;
    case 'in':
      return values.some((v) => cmp(actual, v) === 0);
    case 'between':
      return cmp(actual, a!) >= 0 && cmp(actual, b!) <= 0;
  }
}

const cmpText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Whether a customer is in the pool (§5): every criterion holds. A criterion on the snapshot never
 * holds without a snapshot; a field the customer has no value for equals nothing (only `!=` holds).
 * Criteria must have passed {@link validatePoolCriteria}.
 * @example
 * matchesPool([{ field: 'amountDue', op: '>', value: '1000' }], customer, { amountDue: 280000n, … }); // true
 */
export function matchesPool(
  criteria: readonly PoolCriterion[],
  customer: PoolCustomer,
  snapshot: PoolSnapshot | null,
): boolean {
  for (const c of criteria) {
    const values = Array.isArray(c.value) ? c.value : [c.value];
    if (isCustomerField(c.field)) {
      if (!compare(customer[c.field], c.op, values, cmpText)) return false;
      continue;
    }
    if (snapshot === null) return false;
    if (c.field === 'disputedCount') {
      if (
        !compare(
          BigInt(snapshot.disputedCount),
          c.op,
          values.map((v) => BigInt(v)),
          cmpBig,
        )
      )
        return false;
      continue;
    }
    const actual = c.field.startsWith(PERIOD_PREFIX)
      ? (snapshot.periods.get(c.field.slice(PERIOD_PREFIX.length)) ?? null)
      : snapshot[c.field as Exclude<SnapshotField, 'disputedCount'>];
    if (
      !compare(
        actual,
        c.op,
        values.map((v) => parseMoney(v)),
        cmpBig,
      )
    )
      return false;
  }
  return true;
}
