import type { Transaction } from 'kysely';
import type { Database } from './schema';
import type { DbHandle, Dialect } from './connection';
import { nowIso, toBigInt } from './values';
import { hotFirst, hotInsert, type Reader } from './hot';

export type Trx = Transaction<Database>;
export type Role = 'admin' | 'credit_manager' | 'credit_clerk' | 'collections_agent' | 'integration';
export const ROLES: readonly Role[] = ['admin', 'credit_manager', 'credit_clerk', 'collections_agent', 'integration'];

/** Who is acting: a signed-in user, or the system itself (seeding, start-up). */
export interface Actor {
  userId: string | null;
  role: Role | 'system';
  requestId?: string;
}

export const SYSTEM: Actor = { userId: null, role: 'system' };

export type ChangeOp = 'create' | 'update' | 'delete';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/**
 * One unit of work: the open transaction plus what it must append before committing
 * (change-log entries and audit rows) and what must run only after the commit.
 */
export class Tx {
  readonly changes: { entity: string; id: string; op: ChangeOp; version: number }[] = [];
  readonly audits: AuditEntry[] = [];
  readonly afterCommit: (() => void)[] = [];

  constructor(
    readonly db: Trx,
    readonly actor: Actor,
    readonly dialect: Dialect,
    /** One timestamp for everything this unit of work writes. */
    readonly now: string,
    /** The database's setup cache (see DbHandle.cache). */
    readonly cache: Map<string, unknown> = new Map(),
    /** SQLite only: the same connection, for cached prepared statements on hot paths (db/hot.ts). */
    readonly sqlite?: DbHandle['sqlite'],
  ) {}

  /** The cache keys this unit of work invalidated (see {@link invalidate}). */
  readonly invalidated = new Set<string>();

  /**
   * Drops a cached setup entry now and again once this unit of work ends, committed or rolled
   * back: a read inside the transaction after this call may have cached rows that were never
   * committed (the cache is the database's, not the transaction's), and a rollback must not leave
   * them there. Until then readers read the entry fresh.
   */
  invalidate(key: string): void {
    this.cache.delete(key);
    if (this.invalidated.has(key)) return;
    this.invalidated.add(key);
    this.afterCommit.push(() => this.cache.delete(key));
  }

  /** After a rollback: drops what {@link invalidate} named, which reads in the transaction may have cached. */
  forgetInvalidated(): void {
    for (const key of this.invalidated) this.cache.delete(key);
  }

  /** Records that a row changed: it goes to the global change log with the next sequence. */
  change(entity: string, id: string, op: ChangeOp, version: number): void {
    this.changes.push({ entity, id, op, version });
  }

  audit(entry: AuditEntry): void {
    this.audits.push(entry);
  }

  /** Both at once, for the common case of one row changing. */
  changed(entity: string, id: string, op: ChangeOp, version: number, audit: Omit<AuditEntry, 'entity' | 'entityId'>): void {
    this.change(entity, id, op, version);
    this.audit({ entity, entityId: id, ...audit });
  }

  onCommit(fn: () => void): void {
    this.afterCommit.push(fn);
  }
}

const bigintAsText = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

function json(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // A replacer runs for every key, so it is used only when the value holds a bigint (stringify throws on one).
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (e instanceof TypeError) return JSON.stringify(value, bigintAsText);
    throw e;
  }
}

/** The change log's last sequence: the counter row every committing unit of work advances (see flush). */
export async function changeCounter(r: Reader): Promise<bigint> {
  const row = await hotFirst<{ seq: number | string }>(r, 'select seq from change_counter where id = 1', []);
  return toBigInt(row?.seq ?? 0);
}

/** Appends the change log and audit rows of a unit of work, inside its transaction. */
async function flush(tx: Tx): Promise<void> {
  const n = tx.changes.length;
  if (n > 0) {
    const row = await tx.db
      .updateTable('change_counter')
      .set((eb) => ({ seq: eb('seq', '+', n) }))
      .where('id', '=', 1)
      .returning('seq')
      .executeTakeFirstOrThrow();
    const first = Number(toBigInt(row.seq) - BigInt(n) + 1n);
    const rows = tx.changes.map((c, i) => [first + i, c.entity, c.id, c.op, c.version, tx.now]);
    await hotInsert(tx, 'changes', ['seq', 'entity', 'entity_id', 'op', 'version', 'at'], rows);
  }
  if (tx.audits.length > 0) {
    const rows = tx.audits.map((a) => [tx.now, tx.actor.userId, tx.actor.requestId ?? null, a.action, a.entity, a.entityId, json(a.before), json(a.after), a.reason ?? null]);
    await hotInsert(tx, 'audit_log', ['at', 'user_id', 'request_id', 'action', 'entity', 'entity_id', 'before', 'after', 'reason'], rows);
  }
}

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === '40001' || code === '40P01') return true;
  // PostgreSQL (READ COMMITTED): two transactions both found no row and both inserted it. The
  // loser is a race, not bad input: its retry sees the winner's row and its command decides
  // (a feed upsert updates it, a PUT without If-Match answers 428). Idempotency keys are left to
  // command(), which answers with the stored response. SQLite runs one writer at a time.
  return code === '23505' && (e as { table?: unknown }).table !== 'idempotency_keys';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` in one database transaction, appending its change-log and audit rows before the
 * commit. A busy database or a serialization failure retries the whole transaction, never a
 * single statement, so a retry can never half-apply a command.
 */
export async function runInTransaction<T>(handle: DbHandle, actor: Actor, fn: (tx: Tx) => Promise<T>, maxAttempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let unit: Tx | undefined;
    try {
      const result = await handle.db.transaction().execute(async (trx) => {
        unit = new Tx(trx, actor, handle.dialect, nowIso(), handle.cache, handle.sqlite);
        const value = await fn(unit);
        await flush(unit);
        return value;
      });
      for (const hook of unit!.afterCommit) hook();
      return result;
    } catch (e) {
      unit?.forgetInvalidated();
      if (!isRetryable(e) || attempt >= maxAttempts) throw e;
      await sleep(10 * 2 ** attempt + Math.random() * 10);
    }
  }
}

/** A unique-constraint violation in either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
