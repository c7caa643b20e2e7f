import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './env';
import { ApiError } from './errors';
import { etag } from './versioning';
import { isUniqueViolation, runInTransaction, type Tx } from '../db/transaction';

export interface CommandResult {
  status?: ContentfulStatusCode;
  body: unknown;
  /** The version of the single row the command returns, sent as ETag. */
  version?: number;
  /**
   * The body holds a secret (a new API token). Tokens are stored only as hashes, so the copy
   * kept for an Idempotency-Key replay is sealed with the caller's own token, never plain.
   */
  secret?: boolean;
}

const KEY = /^[\x21-\x7e]{1,200}$/;

async function requestHash(c: Context<AppEnv>): Promise<string> {
  const body = await c.req.text();
  return createHash('sha256')
    .update(`${c.req.method} ${c.req.path}?${new URL(c.req.url).search}\n${body}`)
    .digest('hex');
}

const SEALED = 'sealed:v1:';

/** A key only the caller's own bearer token can derive; the database never holds that token. */
function sealingKey(c: Context<AppEnv>, key: string): Buffer {
  const token = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  return createHmac('sha256', token)
    .update(`idempotency:${c.var.actor.userId ?? ''}:${key}`)
    .digest();
}

function seal(text: string, k: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `${SEALED}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${data.toString('base64url')}`;
}

function unseal(stored: string, k: Buffer): string | undefined {
  const [iv = '', tag = '', data = ''] = stored.slice(SEALED.length).split('.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function respond(c: Context<AppEnv>, result: CommandResult, replayed = false): Response {
  if (result.version !== undefined) c.header('ETag', etag(result.version));
  if (replayed) c.header('Idempotent-Replayed', 'true');
  return c.json(result.body as object, result.status ?? 200);
}

async function storedResponse(c: Context<AppEnv>, key: string, hash: string): Promise<Response | undefined> {
  const row = await c.var.deps.handle.read
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', c.var.actor.userId ?? '')
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw new ApiError('rule_violation', 'this Idempotency-Key was already used with a different request', [
      { path: 'Idempotency-Key', message: 'reused with a different body' },
    ]);
  }
  let text = row.response;
  if (text.startsWith(SEALED)) {
    const opened = unseal(text, sealingKey(c, key));
    if (opened === undefined) {
      throw new ApiError(
        'rule_violation',
        'this Idempotency-Key was used with another token; its response holds a secret only that token can replay',
        [{ path: 'Idempotency-Key', message: 'used with another token' }],
      );
    }
    text = opened;
  }
  const stored = JSON.parse(text) as CommandResult;
  return respond(c, { ...stored, status: row.status as ContentfulStatusCode }, true);
}

/**
 * Runs one command in one transaction and answers it. With an `Idempotency-Key`, the response
 * is stored in the same transaction as the change, so a retry after a timeout or a crash gets
 * the first answer back and can never apply the change twice.
 */
export async function command(c: Context<AppEnv>, fn: (tx: Tx) => Promise<CommandResult>): Promise<Response> {
  const key = c.req.method === 'POST' ? c.req.header('idempotency-key') : undefined;
  if (key === undefined) {
    const result = await runInTransaction(c.var.deps.handle, c.var.actor, fn);
    return respond(c, result);
  }
  if (!KEY.test(key))
    throw new ApiError('invalid_request', 'Idempotency-Key must be 1–200 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'malformed' },
    ]);
  const hash = await requestHash(c);
  const replay = await storedResponse(c, key, hash);
  if (replay) return replay;
  try {
    const result = await runInTransaction(c.var.deps.handle, c.var.actor, async (tx) => {
      const r = await fn(tx);
      const response = JSON.stringify({ body: r.body, version: r.version });
      await tx.db
        .insertInto('idempotency_keys')
        .values({
          user_id: tx.actor.userId ?? '',
          key,
          request_hash: hash,
          status: r.status ?? 200,
          response: r.secret ? seal(response, sealingKey(c, key)) : response,
          created_at: tx.now,
        })
        .execute();
      return r;
    });
    return respond(c, result);
  } catch (e) {
    // A concurrent request with the same key committed first: answer with its response.
    if (isUniqueViolation(e)) {
      const again = await storedResponse(c, key, hash);
      if (again) return again;
    }
    throw e;
  }
}

/**
 * Idempotency for requests that run several transactions of their own (release/reject batches,
 * evaluate): a stored answer is replayed; otherwise `fn` runs and its answer is stored afterwards.
 * Each item is still protected by its own state (versions, statuses), so even a crash between the
 * items and the stored answer cannot apply an item twice: a retry answers those items as conflicts.
 */
export async function idempotentBatch(c: Context<AppEnv>, fn: () => Promise<CommandResult>): Promise<Response> {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return respond(c, await fn());
  if (!KEY.test(key))
    throw new ApiError('invalid_request', 'Idempotency-Key must be 1–200 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'malformed' },
    ]);
  const hash = await requestHash(c);
  const replay = await storedResponse(c, key, hash);
  if (replay) return replay;
  const result = await fn();
  try {
    await runInTransaction(c.var.deps.handle, c.var.actor, async (tx) => {
      await tx.db
        .insertInto('idempotency_keys')
        .values({
          user_id: tx.actor.userId ?? '',
          key,
          request_hash: hash,
          status: result.status ?? 200,
          response: JSON.stringify({ body: result.body, version: result.version }),
          created_at: tx.now,
        })
        .execute();
    });
  } catch (e) {
    // A concurrent twin stored its answer first: answer with that one.
    if (isUniqueViolation(e)) {
      const again = await storedResponse(c, key, hash);
      if (again) return again;
    }
    throw e;
  }
  return respond(c, result);
}
