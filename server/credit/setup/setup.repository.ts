import type { Kysely, Selectable } from 'kysely';
import type { Database, SetupRowsTable } from '../../db/schema';

type Db = Kysely<Database>;
export type SetupRow = Selectable<SetupRowsTable>;

export function findSetupRow(db: Db, kind: string, id: string, lock = false): Promise<SetupRow | undefined> {
  const q = db.selectFrom('setup_rows').selectAll().where('kind', '=', kind).where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

export function listSetupRows(
  db: Db,
  kind: string,
  q: { limit?: number; after?: string; since?: number; entity?: string } = {},
): Promise<SetupRow[]> {
  let query = db.selectFrom('setup_rows').selectAll().where('kind', '=', kind).orderBy('id');
  if (q.limit !== undefined) query = query.limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined && q.entity) {
    const { since, entity } = q;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', entity).where('seq', '>', since),
    );
  }
  return query.execute();
}

export async function saveSetupRow(db: Db, row: SetupRow, isNew: boolean): Promise<void> {
  if (isNew) await db.insertInto('setup_rows').values(row).execute();
  else await db.updateTable('setup_rows').set(row).where('kind', '=', row.kind).where('id', '=', row.id).execute();
}

export async function deleteSetupRow(db: Db, kind: string, id: string): Promise<void> {
  await db.deleteFrom('setup_rows').where('kind', '=', kind).where('id', '=', id).execute();
}
