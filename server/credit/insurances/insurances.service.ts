import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { notFound, ruleViolation } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { findCustomer, lockRows } from '../../customers/customers.repository';
import {
  deleteInsuranceRow,
  findInsurance,
  INSURANCE,
  countInsurances,
  insertInsurance,
  insuranceRowToJson,
  listInsuranceRows,
  updateInsurance,
  type InsuranceRow,
} from './insurances.repository';
import type { InsuranceInput, InsuranceJson } from './insurances.schema';

type Row = InsuranceRow;

async function customerCurrency(db: Kysely<Database>, customerId: string): Promise<string> {
  const c = await findCustomer(db, customerId);
  if (!c) throw notFound('customer', customerId);
  return c.currency;
}

/** Business rules a schema cannot express (valid shape, refused): the window must not end before it starts. */
function insuranceColumns(input: InsuranceInput, defaultCurrency: string) {
  if (input.effectiveDate > input.expirationDate) {
    throw ruleViolation('the policy expires before it becomes effective', [
      { path: 'expirationDate', message: `must be on or after effectiveDate ${input.effectiveDate}` },
    ]);
  }
  return {
    identifier: input.identifier,
    type_id: input.typeId ?? null,
    coverage_type_id: input.identifier === 'insurance' ? (input.coverageTypeId ?? null) : null,
    identification: input.identification ?? null,
    value: input.value,
    currency: input.currency ?? defaultCurrency,
    update_credit_limit_pct: input.updateCreditLimitPct,
    effective_date: input.effectiveDate,
    expiration_date: input.expirationDate,
    included_in_exposure: input.includedInExposure ? 1 : 0,
  };
}

/**
 * The most policies and guarantees one customer may have (expired ones included): every credit
 * check of the customer reads its policies that have not ended, so the number stays bounded
 * (issue 18); D365 users keep a handful per customer. Delete ended ones to add more.
 */
export const MAX_INSURANCES_PER_CUSTOMER = 100;

export async function createInsurance(tx: Tx, customerId: string, input: InsuranceInput): Promise<InsuranceJson> {
  const currency = await customerCurrency(tx.db, customerId);
  if ((await countInsurances(tx.db, customerId)) >= MAX_INSURANCES_PER_CUSTOMER)
    throw ruleViolation(
      `customer ${customerId} already has ${MAX_INSURANCES_PER_CUSTOMER} insurance policies and guarantees, the most one customer may have; delete ended ones first`,
    );
  const columns = insuranceColumns(input, currency);
  const row: Row = {
    id: `INS-${randomBytes(5).toString('hex')}`,
    customer_id: customerId,
    ...columns,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  await insertInsurance(tx.db, row);
  const json = insuranceRowToJson(row);
  tx.changed(INSURANCE, row.id, 'create', 1, { action: 'insurance.create', after: json });
  return json;
}

/** The policy of this customer, locked on PostgreSQL; a policy of another customer is not found. */
async function lockInsurance(tx: Tx, customerId: string, id: string): Promise<Row> {
  const row = await findInsurance(tx.db, customerId, id, lockRows(tx));
  if (!row) {
    await customerCurrency(tx.db, customerId); // 404 naming the customer when that is what is missing
    throw notFound('insurance', id);
  }
  return row;
}

export async function replaceInsurance(
  tx: Tx,
  customerId: string,
  id: string,
  input: InsuranceInput,
  ifMatch: number,
): Promise<InsuranceJson> {
  const existing = await lockInsurance(tx, customerId, id);
  const before = insuranceRowToJson(existing);
  assertVersion(ifMatch, existing, before);
  const columns = insuranceColumns(input, await customerCurrency(tx.db, customerId));
  const row: Row = { ...existing, ...columns, updated_at: tx.now, version: existing.version + 1 };
  await updateInsurance(tx.db, row);
  const json = insuranceRowToJson(row);
  tx.changed(INSURANCE, id, 'update', row.version, { action: 'insurance.update', before, after: json });
  return json;
}

export async function deleteInsurance(tx: Tx, customerId: string, id: string, ifMatch: number): Promise<InsuranceJson> {
  const existing = await lockInsurance(tx, customerId, id);
  const before = insuranceRowToJson(existing);
  assertVersion(ifMatch, existing, before);
  await deleteInsuranceRow(tx.db, id);
  tx.changed(INSURANCE, id, 'delete', existing.version + 1, { action: 'insurance.delete', before, after: null });
  return { ...before, version: existing.version + 1 };
}

export async function getInsurance(db: Kysely<Database>, customerId: string, id: string): Promise<InsuranceJson> {
  const row = await findInsurance(db, customerId, id);
  if (!row) {
    await customerCurrency(db, customerId);
    throw notFound('insurance', id);
  }
  return insuranceRowToJson(row);
}

export async function listInsurances(
  db: Kysely<Database>,
  customerId: string,
  q: { limit: number; after?: string; since?: number },
): Promise<Row[]> {
  await customerCurrency(db, customerId);
  return listInsuranceRows(db, customerId, q);
}
