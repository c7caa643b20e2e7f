import { CompiledQuery, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from './schema';
import type { Dialect } from './connection';

/** What a hot-path read needs: the Kysely handle (or open transaction) and, on SQLite, its raw connection. */
export interface Reader {
  db: Kysely<Database>;
  dialect: Dialect;
  sqlite?: SQLite.Database;
  cache: Map<string, unknown>;
}

const statements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
const pgText = new Map<string, string>();

/**
 * Runs one portable SQL text (with `?` placeholders) on the hot path. Kysely re-prepares every
 * statement on SQLite; here each text is prepared once per connection and reused. On SQLite the
 * raw connection is the one Kysely's transaction runs on, so reads see its writes.
 */
export async function hotAll<T>(r: Reader, text: string, params: readonly unknown[]): Promise<T[]> {
  if (r.dialect === 'sqlite' && r.sqlite) {
    let cache = statements.get(r.sqlite);
    if (!cache) statements.set(r.sqlite, (cache = new Map()));
    let stmt = cache.get(text);
    if (!stmt) cache.set(text, (stmt = r.sqlite.prepare(text)));
    return stmt.all(...params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p))) as T[];
  }
  let pg = pgText.get(text);
  if (pg === undefined) {
    let n = 0;
    pg = text.replace(/\?/g, () => `$${++n}`);
    pgText.set(text, pg);
  }
  const res = await r.db.executeQuery<T>(CompiledQuery.raw(pg, params.map((p) => (typeof p === 'bigint' ? p.toString() : p))));
  return res.rows;
}

export async function hotFirst<T>(r: Reader, text: string, params: readonly unknown[]): Promise<T | undefined> {
  return (await hotAll<T>(r, text, params))[0];
}
