import { CompiledQuery, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from './schema';
import type { Dialect } from './connection';
import type { SetupView } from './setup-cache';
import type { Pace } from './pace';

/**
 * Portable SQL texts (`?` placeholders) run as prepared statements: on SQLite each text is
 * prepared once per connection and reused (Kysely re-prepares every statement), on PostgreSQL the
 * placeholders become `$n`. For the few paths where that matters (the credit check, 10,000-line
 * journals, aging runs); everything else uses Kysely's query builder.
 */

/** What such a statement needs: the Kysely handle (or open transaction) and, on SQLite, its raw connection. */
export interface Reader {
  db: Kysely<Database>;
  dialect: Dialect;
  sqlite?: SQLite.Database;
  /** The setup cache as this request or transaction sees it. */
  cache: SetupView;
  /** "Today" for this request or transaction: the UTC date of its one clock reading (server/clock.ts). */
  readonly today: string;
  /**
   * The pacing of this request or transaction (server/db/pace.ts): the awaited statements below
   * step it before they run (SQLite runs them synchronously), and long loops of a caller step it too.
   */
  pace: Pace;
}

/** Per connection: the statements by SQL text, plain and raw (rows as arrays) apart. */
const statements = new WeakMap<
  SQLite.Database,
  { plain: Map<string, SQLite.Statement>; raw: Map<string, SQLite.Statement> }
>();
const pgText = new Map<string, string>();

/**
 * The prepared statement of one portable SQL text. Kysely re-prepares every
 * statement on SQLite; here each text is prepared once per connection and reused. On SQLite the
 * raw connection is the one Kysely's transaction runs on, so reads see its writes. The lookup key
 * is the text itself: a constant string hashes once, where a key built per call (a prefix added
 * to a 2 kB statement) is hashed in full on every request.
 */
function sqliteStatement(db: SQLite.Database, text: string, raw = false): SQLite.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = { plain: new Map(), raw: new Map() }));
  const byText = raw ? cache.raw : cache.plain;
  let stmt = byText.get(text);
  if (!stmt) byText.set(text, (stmt = raw ? db.prepare(text).raw(true) : db.prepare(text)));
  return stmt;
}

const sqliteParams = (params: readonly unknown[]) => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

/** SQLite only: sqlAll without a promise, for paths that stay synchronous on SQLite. */
export function sqliteAll<T>(db: SQLite.Database, text: string, params: readonly unknown[]): T[] {
  return sqliteStatement(db, text).all(...sqliteParams(params)) as T[];
}

/** SQLite only: sqlRows without a promise. */
export function sqliteRows(db: SQLite.Database, text: string, params: readonly unknown[]): unknown[][] {
  return sqliteStatement(db, text, true).all(...sqliteParams(params)) as unknown[][];
}

export async function sqlAll<T>(r: Reader, text: string, params: readonly unknown[]): Promise<T[]> {
  if (r.dialect === 'sqlite' && r.sqlite) {
    await r.pace.step();
    return sqliteAll<T>(r.sqlite, text, params);
  }
  let pg = pgText.get(text);
  if (pg === undefined) {
    let n = 0;
    pg = text.replace(/\?/g, () => `$${++n}`);
    pgText.set(text, pg);
  }
  const res = await r.db.executeQuery<T>(
    CompiledQuery.raw(
      pg,
      params.map((p) => (typeof p === 'bigint' ? p.toString() : p)),
    ),
  );
  return res.rows;
}

/**
 * Like sqlAll, but each row is an array of its column values in select order: no object per row,
 * which halves the cost of reading 10,000 wide rows on SQLite.
 */
export async function sqlRows(r: Reader, text: string, params: readonly unknown[]): Promise<unknown[][]> {
  if (r.dialect === 'sqlite' && r.sqlite) {
    await r.pace.step();
    return sqliteRows(r.sqlite, text, params);
  }
  return (await sqlAll<Record<string, unknown>>(r, text, params)).map((row) => Object.values(row));
}

/** A write, inside the caller's transaction (on SQLite the same connection, run at once). */
export async function sqlRun(r: Reader, text: string, params: readonly unknown[]): Promise<void> {
  if (r.dialect === 'sqlite' && r.sqlite) {
    sqliteStatement(r.sqlite, text).run(...sqliteParams(params));
    return;
  }
  await sqlAll(r, text, params);
}

export async function sqlFirst<T>(r: Reader, text: string, params: readonly unknown[]): Promise<T | undefined> {
  return (await sqlAll<T>(r, text, params))[0];
}

/**
 * Inserts many rows into one table inside the caller's transaction: on SQLite one cached
 * prepared statement run per row (faster than compiling large multi-row inserts), on PostgreSQL
 * multi-row inserts of `chunk` rows. `rows` hold the values in `columns` order.
 */
export async function sqlInsertMany(
  r: Reader,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  chunk = 500,
): Promise<void> {
  if (rows.length === 0) return;
  if (r.dialect === 'sqlite' && r.sqlite) {
    const insert = sqliteStatement(
      r.sqlite,
      `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    );
    await r.pace.each(rows, (row) => void insert.run(...sqliteParams(row)));
    return;
  }
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    let n = 0;
    const values = part.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ');
    await r.db.executeQuery(
      CompiledQuery.raw(
        `insert into ${table} (${columns.join(', ')}) values ${values}`,
        part.flat().map((p) => (typeof p === 'bigint' ? p.toString() : typeof p === 'boolean' ? (p ? 1 : 0) : p)),
      ),
    );
    await r.pace.step();
  }
}
