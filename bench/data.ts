// The bench's data, the same on SQLite and PostgreSQL: users and customers through the service
// layer (multi-row inserts, with their change-log and audit rows), rules and ledger rows raw.
import { sql } from 'kysely';
import type { DbHandle } from '../server/db/connection';
import { runInTransaction, SYSTEM } from '../server/db/transaction';
import { createUser } from '../server/users/users.service';
import { upsertCustomerBatch } from '../server/customers/customers.service';
import { fiftyRules } from './credit';
import { AS_OF, customer, CUSTOMERS, WRITE_OFF_CUSTOMER } from './requests';

export interface BenchTokens {
  /** An admin's token (credit checks, customers). */
  token: string;
  /** A credit manager's token (setup, journals, uploads, collections). */
  managerToken: string;
}

/** Two users, the 10,000 customers the ledger is for, and the 50 rules the credit check sees, stored as rows. */
export async function seedBench(handle: DbHandle): Promise<BenchTokens> {
  const token = await runInTransaction(
    handle,
    SYSTEM,
    async (tx) => (await createUser(tx, { name: 'bench', role: 'admin' })).token,
  );
  const managerToken = await runInTransaction(
    handle,
    SYSTEM,
    async (tx) => (await createUser(tx, { name: 'bench manager', role: 'credit_manager' })).token,
  );
  await runInTransaction(handle, SYSTEM, (tx) =>
    upsertCustomerBatch(
      tx,
      Array.from({ length: CUSTOMERS }, (_, i) => customer(i)),
    ),
  );
  await handle.db
    .insertInto('blocking_rules')
    .values(
      fiftyRules().map((r) => ({
        id: r.id,
        rule_type: r.ruleType,
        kind: r.kind,
        valid_for: r.validFor,
        account_or_group: r.accountOrGroup,
        risk_group_id: r.riskGroupId,
        value_type: r.valueType,
        days: r.days,
        amount: r.amount,
        percent: r.percent,
        credit_limit_threshold: r.creditLimitThreshold,
        account_status_id: r.accountStatusId,
        payment_terms_id: r.paymentTermsId,
        release_sales_order: 0,
        description: null,
        created_at: '2025-06-30T00:00:00.000Z',
        updated_at: '2025-06-30T00:00:00.000Z',
        version: 1,
      })),
    )
    .execute();
  return { token, managerToken };
}

/** 40,000 more customers (D…, no ledger), so a 50,000-row upload names 50,000 distinct customers. */
export async function addUploadCustomers(handle: DbHandle): Promise<void> {
  for (let i = 0; i < 40_000; i += 10_000)
    await runInTransaction(handle, SYSTEM, (tx) =>
      upsertCustomerBatch(
        tx,
        Array.from({ length: 10_000 }, (_, j) => customer(i + j, 'D')),
      ),
    );
}

/** How many open invoices the write-off customer has: the largest write-off the bench runs. */
export const WRITE_OFF_INVOICES = 20_000;

/** The write-off customer and its open invoices (USD, the accounting currency), in one set-based insert (the same SQL on both dialects). */
export async function addWriteOffCustomer(handle: DbHandle): Promise<void> {
  await runInTransaction(handle, SYSTEM, (tx) => upsertCustomerBatch(tx, [{ ...customer(0), id: WRITE_OFF_CUSTOMER }]));
  await sql`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${sql.lit(WRITE_OFF_INVOICES - 1)})
    insert into transactions (id, customer_id, type, amount, open_amount, amount_accounting, open_amount_accounting, currency, trans_date, due_date, document_date, tax_amount, source, collection_status, canceled, created_at, version)
    select 'W-' || i, ${WRITE_OFF_CUSTOMER}, 'invoice', 10000, 10000, 10000, 10000, 'USD', '2025-01-15', '2025-02-14', '2025-01-15', 0, 'bench', 'notDisputed', 0, ${`${AS_OF}T00:00:00.000Z`}, 1 from n`.execute(
    handle.db,
  );
}
