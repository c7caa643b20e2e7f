import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/connection';
import { runInTransaction, SYSTEM } from '../../server/db/transaction';
import { activeRules, cachedRules, createRule } from '../../server/credit/blocking-rules/blocking-rules.service';
import { BlockingRuleInput } from '../../server/credit/blocking-rules/blocking-rules.schema';

const rule = (days: number) => BlockingRuleInput.parse({ ruleType: 'daysOverdue', kind: 'blocking', validFor: 'all', valueType: 'days', days });

// server/db/transaction.ts: Tx.invalidate. The setup cache belongs to the database, not to one
// transaction, so a read inside a transaction may cache rows that are never committed.
describe('the setup cache and a rolled-back transaction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-txcache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a rule read inside a transaction that rolls back is not left in the cache', async () => {
    const handle = await openDatabase({ url: join(dir, 'rules.sqlite') });
    await runInTransaction(handle, SYSTEM, (tx) => createRule(tx, rule(30)));
    expect(await activeRules(handle.db, handle.cache)).toHaveLength(1);

    await expect(
      runInTransaction(handle, SYSTEM, async (tx) => {
        await createRule(tx, rule(60));
        // The same unit of work reads the rules again (and so caches them, its own new rule included).
        expect(await activeRules(tx.db, tx.cache)).toHaveLength(2);
        throw new Error('abandoned');
      }),
    ).rejects.toThrow('abandoned');

    expect(cachedRules(handle.cache)).toBeUndefined();
    const rules = await activeRules(handle.db, handle.cache);
    expect(rules.map((r) => r.days)).toEqual([30]);
    await handle.close();
  });

  it('a committed change is read fresh after the commit', async () => {
    const handle = await openDatabase({ url: join(dir, 'commit.sqlite') });
    expect(await activeRules(handle.db, handle.cache)).toHaveLength(0);
    await runInTransaction(handle, SYSTEM, (tx) => createRule(tx, rule(45)));
    expect(cachedRules(handle.cache)).toBeUndefined();
    expect((await activeRules(handle.db, handle.cache)).map((r) => r.days)).toEqual([45]);
    await handle.close();
  });
});
