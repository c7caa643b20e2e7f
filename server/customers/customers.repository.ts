import type { Insertable, Kysely, Selectable } from 'kysely';
import type { CustomersTable, Database } from '../db/schema';
import { formatMoney } from '../../shared/money';
import { fromBool, toBigInt, toBigIntOrNull, toBool } from '../db/values';
import type { Customer, CustomerInput } from './customers.schema';
import { sqlRun, type Reader } from '../db/prepared-sql';

export type CustomerRow = Selectable<CustomersTable>;
type Db = Kysely<Database>;

export const CUSTOMER = 'customer';

/**
 * Whether reads that precede a change take row locks. PostgreSQL runs transactions concurrently
 * (READ COMMITTED), so without the lock two changes based on the same version would both pass the
 * version check and one would be lost; SQLite runs one write transaction at a time.
 */
export const lockRows = (tx: { dialect: 'sqlite' | 'postgres' }): boolean => tx.dialect === 'postgres';

const moneyOrNull = (v: CustomerRow['eligible_credit_limit']) => {
  const m = toBigIntOrNull(v);
  return m === null ? null : formatMoney(m);
};

/** The stored hand-entered risk inputs (scoring-rule id → value). */
export const riskInputsOf = (r: Pick<CustomerRow, 'risk_inputs'>): Record<string, string> =>
  r.risk_inputs ? (JSON.parse(r.risk_inputs) as Record<string, string>) : {};

export function customerRowToCustomer(r: CustomerRow): Customer {
  return {
    id: r.id,
    name: r.name,
    currency: r.currency,
    creditLimit: formatMoney(toBigInt(r.credit_limit)),
    creditLimitDate: r.credit_limit_date,
    creditLimitExpirationDate: r.credit_limit_expiration_date,
    mandatoryCreditLimit: toBool(r.mandatory_credit_limit),
    unlimitedCredit: toBool(r.unlimited_credit),
    excludeFromCreditManagement: toBool(r.exclude_from_credit_management),
    ignoreUntilDate: r.ignore_until_date,
    creditManagementGroupId: r.credit_management_group_id,
    accountStatusId: r.account_status_id,
    statusReasonId: r.status_reason_id,
    paymentTermsId: r.payment_terms_id,
    cashDiscountId: r.cash_discount_id,
    customerGroup: r.customer_group,
    interestCodeId: r.interest_code_id,
    riskScore: moneyOrNull(r.risk_score),
    riskGroupId: r.risk_group_id,
    riskInputs: riskInputsOf(r),
    customerSince: r.customer_since,
    businessStartedDate: r.business_started_date,
    lastReviewDate: r.last_review_date,
    nextScheduledReviewDate: r.next_scheduled_review_date,
    eligibleCreditLimit: moneyOrNull(r.eligible_credit_limit),
    eligibleCreditLimitCurrency: r.eligible_credit_limit_currency,
    eligibleCreditLimitDate: r.eligible_credit_limit_date,
    withAgency: toBool(r.with_agency),
    titleHeld: toBool(r.title_held),
    creditRating: r.credit_rating,
    notes: r.notes,
    collectionsContactId: r.collections_contact_id,
    postingProfile: r.posting_profile,
    salesGroup: r.sales_group,
    invoicingAndDeliveryOnHold: toBool(r.invoicing_and_delivery_on_hold),
    collectionLetterLevel: r.collection_letter_level,
    collectionLetterDate: r.collection_letter_date,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** The columns a caller sets; system-maintained columns (risk group, letters, holds) are not among them. */
export function customerInputToColumns(input: CustomerInput) {
  return {
    name: input.name,
    currency: input.currency,
    credit_limit: input.creditLimit,
    credit_limit_expiration_date: input.creditLimitExpirationDate ?? null,
    mandatory_credit_limit: fromBool(input.mandatoryCreditLimit),
    unlimited_credit: fromBool(input.unlimitedCredit),
    exclude_from_credit_management: fromBool(input.excludeFromCreditManagement),
    ignore_until_date: input.ignoreUntilDate ?? null,
    credit_management_group_id: input.creditManagementGroupId ?? null,
    account_status_id: input.accountStatusId ?? null,
    status_reason_id: input.statusReasonId ?? null,
    payment_terms_id: input.paymentTermsId ?? null,
    cash_discount_id: input.cashDiscountId ?? null,
    customer_group: input.customerGroup ?? null,
    interest_code_id: input.interestCodeId ?? null,
    // Computed by risk-scores:update: a feed that does not send it keeps the score (null clears it).
    ...(input.riskScore !== undefined ? { risk_score: input.riskScore } : {}),
    customer_since: input.customerSince ?? null,
    business_started_date: input.businessStartedDate ?? null,
    last_review_date: input.lastReviewDate ?? null,
    next_scheduled_review_date: input.nextScheduledReviewDate ?? null,
    eligible_credit_limit: input.eligibleCreditLimit ?? null,
    eligible_credit_limit_currency: input.eligibleCreditLimitCurrency ?? null,
    eligible_credit_limit_date: input.eligibleCreditLimitDate ?? null,
    with_agency: fromBool(input.withAgency),
    title_held: fromBool(input.titleHeld),
    credit_rating: input.creditRating ?? null,
    notes: input.notes ?? null,
    collections_contact_id: input.collectionsContactId ?? null,
    posting_profile: input.postingProfile ?? null,
    sales_group: input.salesGroup ?? null,
  };
}

export type CustomerColumns = ReturnType<typeof customerInputToColumns>;

/** `lock` (PostgreSQL only) takes the row lock, so a concurrent change waits and then sees this one's result. */
export function findCustomer(db: Db, id: string, lock = false): Promise<CustomerRow | undefined> {
  const query = db.selectFrom('customers').selectAll().where('id', '=', id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findCustomersByIds(db: Db, ids: string[], lock = false): Promise<Map<string, CustomerRow>> {
  const found = new Map<string, CustomerRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const query = db
      .selectFrom('customers')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .orderBy('id');
    const rows = await (lock ? query.forUpdate() : query).execute();
    for (const r of rows) found.set(r.id, r);
  }
  return found;
}

export async function insertCustomers(db: Db, rows: Insertable<CustomersTable>[]): Promise<void> {
  // 40-odd columns a row: 200 rows stay well under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('customers')
      .values(rows.slice(i, i + 200))
      .execute();
}

export async function updateCustomer(db: Db, id: string, columns: Partial<Insertable<CustomersTable>>): Promise<void> {
  await db.updateTable('customers').set(columns).where('id', '=', id).execute();
}

export interface ListCustomersQuery {
  limit: number;
  after?: string;
  since?: number;
}

export function listCustomers(db: Db, q: ListCustomersQuery): Promise<CustomerRow[]> {
  let query = db
    .selectFrom('customers')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', 'customer').where('seq', '>', since),
    );
  }
  return query.execute();
}

/** Every customer in id order; `lock` as in findCustomer (the risk-score update of all customers). */
export function findAllCustomers(db: Db, lock = false): Promise<CustomerRow[]> {
  const query = db.selectFrom('customers').selectAll().orderBy('id');
  return (lock ? query.forUpdate() : query).execute();
}

const UPDATE_CREDIT_LIMIT_SQL =
  'update customers set credit_limit = ?, credit_limit_expiration_date = ?, credit_limit_date = ?, updated_at = ?, version = ? where id = ?';

/** A posted credit limit (adjustment journals): one prepared statement, as ten thousand lines post in one go. */
export function updateCustomerCreditLimit(
  r: Reader,
  id: string,
  set: { creditLimit: bigint; expirationDate: string | null; limitDate: string; updatedAt: string; version: number },
): Promise<void> {
  return sqlRun(r, UPDATE_CREDIT_LIMIT_SQL, [
    set.creditLimit,
    set.expirationDate,
    set.limitDate,
    set.updatedAt,
    set.version,
    id,
  ]);
}
