import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Tx } from '../../db/transaction';
import { notFound, ruleViolation } from '../../http/errors';
import { assertVersion, checkUpsert } from '../../http/versioning';
import { membersTakingGroupExpiry } from '../../../shared/credit/credit-groups';
import {
  CUSTOMER,
  customerRowToCustomer,
  findCustomersByIds,
  lockRows,
  updateCustomer,
} from '../../customers/customers.repository';
import {
  CREDIT_GROUP,
  creditGroupRowToCreditGroup,
  deleteCreditGroup as deleteCreditGroupRows,
  findCreditGroup,
  insertCreditGroup,
  membersOf,
  membersOfGroups,
  membershipsElsewhere,
  replaceMembers,
  updateCreditGroup,
  type CreditGroupRow,
} from './credit-groups.repository';
import type { CreditGroup, CreditGroupInput } from './credit-groups.schema';

export async function getCreditGroup(db: Kysely<Database>, id: string): Promise<CreditGroup> {
  const row = await findCreditGroup(db, id);
  if (!row) throw notFound('credit group', id);
  return creditGroupRowToCreditGroup(row, await membersOf(db, id));
}

/** The groups of a page as the API shows them, members included. */
export async function creditGroupsWithMembers(db: Kysely<Database>, rows: CreditGroupRow[]): Promise<CreditGroup[]> {
  const members = await membersOfGroups(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => creditGroupRowToCreditGroup(r, members.get(r.id) ?? []));
}

/**
 * Creates or replaces a group with its members. A customer belongs to at most one group; joining
 * sets its limit expiry to the group's date (credit.md §1.5), recorded as a customer change.
 */
export async function upsertCreditGroup(
  tx: Tx,
  id: string,
  input: CreditGroupInput,
  ifMatch: number | undefined,
): Promise<{ json: CreditGroup; created: boolean }> {
  const existing = await findCreditGroup(tx.db, id, lockRows(tx));
  const beforeMembers = existing ? await membersOf(tx.db, id) : [];
  checkUpsert('credit group', id, existing, ifMatch, () => creditGroupRowToCreditGroup(existing!, beforeMembers));

  const wanted = [...new Set(input.members)];
  const customers = await findCustomersByIds(tx.db, wanted, lockRows(tx));
  const unknown = wanted.filter((m) => !customers.has(m));
  if (unknown.length)
    throw ruleViolation(
      'some members are not customers',
      unknown.map((m) => ({ path: `members.${input.members.indexOf(m)}`, message: `customer ${m} does not exist` })),
    );
  const elsewhere = await membershipsElsewhere(tx.db, wanted, id);
  if (elsewhere.length)
    throw ruleViolation(
      'a customer belongs to at most one credit group',
      elsewhere.map((e) => ({
        path: `members.${input.members.indexOf(e.customer_id)}`,
        message: `customer ${e.customer_id} is in credit group ${e.credit_group_id}`,
      })),
    );

  const row: CreditGroupRow = {
    id,
    name: input.name,
    credit_limit: input.creditLimit,
    currency: input.currency,
    credit_limit_to_date: input.creditLimitToDate,
    created_at: existing?.created_at ?? tx.now,
    updated_at: tx.now,
    version: existing ? existing.version + 1 : 1,
  };
  if (existing) await updateCreditGroup(tx.db, id, row);
  else await insertCreditGroup(tx.db, row);
  await replaceMembers(tx.db, id, wanted);

  const members = wanted.map((customerId) => {
    const c = customers.get(customerId)!;
    return { id: customerId, creditLimitExpirationDate: c.credit_limit_expiration_date, row: c };
  });
  for (const { member, creditLimitExpirationDate } of membersTakingGroupExpiry(members, input.creditLimitToDate)) {
    const c = member.row;
    const set = { credit_limit_expiration_date: creditLimitExpirationDate, updated_at: tx.now, version: c.version + 1 };
    await updateCustomer(tx.db, c.id, set);
    tx.changed(CUSTOMER, c.id, 'update', set.version, {
      action: 'customer.joinCreditGroup',
      before: customerRowToCustomer(c),
      after: customerRowToCustomer({ ...c, ...set }),
      reason: `member of credit group ${id}`,
    });
  }
  const json = creditGroupRowToCreditGroup(row, [...wanted].sort());
  tx.changed(CREDIT_GROUP, id, existing ? 'update' : 'create', row.version, {
    action: `creditGroup.${existing ? 'update' : 'create'}`,
    before: existing ? creditGroupRowToCreditGroup(existing, beforeMembers) : null,
    after: json,
  });
  return { json, created: !existing };
}

/** Deletes a group (If-Match); members keep their own limits. */
export async function deleteCreditGroup(tx: Tx, id: string, ifMatch: number): Promise<CreditGroup> {
  // Locked on PostgreSQL: a concurrent replace must finish first (then this sees its version).
  const existing = await findCreditGroup(tx.db, id, lockRows(tx));
  if (!existing) throw notFound('credit group', id);
  const before = creditGroupRowToCreditGroup(existing, await membersOf(tx.db, id));
  assertVersion(ifMatch, existing, before);
  await deleteCreditGroupRows(tx.db, id);
  tx.changed(CREDIT_GROUP, id, 'delete', existing.version + 1, { action: 'creditGroup.delete', before, after: null });
  return { ...before, version: existing.version + 1 };
}
