import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, openDatabase, type DbHandle } from '../../server/db/connection';
import { PostgresEvents } from '../../server/db/events';
import { CacheKey, SETUP, SetupCache } from '../../server/db/setup-cache';
import { runInTransaction, SYSTEM } from '../../server/db/transaction';
import { readerOf } from '../../server/http/reader';
import { createApp } from '../../server/app';
import { activeRules, cachedRules, createRule } from '../../server/credit/blocking-rules/blocking-rules.service';
import { BlockingRuleInput } from '../../server/credit/blocking-rules/blocking-rules.schema';
import { getParameters, updateParameters } from '../../server/credit/parameters/parameters.service';
import { createUser, revokeTokens } from '../../server/users/users.service';
import { DIALECTS, PG_URL } from '../support/app';

const rule = (days: number) =>
  BlockingRuleInput.parse({ ruleType: 'daysOverdue', kind: 'blocking', validFor: 'all', valueType: 'days', days });
const until = async (what: () => boolean | Promise<boolean>, ms = 2000): Promise<number> => {
  const started = Date.now();
  while (!(await what())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
};

// server/db/setup-cache.ts, the cache itself.
describe('the setup cache', () => {
  const A = CacheKey.named<string>('test-a');
  const B = CacheKey.named<string>('test-b');
  const view = (c: SetupCache) => c.view(async () => c.version);

  it('keeps a value read while nothing was dropped, and not one read across a drop', () => {
    const c = new SetupCache('sqlite');
    const g = c.generation;
    c.keep(A, 'a', g);
    expect(c.peek(A)).toBe('a');
    const before = c.generation;
    c.committed(1, ['test-b']);
    c.keep(B, 'stale', before);
    expect(c.peek(B)).toBeUndefined();
    expect(c.peek(A)).toBe('a');
    expect(c.versionOf(A)).toBe(0);
  });

  it('drops the named keys of the next version, everything when a version was missed, and everything for a name it does not know', () => {
    const c = new SetupCache('postgres');
    c.keep(A, 'a', c.generation);
    c.keep(B, 'b', c.generation);
    c.committed(1, ['test-a']);
    expect([c.peek(A), c.peek(B), c.version]).toEqual([undefined, 'b', 1]);
    c.keep(A, 'a', c.generation);
    c.committed(3, ['test-a']); // version 2 was never heard of: its keys are unknown
    expect([c.peek(A), c.peek(B), c.version]).toEqual([undefined, undefined, 3]);
    c.keep(A, 'a', c.generation);
    c.committed(4, ['a-newer-servers-key']);
    expect(c.peek(A)).toBeUndefined();
    // A version already applied (this process's own commit heard again as its NOTIFY) changes
    // nothing: what is kept was read after it. (It used to drop its keys, so the echo of a commit
    // arriving late under load emptied a freshly read entry.)
    c.keep(A, 'a', c.generation);
    c.keep(B, 'b', c.generation);
    const generation = c.generation;
    c.committed(2, ['test-b']);
    c.committed(4, ['test-a']);
    expect([c.peek(A), c.peek(B), c.version, c.generation]).toEqual(['a', 'b', 4, generation]);
  });

  it('confirm: the same version keeps everything, another one drops it', () => {
    const c = new SetupCache('postgres');
    c.committed(5, []);
    c.keep(A, 'a', c.generation);
    c.confirm(5);
    expect(c.peek(A)).toBe('a');
    c.confirm(6);
    expect([c.peek(A), c.version]).toEqual([undefined, 6]);
  });

  it('a view on PostgreSQL reads the version once before its first read; on SQLite never', async () => {
    for (const dialect of ['postgres', 'sqlite'] as const) {
      const c = new SetupCache(dialect);
      let reads = 0;
      const v = c.view(async () => {
        reads++;
        return 7;
      });
      await Promise.all([v.read(A, async () => 'a'), v.read(B, async () => 'b')]);
      await v.read(A, async () => 'again');
      expect(reads).toBe(dialect === 'postgres' ? 1 : 0);
      expect(c.peek(A)).toBe('a');
    }
  });

  it("a transaction's view passes over the keys it changed: read from the database, never kept", async () => {
    const c = new SetupCache('sqlite');
    c.keep(A, 'committed', c.generation);
    const v = view(c);
    v.invalidated.add(A);
    expect(v.peek(A)).toBeUndefined();
    expect(await v.read(A, async () => 'uncommitted')).toBe('uncommitted');
    expect(c.peek(A)).toBe('committed');
  });
});

describe.each(DIALECTS)('the setup cache and transactions on %s', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-setupcache-'));
  const schemas: string[] = [];
  const open = async (name: string, schema?: string): Promise<DbHandle> => {
    if (dialect === 'sqlite') return openDatabase({ url: join(dir, `${name}.sqlite`) });
    const s = schema ?? `t_sc_${randomBytes(4).toString('hex')}`;
    if (!schemas.includes(s)) schemas.push(s);
    return openDatabase({ url: PG_URL, schema: s });
  };
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const s of schemas) await dropPostgresSchema(PG_URL, s);
  });

  it('a rule read inside a transaction that rolls back never reaches the cache', async () => {
    const handle = await open('rollback');
    await runInTransaction(handle, SYSTEM, (tx) => createRule(tx, rule(30)));
    expect(await activeRules(readerOf(handle))).toHaveLength(1);
    await expect(
      runInTransaction(handle, SYSTEM, async (tx) => {
        await createRule(tx, rule(60));
        // The same unit of work reads the rules again: it sees its own new rule, and keeps none of it.
        expect(await activeRules(tx)).toHaveLength(2);
        throw new Error('abandoned');
      }),
    ).rejects.toThrow('abandoned');
    expect(cachedRules(readerOf(handle).cache)?.map((r) => r.days)).toEqual([30]);
    expect((await activeRules(readerOf(handle))).map((r) => r.days)).toEqual([30]);
    await handle.close();
  });

  it('a commit that changes setup drops the entry and moves the setup version on', async () => {
    const handle = await open('commit');
    expect(await activeRules(readerOf(handle))).toHaveLength(0);
    const before = handle.setup.version;
    await runInTransaction(handle, SYSTEM, (tx) => createRule(tx, rule(45)));
    expect(handle.setup.version).toBe(before + 1);
    expect(cachedRules(readerOf(handle).cache)).toBeUndefined();
    expect((await activeRules(readerOf(handle))).map((r) => r.days)).toEqual([45]);
    await handle.close();
  });

  if (dialect !== 'postgres') return;

  // Two handles on one schema are two processes as far as the database can tell: two pools and
  // two listeners. (test/multiprocess/ does the same with real server processes.)
  describe('two processes on one database', () => {
    const twoProcesses = async () => {
      const schema = `t_sc_${randomBytes(4).toString('hex')}`;
      const a = await open('a', schema);
      const b = await open('b', schema);
      return { a, b, close: async () => Promise.all([a.close(), b.close()]) };
    };

    it("hears the other's commit: the named entry is dropped without a request, within a second", async () => {
      const { a, b, close } = await twoProcesses();
      expect(await activeRules(readerOf(b))).toHaveLength(0);
      expect(cachedRules(readerOf(b).cache)).toEqual([]);
      await runInTransaction(a, SYSTEM, (tx) => createRule(tx, rule(10)));
      expect(await until(() => b.setup.peek(SETUP.blockingRules) === undefined, 1000)).toBeLessThan(1000);
      expect(b.setup.version).toBe(a.setup.version);
      expect((await activeRules(readerOf(b))).map((r) => r.days)).toEqual([10]);
      await close();
    });

    it('a lost notification is caught by the version read of the next request', async () => {
      const { a, b, close } = await twoProcesses();
      expect((await getParameters(readerOf(b))).values.requireReleaseApproval).toBe(false);
      // B stops hearing setup notifications (as if one were lost on its way).
      b.events.removeAllListeners('setup');
      await runInTransaction(a, SYSTEM, (tx) => updateParameters(tx, { requireReleaseApproval: true }));
      await new Promise((r) => setTimeout(r, 100));
      // B's copy is stale; the next request's first read confirms the version and drops it.
      expect(b.setup.peek(SETUP.parameters)?.values.requireReleaseApproval).toBe(false);
      expect((await getParameters(readerOf(b))).values.requireReleaseApproval).toBe(true);
      // So does a transaction's first read.
      await runInTransaction(a, SYSTEM, (tx) => updateParameters(tx, { requireReleaseApproval: false }));
      expect(
        await runInTransaction(b, SYSTEM, async (tx) => (await getParameters(tx)).values.requireReleaseApproval),
      ).toBe(false);
      await close();
    });

    it('a lost notification connection drops everything, reconnects and hears again', async () => {
      const { a, b, close } = await twoProcesses();
      const events = b.events as PostgresEvents;
      await activeRules(readerOf(b));
      const resets: number[] = [];
      events.on('reset', () => resets.push(Date.now()));
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query('select pg_terminate_backend($1)', [events.backendPid]);
      await admin.end();
      await until(() => resets.length >= 1);
      expect(b.setup.peek(SETUP.blockingRules)).toBeUndefined();
      await until(() => events.listening && resets.length >= 2, 3000);
      await activeRules(readerOf(b));
      await runInTransaction(a, SYSTEM, (tx) => createRule(tx, rule(20)));
      await until(() => b.setup.peek(SETUP.blockingRules) === undefined, 1000);
      await close();
    });

    it('a revoked token stops working in the other process within a second', async () => {
      const { a, b, close } = await twoProcesses();
      const appB = createApp({
        handle: b,
        log: pino({ level: 'silent' }),
        config: { allowedOrigins: [], jsonBodyLimit: 1 << 20 },
      });
      const { user, token } = await runInTransaction(a, SYSTEM, (tx) =>
        createUser(tx, { name: 'Clerk', role: 'credit_clerk' }),
      );
      const me = () => appB.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
      expect((await me()).status).toBe(200);
      expect(b.setup.peek(SETUP.tokens)?.has(token)).toBe(true);
      await runInTransaction(a, SYSTEM, (tx) => revokeTokens(tx, user.id));
      const ms = await until(async () => (await me()).status === 401, 1000);
      expect(ms).toBeLessThan(1000);
      // Without the notification the cached entry lives at most a second (TOKEN_TTL_MS).
      const second = await runInTransaction(a, SYSTEM, (tx) =>
        createUser(tx, { name: 'Clerk 2', role: 'credit_clerk' }),
      );
      const me2 = () => appB.request('/api/v1/me', { headers: { authorization: `Bearer ${second.token}` } });
      expect((await me2()).status).toBe(200);
      b.events.removeAllListeners('setup');
      await runInTransaction(a, SYSTEM, (tx) => revokeTokens(tx, second.user.id));
      expect(await until(async () => (await me2()).status === 401, 1500)).toBeLessThan(1200);
      await close();
    });
  });
});
