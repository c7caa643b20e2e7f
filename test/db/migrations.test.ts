import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, openDatabase } from '../../server/db/connection';
import { migrations } from '../../server/db/migrations/registry';
import { PG_URL } from '../support/app';

describe.each(['sqlite', 'postgres'] as const)('migrations on %s', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-migrations-'));
  const schema = `t_mig_${randomBytes(4).toString('hex')}`;
  const config = dialect === 'sqlite' ? { url: join(dir, 'm.sqlite') } : { url: PG_URL, schema };
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (dialect === 'postgres') await dropPostgresSchema(PG_URL, schema);
  });

  it('run once, in registry order, and a restart runs none again', async () => {
    const first = await openDatabase(config);
    const applied = (await first.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute()) as { name: string }[];
    expect(applied.map((r) => r.name).sort()).toEqual(Object.keys(migrations));
    await first.close();
    // Two processes starting on the same database at once: each takes its turn, nothing twice.
    const [a, b] = await Promise.all([openDatabase(config), openDatabase(config)]);
    const again = (await a.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute()) as { name: string }[];
    expect(again).toHaveLength(Object.keys(migrations).length);
    await a.close();
    await b.close();
  });

  it('refuses a database that a newer version migrated', async () => {
    const h = await openDatabase(config);
    await h.db
      .insertInto('kysely_migration' as never)
      .values({ name: '999-future', timestamp: new Date().toISOString() } as never)
      .execute();
    await h.close();
    await expect(openDatabase(config)).rejects.toThrow(/migrations this code does not know: 999-future/);
  });
});
