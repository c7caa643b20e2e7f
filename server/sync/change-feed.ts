import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { DbHandle } from '../db/connection';
import type { ChangeOp } from '../db/transaction';
import { toNumber } from '../db/values';

/** One change-log entry as the API shows it (GET /changes and the stream alike). */
export interface Change {
  seq: number;
  entity: string;
  id: string;
  op: ChangeOp;
  version: number;
}

/** The change log after `since`, in sequence order (gap-free: see runInTransaction's flush). */
export async function readChanges(db: Kysely<Database>, since: number, limit: number): Promise<Change[]> {
  const rows = await db
    .selectFrom('changes')
    .selectAll()
    .where('seq', '>', since)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: toNumber(r.seq),
    entity: r.entity,
    id: r.entity_id,
    op: r.op as ChangeOp,
    version: r.version,
  }));
}

/** The change log's last sequence. */
export async function lastChangeSeq(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('change_counter').select('seq').where('id', '=', 1).executeTakeFirst();
  return toNumber(row?.seq ?? 0);
}

/**
 * Wakes the change streams of one process when the change log may have grown: at once for this
 * process's commits and, on PostgreSQL, for every other process's (their NOTIFY, server/db/events.ts).
 * A stream reads the log itself from its own cursor, so what it sends is gap-free and in order
 * whatever it was woken by. As a second line behind the notifications (a lost connection, a lost
 * message), a PostgreSQL process with open streams also reads the counter row every `pollMs`.
 */
export class ChangeFeed {
  readonly #waiters = new Set<() => void>();
  /** The newest sequence this process has heard of. */
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly handle: DbHandle,
    private readonly pollMs = 1000,
  ) {
    handle.events.on('changes', (seq) => this.#heard(seq));
    // A process that may have missed commits wakes every stream to read from its cursor.
    handle.events.on('reset', () => this.#wakeAll());
  }

  /** Resolves when the log may hold an entry after `cursor`, or after `ms` at the latest. */
  wait(cursor: number, ms: number): Promise<void> {
    if (this.#head > cursor) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        this.#waiters.delete(done);
        if (this.#waiters.size === 0) this.#stopPolling();
        resolve();
      };
      const timeout = setTimeout(done, ms);
      this.#waiters.add(done);
      this.#startPolling();
    });
  }

  #heard(seq: number): void {
    if (seq > this.#head) this.#head = seq;
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  #startPolling(): void {
    if (this.#timer || this.handle.dialect !== 'postgres') return;
    this.#timer = setInterval(() => {
      lastChangeSeq(this.handle.read).then(
        (seq) => seq > this.#head && this.#heard(seq),
        () => {}, // the next tick tries again; a stream's own read reports a database that is gone
      );
    }, this.pollMs);
    this.#timer.unref();
  }

  #stopPolling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
