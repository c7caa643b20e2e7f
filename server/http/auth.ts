import { createHash, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { AppEnv } from './env';
import { ApiError } from './errors';
import type { Role } from '../db/transaction';
import type { DbHandle } from '../db/connection';
import { SETUP, TOKEN_TTL_MS } from '../db/setup-cache';
import { DOCS_PUBLIC_PATHS } from './docs';

/** 256 random bits, URL-safe; the prefix makes a leaked token easy to recognise in logs and scans. */
export function newToken(): string {
  return `cd_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are high-entropy secrets, so one SHA-256 is enough: there is nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Besides DOCS_PUBLIC_PATHS (`/` and `/favicon.ico`, server/http/docs.ts). */
const PUBLIC = [/^\/healthz$/, /^\/addin(\/|$)/, /^\/docs(\/|$)/, /^\/api\/v1\/openapi\.json$/];

function isPublicPath(path: string): boolean {
  // Under /api/ only the OpenAPI document is public (the common case needs no regular expression).
  if (path.startsWith('/api/')) return path === '/api/v1/openapi.json';
  return (DOCS_PUBLIC_PATHS as readonly string[]).includes(path) || PUBLIC.some((re) => re.test(path));
}

const BEARER = /^Bearer\s+(\S{16,200})\s*$/i;

/** The bearer token a request carries, or 401. */
export function bearerToken(c: Context<AppEnv>): string {
  const header = c.req.header('authorization');
  const m = header ? BEARER.exec(header) : null;
  if (!m) throw new ApiError('unauthenticated', 'send Authorization: Bearer <token>');
  return m[1]!;
}

type TokenOwner = { userId: string; role: Role };

/** The token's owner from the setup cache, while it is trusted (no I/O). */
function cachedOwner(handle: DbHandle, token: string): TokenOwner | undefined {
  const cached = handle.setup.peek(SETUP.tokens)?.get(token);
  return cached && cached.expires > Date.now() ? cached : undefined;
}

/**
 * The owner of a token that is neither unknown nor revoked, or undefined. Resolved tokens are kept
 * in the setup cache (keyed by the token itself: the database keeps only hashes). A revocation
 * drops them in every process at its commit (users.service); on PostgreSQL an entry is also
 * trusted for at most a second (server/db/setup-cache.ts, TOKEN_TTL_MS), so a revoked token stops
 * within 1 s even where a notification is lost.
 */
export async function tokenOwner(handle: DbHandle, token: string): Promise<TokenOwner | undefined> {
  const hit = cachedOwner(handle, token);
  if (hit) return hit;
  const { read, setup } = handle;
  const generation = setup.generation;
  const row = await read
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id as userId', 'users.role as role'])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  let tokens = setup.peek(SETUP.tokens);
  if (!tokens || tokens.size >= MAX_CACHED_TOKENS) setup.keep(SETUP.tokens, (tokens = new Map()), generation);
  // Kept only when nothing was dropped while the row was read (a revocation committed meanwhile).
  if (setup.generation === generation)
    tokens.set(token, {
      userId: row.userId,
      role: row.role as Role,
      expires: Date.now() + TOKEN_TTL_MS[setup.dialect],
    });
  return { userId: row.userId, role: row.role as Role };
}

/** At most this many resolved tokens are kept per database; past it the map starts again. */
const MAX_CACHED_TOKENS = 10_000;

/**
 * Resolves `Authorization: Bearer <token>` to an actor, or answers 401. A token the cache trusts
 * costs no query, no hashing and no promise of its own (see {@link tokenOwner}).
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    if (c.req.method === 'OPTIONS' || isPublicPath(c.req.path)) return next();
    const token = bearerToken(c);
    const cached = cachedOwner(c.get('deps').handle, token);
    if (cached) {
      c.set('actor', { userId: cached.userId, role: cached.role, requestId: c.get('requestId') });
      return next();
    }
    return resolveToken(c, next, token);
  };
}

async function resolveToken(c: Context<AppEnv>, next: Next, token: string): Promise<void> {
  const owner = await tokenOwner(c.get('deps').handle, token);
  if (!owner) throw new ApiError('unauthenticated', 'the token is unknown or was revoked');
  c.set('actor', { userId: owner.userId, role: owner.role, requestId: c.get('requestId') });
  await next();
}

/** Who may do what beyond reading (every role may read everything). */
export const CAN = {
  feedData: ['integration', 'admin'],
  manageUsers: ['admin'],
  setup: ['credit_manager', 'admin'],
  /** Credit attributes of a customer and the exclusion of an order (credit.md §6): credit staff only. */
  editCreditProfile: ['credit_clerk', 'credit_manager'],
  collections: ['collections_agent', 'credit_manager'],
} as const satisfies Record<string, readonly Role[]>;

/** A route's role check, carrying the roles it admits so that registration can publish them (server/http/openapi.ts). */
export type Guard = MiddlewareHandler<AppEnv> & {
  readonly [GUARD]: { readonly roles: readonly Role[]; readonly action: string };
};
const GUARD = Symbol('guard');

/**
 * The role check as route middleware: it runs before the body is validated, so a caller without
 * the role gets 403 whatever it sends (a 400 would tell it about a route it may not use). Its
 * roles are the route's entry in the role matrix: `register` reads them with {@link guardOf}.
 */
export function guard(allowed: readonly Role[], action: string): Guard {
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    authorize(c.get('actor').role, allowed, action);
    await next();
  };
  return Object.assign(check, { [GUARD]: { roles: [...allowed], action } });
}

/** The roles and action of a guard, or undefined for any other middleware. */
export function guardOf(middleware: unknown): Guard[typeof GUARD] | undefined {
  return typeof middleware === 'function' && GUARD in middleware ? (middleware as Guard)[GUARD] : undefined;
}

function authorize(actorRole: string, allowed: readonly Role[], action: string): void {
  if (!(allowed as readonly string[]).includes(actorRole)) {
    throw new ApiError('forbidden', `role ${actorRole} may not ${action}; allowed: ${allowed.join(', ')}`);
  }
}
