import type { Transaction } from 'kysely';
import type { Database } from './schema';
import { readSetupVersion, type DbHandle, type Dialect } from './connection';
import { toBigInt } from './values';
import { sqlFirst, sqlInsertMany, type Reader } from './prepared-sql';
import { changesPayloadSql, setupPayloadSql } from './events';
import type { CacheKey, SetupView } from './setup-cache';
import { Pace } from './pace';

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
    /** One timestamp for everything this unit of work writes (an ISO instant in UTC, from the handle's clock). */
    readonly now: string,
    /** The setup cache as this unit of work sees it (server/db/setup-cache.ts). */
    readonly cache: SetupView,
    /** SQLite only: the same connection, for cached prepared statements on hot paths (db/prepared-sql.ts). */
    readonly sqlite?: DbHandle['sqlite'],
    /** Long work in this unit of work calls `await tx.pace.step()` between small pieces (server/db/pace.ts). */
    readonly pace: Pace = new Pace(),
  ) {}

  /** The UTC date of `now`: "today" for everything this unit of work decides. */
  get today(): string {
    return this.now.slice(0, 10);
  }

  /**
   * Names a setup cache entry this unit of work changes. Until it ends, its own reads of that
   * entry go to the database (they see its uncommitted rows, which must never reach the cache);
   * its commit moves the setup version on and tells every process (server/db/setup-cache.ts),
   * and a rollback leaves the cache as it was.
   */
  invalidate(key: CacheKey<unknown>): void {
    this.cache.invalidated.add(key);
  }

  /** Records that a row changed: it goes to the global change log with the next sequence. */
  change(entity: string, id: string, op: ChangeOp, version: number): void {
    this.changes.push({ entity, id, op, version });
  }

  audit(entry: AuditEntry): void {
    this.audits.push(entry);
  }

  /** Both at once, for the common case of one row changing. */
  changed(
    entity: string,
    id: string,
    op: ChangeOp,
    version: number,
    audit: Omit<AuditEntry, 'entity' | 'entityId'>,
  ): void {
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
  const row = await sqlFirst<{ seq: number | string }>(r, 'select seq from change_counter where id = 1', []);
  return toBigInt(row?.seq ?? 0);
}

/**
 * Writes `items` as rows of `table`, 1,000 at a time, pacing between parts: a command that
 * settled 20,000 invoices has 60,000 change-log and audit rows to write (and as many JSON texts).
 */
async function inParts<T>(
  tx: Tx,
  items: readonly T[],
  toRow: (item: T, index: number) => unknown[],
  table: string,
  columns: readonly string[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) {
    const rows = items.slice(i, i + 1000).map((item, j) => toRow(item, i + j));
    await sqlInsertMany(tx, table, columns, rows);
    await tx.pace.step();
  }
}

/** What a committed unit of work tells the process (and on PostgreSQL, every process) after its commit. */
interface Flushed {
  /** The change log's last sequence after this unit of work, when it appended changes. */
  lastSeq?: number;
  /** The setup version it moved to and the cache keys it changed, when it changed setup. */
  setup?: { version: number; names: string[] };
}

/**
 * Appends the change log and audit rows of a unit of work, inside its transaction, and moves the
 * setup version on when it changed setup. On PostgreSQL the same statements send the NOTIFY that
 * other processes hear once the transaction commits (and never when it rolls back).
 */
async function flush(tx: Tx, channel: string | undefined): Promise<Flushed> {
  const out: Flushed = {};
  const n = tx.changes.length;
  if (n > 0) {
    const notify = channel ? `, pg_notify(?, ${changesPayloadSql})` : '';
    const row = await sqlFirst<{ seq: number | string }>(
      tx,
      `update change_counter set seq = seq + ? where id = 1 returning seq${notify}`,
      channel ? [n, channel] : [n],
    );
    const last = Number(toBigInt(row!.seq));
    const first = last - n + 1;
    await inParts(tx, tx.changes, (c, i) => [first + i, c.entity, c.id, c.op, c.version, tx.now], 'changes', [
      'seq',
      'entity',
      'entity_id',
      'op',
      'version',
      'at',
    ]);
    out.lastSeq = last;
  }
  await inParts(
    tx,
    tx.audits,
    (a) => [
      tx.now,
      tx.actor.userId,
      tx.actor.requestId ?? null,
      a.action,
      a.entity,
      a.entityId,
      json(a.before),
      json(a.after),
      a.reason ?? null,
    ],
    'audit_log',
    ['at', 'user_id', 'request_id', 'action', 'entity', 'entity_id', 'before', 'after', 'reason'],
  );
  if (tx.cache.invalidated.size > 0) {
    const names = [...tx.cache.invalidated].map((k) => k.name);
    const notify = channel ? `, pg_notify(?, ${setupPayloadSql('?')})` : '';
    const row = await sqlFirst<{ version: number | string }>(
      tx,
      `update setup_version set version = version + 1 where id = 1 returning version${notify}`,
      channel ? [channel, JSON.stringify(names)] : [],
    );
    out.setup = { version: Number(row!.version), names };
  }
  return out;
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
export async function runInTransaction<T>(
  handle: DbHandle,
  actor: Actor,
  fn: (tx: Tx) => Promise<T>,
  maxAttempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let unit: Tx | undefined;
    let flushed: Flushed = {};
    try {
      const result = await handle.db.transaction().execute(async (trx) => {
        unit = new Tx(
          trx,
          actor,
          handle.dialect,
          handle.clock.now().toISOString(),
          handle.setup.view(() => readSetupVersion(trx)),
          handle.sqlite,
          handle.writerPace,
        );
        const value = await fn(unit);
        flushed = await flush(unit, handle.channel);
        return value;
      });
      // This process hears its own commit at once; other processes through the NOTIFY.
      if (flushed.setup) handle.setup.committed(flushed.setup.version, flushed.setup.names);
      if (flushed.lastSeq !== undefined) handle.events.emit('changes', flushed.lastSeq);
      for (const hook of unit!.afterCommit) hook();
      return result;
    } catch (e) {
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
