import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * What a process hears of commits, its own and (on PostgreSQL) every other process's on the same
 * database:
 * - `changes` (seq): the change log now reaches `seq` (server/sync/change-feed.ts wakes its streams);
 * - `setup` (version, names): a commit changed these setup cache keys (server/db/setup-cache.ts);
 * - `reset`: the process may have missed commits (it started listening, or stopped): whatever it
 *   keeps from the database must be read again.
 */
export interface CommitEvents {
  changes: [seq: number];
  setup: [version: number, names: string[]];
  reset: [];
}

export class DatabaseEvents extends EventEmitter<CommitEvents> {
  /** True while commits of other processes are heard (always on SQLite: there are none). */
  listening = true;
  /** Stops listening (PostgreSQL); the handle's close() calls it. */
  async close(): Promise<void> {}
}

/** The listener's application_name, as pg_stat_activity shows it: which server process it is. */
export const listenerName = (pid: number = process.pid): string => `creditdesk-listen ${pid}`;

/** One message on the channel: `{"c":seq}` after a commit that appended changes, `{"s":version,"k":[names]}` after a setup change. */
type Message = { c: number } | { s: number; k: string[] };

/**
 * The PostgreSQL channel of one schema. NOTIFY reaches every session of the database, and the
 * suite runs many schemas in one database, so the channel names the schema; a channel name is an
 * identifier (at most 63 bytes), so a long schema name is replaced by its hash.
 */
export function channelOf(schema: string | undefined): string {
  if (!schema) return 'creditdesk';
  const name = `creditdesk.${schema}`;
  return name.length <= 63 ? name : `creditdesk.${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/** The NOTIFY payloads transaction.ts sends; parsed back by {@link PostgresEvents}. */
export const changesPayloadSql = `'{"c":' || seq || '}'`;
export const setupPayloadSql = (namesParam: string) => `'{"s":' || version || ',"k":' || ${namesParam} || '}'`;

/**
 * LISTENs on a connection of its own (not one of the pool's: a pooled connection is lent to
 * transactions and may be closed when idle). When it is lost the process may miss commits, so it
 * says `reset` at once and again once it listens anew, reconnecting with a growing pause.
 */
export class PostgresEvents extends DatabaseEvents {
  #client: pg.Client | undefined;
  #closed = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    readonly channel: string,
    private readonly onError: (message: string) => void = () => {},
  ) {
    super();
    this.listening = false;
  }

  /** The server process of the listening connection (pg_stat_activity.pid), while listening. */
  get backendPid(): number | undefined {
    return (this.#client as { processID?: number } | undefined)?.processID;
  }

  /** Listens; the first connection's failure is the caller's (a server that cannot listen does not start). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, application_name: listenerName() });
    client.on('notification', (m) => this.#dispatch(m.payload));
    client.on('error', (e) => this.#lost(client, e.message));
    client.on('end', () => this.#lost(client, 'the connection ended'));
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(this.channel)}`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw e;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    this.listening = true;
    // Commits between losing the old connection and listening on this one were not heard.
    this.emit('reset');
  }

  #dispatch(payload: string | undefined): void {
    let m: Message;
    try {
      m = JSON.parse(payload ?? '') as Message;
    } catch {
      return;
    }
    if ('c' in m) this.emit('changes', Number(m.c));
    else if ('s' in m) this.emit('setup', Number(m.s), m.k);
  }

  #lost(client: pg.Client, why: string): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    this.listening = false;
    this.emit('reset');
    if (this.#closed) return;
    this.onError(`lost the notification connection (${why}); reconnecting`);
    this.#schedule();
  }

  #schedule(): void {
    const pause = Math.min(2000, 50 * 2 ** this.#attempt++);
    this.#timer = setTimeout(() => {
      this.#connect().catch((e: unknown) => {
        this.onError(`could not listen again: ${e instanceof Error ? e.message : String(e)}`);
        this.#schedule();
      });
    }, pause);
    this.#timer.unref();
  }

  override async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.listening = false;
    await client?.end().catch(() => {});
  }
}
