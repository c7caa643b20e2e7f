import type { Kysely, Selectable } from 'kysely';
import type { Database, InsurancesTable } from '../../db/schema';
import { formatMoney, formatRate } from '../../../shared/money';
import { insuranceContribution } from '../../../shared/credit/limits';
import type { Insurance } from '../../../shared/credit/types';
import { toBigInt } from '../../db/values';
import type { InsuranceJson } from './insurances.schema';

/**
 * Insurance policies and guarantees of one customer (credit.md §1.4). While a policy is active
 * (effectiveDate ≤ asOf ≤ expirationDate) `value × updateCreditLimitPct / 100` is added to the
 * customer's limit; with `includedInExposure` the full value is taken off again.
 */
export const INSURANCE = 'insurance';
export type InsuranceRow = Selectable<InsurancesTable>;
type Row = InsuranceRow;
type Db = Kysely<Database>;

/** The row as the pure credit engine takes it. */
export function insuranceRowToInsurance(
  r: Pick<
    Row,
    'identifier' | 'value' | 'update_credit_limit_pct' | 'effective_date' | 'expiration_date' | 'included_in_exposure'
  >,
): Insurance {
  return {
    identifier: r.identifier as Insurance['identifier'],
    value: toBigInt(r.value),
    updateCreditLimitPct: toBigInt(r.update_credit_limit_pct),
    effectiveDate: r.effective_date,
    expirationDate: r.expiration_date,
    includedInExposure: r.included_in_exposure === 1,
  };
}

export function insuranceRowToJson(r: Row): InsuranceJson {
  const p = insuranceRowToInsurance(r);
  return {
    id: r.id,
    customerId: r.customer_id,
    identifier: p.identifier,
    typeId: r.type_id,
    coverageTypeId: r.coverage_type_id,
    identification: r.identification,
    value: formatMoney(p.value),
    currency: r.currency,
    updateCreditLimitPct: formatRate(p.updateCreditLimitPct),
    effectiveDate: r.effective_date,
    expirationDate: r.expiration_date,
    includedInExposure: p.includedInExposure,
    creditLimitContribution: formatMoney(insuranceContribution(p)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** The policy of this customer (a policy of another customer is not found); `lock` takes the row lock (PostgreSQL). */
export function findInsurance(db: Db, customerId: string, id: string, lock = false): Promise<Row | undefined> {
  const q = db.selectFrom('insurances').selectAll().where('id', '=', id).where('customer_id', '=', customerId);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

export async function insertInsurance(db: Db, row: Row): Promise<void> {
  await db.insertInto('insurances').values(row).execute();
}

export async function updateInsurance(db: Db, row: Row): Promise<void> {
  await db.updateTable('insurances').set(row).where('id', '=', row.id).execute();
}

export async function deleteInsuranceRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('insurances').where('id', '=', id).execute();
}

/** A page of a customer's policies by id (one row more than `limit`); with `since`, only those changed after that sequence. */
/** How many policies a customer has (any state). */
export async function countInsurances(db: Db, customerId: string): Promise<number> {
  const r = await db
    .selectFrom('insurances')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function listInsuranceRows(
  db: Db,
  customerId: string,
  q: { limit: number; after?: string; since?: number },
): Promise<Row[]> {
  let query = db
    .selectFrom('insurances')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', INSURANCE).where('seq', '>', since),
    );
  }
  return query.execute();
}
