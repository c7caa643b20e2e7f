import SQLite from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema';
import { migrations } from './migrations/registry';

export type Dialect = 'sqlite' | 'postgres';

export interface DbHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The raw better-sqlite3 connection (SQLite only): for hot paths and benchmarks. */
  sqlite?: SQLite.Database;
  /**
   * SQLite only: a second, read-only connection for hot-path reads outside a transaction. The
   * writer connection would show them the uncommitted rows of an open transaction; this one sees
   * committed data only (WAL lets it read while the writer writes).
   */
  sqliteRead?: SQLite.Database;
  /** Per-database cache of small setup data (rules, parameters, ranks); cleared by commits that change it. */
  cache: Map<string, unknown>;
  close(): Promise<void>;
}

export interface DbConfig {
  /** `postgres://…` for PostgreSQL, otherwise a SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL schema to use (created when missing); tests use a fresh one per run. */
  schema?: string;
}

export async function openDatabase(config: DbConfig): Promise<DbHandle> {
  const handle = /^postgres(ql)?:\/\//.test(config.url) ? await openPostgres(config) : openSqlite(config.url);
  await migrateToLatest(handle.db);
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
 * - **One process owns the file.** The setup cache (rules, parameters, ranks) and a journal's
 *   remembered preview are this process's memory, kept right by this process's commits; a second
 *   server, or a script writing to the same file, would change rules under them unseen. Now it
 *   cannot open the file at all ("database is locked") while the server runs. Both connections of
 *   this process (writer and reader) share the lock. Copy or inspect the file with the server
 *   stopped; PostgreSQL is the choice for a database that several processes share.
 * - **Reads need no system calls.** With the shared index every statement outside a transaction
 *   locks and unlocks a read slot in the -shm file (two fcntl calls, plus a stat while the WAL is
 *   empty): about 6 µs on this machine, a third of a credit check's database time.
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
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new Error(`SQLite database ${path} is in use by another process (one server owns its SQLite file; stop the other one first)`);
    throw e;
  }
  return db;
}

function openSqlite(path: string): DbHandle {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = connect(path);
  // WAL keeps readers off the writer's back; NORMAL is durable across process crashes in WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  let sqliteRead: SQLite.Database | undefined;
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    get sqliteRead() {
      // Opened on first use: the migrations must have created the file's tables first.
      if (!sqliteRead) {
        if (path === ':memory:') return sqlite;
        sqliteRead = connect(path, { readonly: true });
      }
      return sqliteRead;
    },
    cache: new Map(),
    close: async () => {
      sqliteRead?.close();
      await db.destroy();
    },
  };
}

async function openPostgres(config: DbConfig): Promise<DbHandle> {
  const schema = config.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: config.url });
    await admin.connect();
    await admin.query(`create schema if not exists "${schema}"`);
    await admin.end();
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 10,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    cache: new Map(),
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Runs the registry's migrations that have not run yet, in order, in one transaction. Our own small
 * runner rather than Kysely's Migrator: that one introspects the tables of every schema, which
 * fails when another process drops its schema at the same moment (parallel PostgreSQL test runs).
 * The bookkeeping table keeps Kysely's name and columns. On PostgreSQL a per-schema advisory lock
 * makes two processes starting on one schema take turns.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql`create table if not exists kysely_migration (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(db);
  await db.transaction().execute(async (trx) => {
    if (postgres) await sql`select pg_advisory_xact_lock(hashtext(current_schema()))`.execute(trx);
    const done = new Set((await trx.selectFrom('kysely_migration').select('name').execute()).map((r: { name: string }) => r.name));
    const known = Object.keys(migrations);
    const unknown = [...done].filter((name) => !known.includes(name));
    if (unknown.length) throw new Error(`the database has migrations this code does not know: ${unknown.join(', ')} (a newer version ran on it)`);
    for (const [name, migration] of Object.entries(migrations)) {
      if (done.has(name)) continue;
      try {
        await migration.up(trx);
      } catch (e) {
        throw new Error(`migration ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
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

export { sql };
