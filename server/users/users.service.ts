import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Role, Tx } from '../db/transaction';
import { hashToken, newToken } from '../http/auth';
import { SETUP } from '../db/setup-cache';
import { notFound } from '../http/errors';

const USER = 'user';

export interface User {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  version: number;
}

const userJson = (r: { id: string; name: string; role: string; created_at: string; version: number }): User => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  createdAt: r.created_at,
  version: r.version,
});

async function issueToken(tx: Tx, userId: string, token: string): Promise<void> {
  await tx.db
    .insertInto('api_tokens')
    .values({
      id: `t_${randomBytes(8).toString('hex')}`,
      user_id: userId,
      token_hash: hashToken(token),
      created_at: tx.now,
      revoked_at: null,
    })
    .execute();
}

/** Creates a user and its first token. The token is returned once and stored only as a hash. */
export async function createUser(
  tx: Tx,
  input: { name: string; role: Role; id?: string; token?: string },
): Promise<{ user: User; token: string }> {
  const id = input.id ?? `u_${randomBytes(8).toString('hex')}`;
  const row = { id, name: input.name, role: input.role, created_at: tx.now, version: 1 };
  await tx.db.insertInto('users').values(row).execute();
  const token = input.token ?? newToken();
  await issueToken(tx, id, token);
  const user = userJson(row);
  tx.changed(USER, id, 'create', 1, { action: 'user.create', after: user });
  return { user, token };
}

/** A further token for an existing user (e.g. after revoking a leaked one). */
export async function createToken(tx: Tx, userId: string): Promise<string> {
  const user = await tx.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!user) throw notFound('user', userId);
  const token = newToken();
  await issueToken(tx, userId, token);
  tx.audit({ action: 'user.token.create', entity: USER, entityId: userId });
  return token;
}

export async function revokeTokens(tx: Tx, userId: string): Promise<number> {
  const user = await tx.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!user) throw notFound('user', userId);
  const result = await tx.db
    .updateTable('api_tokens')
    .set({ revoked_at: tx.now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const revoked = Number(result.numUpdatedRows);
  tx.invalidate(SETUP.tokens);
  tx.audit({ action: 'user.tokens.revoke', entity: USER, entityId: userId, after: { revoked } });
  return revoked;
}

export async function listUsers(db: Kysely<Database>): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('id').execute();
  return rows.map(userJson);
}

export async function findUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? userJson(row) : undefined;
}

/**
 * ADMIN_TOKEN at start: an admin whose token is that value exists afterwards. Kept when it is
 * already there, so restarting with the same variable changes nothing.
 */
export async function ensureAdminToken(tx: Tx, token: string): Promise<void> {
  const hash = hashToken(token);
  const existing = await tx.db
    .selectFrom('api_tokens')
    .select(['user_id', 'revoked_at'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (existing && existing.revoked_at === null) return;
  if (existing) throw new Error('ADMIN_TOKEN was revoked; choose a new value');
  const admin = await tx.db.selectFrom('users').select('id').where('id', '=', 'admin').executeTakeFirst();
  if (admin) await issueToken(tx, 'admin', token);
  else await createUser(tx, { id: 'admin', name: 'Administrator', role: 'admin', token });
}
