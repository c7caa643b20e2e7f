// Helpers for frozen migrations only: they take Kysely<any> and never import app code.
import { PostgresAdapter, type Kysely, type CreateTableBuilder } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-numbered integer primary key in either dialect. */
export function withAutoId<T extends string>(db: Kysely<any>, table: CreateTableBuilder<T, any>, column = 'id') {
  return isPostgres(db)
    ? table.addColumn(column, 'bigserial', (c) => c.primaryKey())
    : table.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement());
}
