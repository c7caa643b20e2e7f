import SQLite from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import { Pace } from './pace';
import type { Database } from './schema';
import { migrations } from './migrations/registry';
import { SetupCache } from './setup-cache';
import { channelOf, DatabaseEvents, PostgresEvents } from './events';
import { systemClock, type Clock } from '../clock';

export type Dialect = 'sqlite' | 'postgres';

export interface DbHandle {
  /** The writer: transactions (runInTransaction) and anything that must see them. */
  db: Kysely<Database>;
  /**
   * Reads outside a transaction: committed data only, and never waiting for a writer. On SQLite
   * this is a second, read-only connection (WAL lets it read while a long transaction writes on
   * the other; Kysely lends the writer to one transaction at a time); on PostgreSQL the same pool.
   */
  read: Kysely<Database>;
  dialect: Dialect;
  /** The raw better-sqlite3 connection (SQLite only): for hot paths and benchmarks. */
  sqlite?: SQLite.Database;
  /** SQLite only: the raw read-only connection behind `read`, for hot-path reads outside a transaction. */
  sqliteRead?: SQLite.Database;
  /**
   * SQLite only: the writer's pacing (server/db/pace.ts), shared by its Kysely statements (which
   * step it before each statement) and its transactions' hot paths (Tx.pace). A new slice begins
   * each time a unit of work takes the writer.
   */
  writerPace?: Pace;
  /** The process's setup cache for this database (server/db/setup-cache.ts). */
  setup: SetupCache;
  /** What "now" and "today" are for everything this handle serves (server/clock.ts). */
  clock: Clock;
  /** Commits heard: this process's, and on PostgreSQL every process's (server/db/events.ts). */
  events: DatabaseEvents;
  /** On PostgreSQL the NOTIFY channel of this database and schema; undefined on SQLite. */
  channel?: string;
  /**
   * Runs `fn` while no other process starting on this database runs its migrations or its own
   * `exclusive` work (PostgreSQL: the same session advisory lock; SQLite: one process owns the file).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DbConfig {
  /** `postgres://…` for PostgreSQL, otherwise a SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL schema to use (created when missing); tests use a fresh one per run. */
  schema?: string;
  /** The clock of every unit of work and reader on this database (default: the system's). */
  clock?: Clock;
  /** Where the PostgreSQL notification connection reports that it was lost (default: nowhere). */
  onEventError?: (message: string) => void;
  /**
   * PostgreSQL: keep the setup cache right across processes (LISTEN, version checks; the
   * default). False only for the bench's floor, which measures what that costs: with it off a
   * second process's setup changes go unseen.
   */
  coherence?: boolean;
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export async function openDatabase(config: DbConfig): Promise<DbHandle> {
  const handle = await (isPostgresUrl(config.url) ? openPostgres(config) : openSqlite(config.url));
  if (config.clock) handle.clock = config.clock;
  return handle;
}

// better-sqlite3 reads SQLITE_USE_URI once, when its native addon loads (on the first connection
// any code opens), and only with it can a file name choose SQLite's VFS (see sqliteFile).
process.env.SQLITE_USE_URI = '1';

/**
 * The name a SQLite file is opened by. On Unix it is a URI that picks SQLite's "unix-excl" VFS:
 * the first connection takes an exclusive lock on the file for this process, and the WAL index
 * lives in this process's memory instead of the shared -shm file.
 *
 * - **One process owns the file.** The setup cache (rules, parameters, ranks, tokens) is this
 *   process's memory, kept right by this process's commits; a second
 *   server, or a script writing to the same file, would change rules under them unseen. Now it
 *   cannot open the file at all ("database is locked") while the server runs. Both connections of
 *   this process (writer and reader) share the lock. Copy or inspect the file with the server
 *   stopped; PostgreSQL is the choice for a database that several processes share.
 * - **Reads need no system calls.** With the shared index every statement outside a transaction
 *   locks and unlocks a read slot in the -shm file (two fcntl calls, plus a stat while the WAL is
 *   empty), a third of a credit check's database time (figures: bench/README.md).
 *
 * Windows has no unix-excl VFS; there the plain path (the shared index) is used.
 */
function sqliteFile(path: string): string {
  // ':memory:', Windows, and a caller's own `file:` URI (which chooses its own options) stay as given.
  if (path === ':memory:' || process.platform === 'win32' || path.startsWith('file:')) return path;
  return `${pathToFileURL(resolve(path)).href}?vfs=unix-excl`;
}

/** Opens one connection, naming the file in the error when another process holds it. */
function connect(path: string, options?: SQLite.Options): SQLite.Database {
  const db = new SQLite(sqliteFile(path), options);
  try {
    db.pragma('busy_timeout = 5000');
    // The first read takes the lock: a file another process holds fails here, at start-up.
    db.prepare('select count(*) from sqlite_master').get();
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY'))
      throw new Error(
        `SQLite database ${path} is in use by another process (one server owns its SQLite file; stop the other one first)`,
        { cause: e },
      );
    throw e;
  }
  return db;
}

async function openSqlite(path: string): Promise<DbHandle> {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = connect(path);
  // WAL keeps readers off the writer's back; NORMAL is durable across process crashes in WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const writerPace = new Pace();
  const db = new Kysely<Database>({ dialect: new PacedSqliteDialect({ database: sqlite }, writerPace) });
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  // Opened once the migrations have made the file's tables; ':memory:' is one connection's own.
  const sqliteRead = path === ':memory:' ? sqlite : connect(path, { readonly: true });
  const read =
    sqliteRead === sqlite ? db : new Kysely<Database>({ dialect: new SqliteDialect({ database: sqliteRead }) });
  const setup = new SetupCache('sqlite');
  setup.confirm(await readSetupVersion(db));
  return {
    db,
    read,
    dialect: 'sqlite',
    sqlite,
    sqliteRead,
    writerPace,
    setup,
    clock: systemClock,
    events: new DatabaseEvents(),
    exclusive: (fn) => fn(),
    close: async () => {
      if (read !== db) await read.destroy();
      await db.destroy();
      // Kysely closes a connection only when it opened it (on first use); these were opened here.
      if (sqliteRead.open) sqliteRead.close();
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Kysely's SQLite dialect whose statements pace themselves. better-sqlite3 runs each statement
 * synchronously and Kysely resolves it with a settled promise, so a loop of thousands of Kysely
 * statements (a write-off's, a journal's) never lets the event loop turn: every other request
 * waits until it ends. Here each statement first steps the writer's {@link Pace}, which lets the
 * event loop turn once the current slice (10 ms) is used up; a unit of work that takes the writer
 * starts a new slice, so a short command never waits.
 */
class PacedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly pace: Pace,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new PacedSqliteDriver(this.config, this.pace);
  }
}

class PacedSqliteDriver extends SqliteDriver {
  readonly #paced = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    config: SqliteDialectConfig,
    private readonly pace: Pace,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.pace.restart();
    let paced = this.#paced.get(inner);
    if (!paced) {
      const pace = this.pace;
      paced = {
        async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
          const turn = pace.step();
          if (turn) await turn;
          return inner.executeQuery<R>(query);
        },
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => inner.streamQuery<R>(query, chunkSize),
      };
      this.#paced.set(inner, paced);
    }
    return paced;
  }
}

/** Connection settings for one schema: every connection of the pool, the listener and the startup lock use it. */
function pgConnection(config: DbConfig): pg.ClientConfig {
  return {
    connectionString: config.url,
    application_name: 'creditdesk',
    ...(config.schema ? { options: `-c search_path="${config.schema}"` } : {}),
  };
}

async function openPostgres(config: DbConfig): Promise<DbHandle> {
  const schema = config.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  await ensurePostgresDatabase(config.url);
  const exclusive = <T>(fn: () => Promise<T>) => underStartupLock(config, fn);
  // The schema and the migrations under the startup lock: two processes starting at once take turns.
  await exclusive(async () => {
    if (schema) await runOnce(config.url, `create schema if not exists "${schema}"`);
  });
  const pool = new pg.Pool({ ...pgConnection(config), max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const coherence = config.coherence ?? true;
  const channel = coherence ? channelOf(schema) : undefined;
  const events = channel
    ? new PostgresEvents(pgConnection(config).connectionString!, channel, config.onEventError)
    : new DatabaseEvents();
  const setup = new SetupCache('postgres', coherence);
  try {
    await exclusive(() => migrateToLatest(db, { locked: true }));
    if (events instanceof PostgresEvents) {
      events.on('setup', (version, names) => setup.committed(version, names));
      events.on('reset', () => setup.clear());
      await events.start();
    }
  } catch (e) {
    await events.close();
    await db.destroy();
    throw e;
  }
  return {
    db,
    read: db,
    dialect: 'postgres',
    setup,
    clock: systemClock,
    events,
    channel,
    exclusive,
    close: async () => {
      await events.close();
      await db.destroy();
    },
  };
}

/** The setup version as the database has it now (server/db/setup-cache.ts). */
export async function readSetupVersion(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('setup_version').select('version').where('id', '=', 1).executeTakeFirst();
  return Number(row?.version ?? 0);
}

/** Runs one statement on a connection of its own. */
async function runOnce(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } catch (e) {
    // Two processes creating the same schema at once: the loser's error is no error.
    if (!['42P06', '23505'].includes((e as { code?: string }).code ?? '')) throw e;
  } finally {
    await client.end();
  }
}

/**
 * Creates the database a PostgreSQL URL names when it does not exist yet (connecting to the
 * server's `postgres` database to do so), so the README's one command works on a new server.
 */
async function ensurePostgresDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw e;
  } finally {
    await client.end().catch(() => {});
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`create database ${admin.escapeIdentifier(name)}`);
  } catch (e) {
    // Created meanwhile by another process starting on it (42P04, or 23505 when both got that far).
    if (!['42P04', '23505'].includes((e as { code?: string }).code ?? '')) throw e;
  } finally {
    await admin.end();
  }
}

/**
 * The startup lock of one database and schema: a session-level advisory lock on a connection of
 * its own, held while `fn` runs (migrations, then the demo data when the database is empty), so
 * that two servers starting together take turns and the second finds the first one's work done.
 */
async function underStartupLock<T>(config: DbConfig, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  const key = config.schema ?? 'public';
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`creditdesk.startup.${key}`]);
    return await fn();
  } finally {
    // Ending the session releases the lock, whatever fn did.
    await client.end().catch(() => {});
  }
}

/**
 * Runs the registry's migrations that have not run yet, in order, in one transaction. Our own small
 * runner rather than Kysely's Migrator: that one introspects the tables of every schema, which
 * fails when another process drops its schema at the same moment (parallel PostgreSQL test runs).
 * The bookkeeping table keeps Kysely's name and columns. On PostgreSQL the caller holds the
 * startup lock (`locked`), so two processes starting on one schema take turns.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations take Kysely<any> (see server/db/migrations)
async function migrateToLatest(db: Kysely<any>, options: { locked?: boolean } = {}): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres && !options.locked) throw new Error('PostgreSQL migrations run under the startup lock (openDatabase)');
  await sql`create table if not exists kysely_migration (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(
    db,
  );
  await db.transaction().execute(async (trx) => {
    const done = new Set(
      (await trx.selectFrom('kysely_migration').select('name').execute()).map((r: { name: string }) => r.name),
    );
    const known = Object.keys(migrations);
    const unknown = [...done].filter((name) => !known.includes(name));
    if (unknown.length)
      throw new Error(
        `the database has migrations this code does not know: ${unknown.join(', ')} (a newer version ran on it)`,
      );
    for (const [name, migration] of Object.entries(migrations)) {
      if (done.has(name)) continue;
      try {
        await migration.up(trx);
      } catch (e) {
        throw new Error(`migration ${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      await trx.insertInto('kysely_migration').values({ name, timestamp: new Date().toISOString() }).execute();
    }
  });
}

/** Drops a PostgreSQL test schema with everything in it. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}
