import { randomBytes } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { ruleViolation, type ErrorDetail } from '../../http/errors';
import { ID_EXAMPLES, idOf } from '../../http/schemas';

/**
 * What activities, cases and collection-status changes share: the link lists they take, the
 * checks that every linked row exists and belongs to the same customer, and how those checks
 * are reported (one 422 naming every offending field, nothing written).
 */

type Db = Kysely<Database>;

/** At most this many transactions are linked to one activity or case, or set in one call. */
const MAX_LINKED_TRANSACTIONS = 1000;

/** A server id: the prefix says what it is, 40 random bits make it unique enough for one company. */
export const newWorkId = (prefix: 'ACT' | 'CASE') => `${prefix}-${randomBytes(5).toString('hex')}`;

/** A list of transaction ids without repeats; a repeat is a 400 naming its place (`transactionIds.3`). */
export const TransactionIdList = (min = 0) =>
  z
    .array(idOf('transaction'))
    .min(min)
    .max(MAX_LINKED_TRANSACTIONS)
    .superRefine((ids, ctx) => {
      const seen = new Map<string, number>();
      ids.forEach((id, n) => {
        const first = seen.get(id);
        if (first !== undefined)
          ctx.addIssue({ code: 'custom', path: [n], message: `repeats ${id} (already at ${first})` });
        else seen.set(id, n);
      });
    })
    .openapi({
      description: `ledger transaction ids, no repeats, at most ${MAX_LINKED_TRANSACTIONS}`,
      example: [ID_EXAMPLES.transaction],
    });

/** A point in time in a request: ISO 8601 with a zone (`Z` or an offset); stored and answered in UTC. */
export const TimestampIn = z.iso
  .datetime({ offset: true })
  .openapi({
    format: 'date-time',
    example: '2025-06-30T09:00:00Z',
    description: 'ISO 8601 with Z or an offset; answered in UTC',
  })
  .transform((s) => new Date(s).toISOString());

/** A sorted, repeat-free copy, so link lists compare and answer the same way every time. */
export const sortedIds = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

export const sameIds = (a: readonly string[], b: readonly string[]): boolean => {
  const x = sortedIds(a);
  const y = sortedIds(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** Refuses with one 422 listing every problem, or does nothing when there is none. */
export function refuseIf(errors: ErrorDetail[], message: string): void {
  if (errors.length)
    throw ruleViolation(`${message}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}

/**
 * Every linked transaction must exist and belong to the activity's or case's customer
 * (collections.md §1.8, §1.9); a problem is named by the id's place in the request.
 */
export async function transactionLinkErrors(
  db: Db,
  customerId: string,
  ids: readonly string[],
  path = 'transactionIds',
): Promise<ErrorDetail[]> {
  if (ids.length === 0) return [];
  const owners = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('transactions')
      .select(['id', 'customer_id'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) owners.set(r.id, r.customer_id);
  }
  const errors: ErrorDetail[] = [];
  ids.forEach((id, n) => {
    const owner = owners.get(id);
    if (owner === undefined) errors.push({ path: `${path}.${n}`, message: `transaction ${id} does not exist` });
    else if (owner !== customerId)
      errors.push({
        path: `${path}.${n}`,
        message: `transaction ${id} belongs to customer ${owner}, not ${customerId}`,
      });
  });
  return errors;
}

/** A responsible worker or case owner must be an existing user (any role). */
export async function userErrors(db: Db, userId: string | null | undefined, path: string): Promise<ErrorDetail[]> {
  if (userId === null || userId === undefined) return [];
  const user = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  return user ? [] : [{ path, message: `user ${userId} does not exist` }];
}

/** Transaction ids linked to each owner row, sorted, for a page of rows (chunked `in` lists). */
export async function linkedTransactionIds(
  db: Db,
  table: 'activity_transactions' | 'case_transactions',
  ownerIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ownerIds.map((id) => [id, []]));
  for (let i = 0; i < ownerIds.length; i += 500) {
    const chunk = ownerIds.slice(i, i + 500);
    const rows =
      table === 'activity_transactions'
        ? await db
            .selectFrom('activity_transactions')
            .select(['activity_id as owner', 'transaction_id'])
            .where('activity_id', 'in', chunk)
            .execute()
        : await db
            .selectFrom('case_transactions')
            .select(['case_id as owner', 'transaction_id'])
            .where('case_id', 'in', chunk)
            .execute();
    for (const r of rows) out.get(r.owner)?.push(r.transaction_id);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** Replaces the set of transactions linked to one activity or case. */
export async function replaceTransactionLinks(
  db: Db,
  table: 'activity_transactions' | 'case_transactions',
  ownerId: string,
  ids: readonly string[],
): Promise<void> {
  if (table === 'activity_transactions') {
    await db.deleteFrom('activity_transactions').where('activity_id', '=', ownerId).execute();
    for (let i = 0; i < ids.length; i += 400)
      await db
        .insertInto('activity_transactions')
        .values(ids.slice(i, i + 400).map((t) => ({ activity_id: ownerId, transaction_id: t })))
        .execute();
  } else {
    await db.deleteFrom('case_transactions').where('case_id', '=', ownerId).execute();
    for (let i = 0; i < ids.length; i += 400)
      await db
        .insertInto('case_transactions')
        .values(ids.slice(i, i + 400).map((t) => ({ case_id: ownerId, transaction_id: t })))
        .execute();
  }
}
