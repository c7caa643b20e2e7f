import type { Kysely } from 'kysely';

// Several server processes on one PostgreSQL keep the same setup (rules, parameters, checkpoints,
// setup rows, tokens) in memory. Every commit that changes it moves this one row's version on, in
// the same transaction, so a process can tell with one indexed read that its copy is older than
// the database's (server/db/setup-cache.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('setup_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('setup_version').values({ id: 1, version: 0 }).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
