import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, stopServer } from '../support/process';

/** A server on `db` with an admin token and no demo (test/support/process.ts). */
const start = (db: string, token: string) => startServer({ DATABASE_URL: db, SEED_DEMO: '0', ADMIN_TOKEN: token });

describe('kill -9 in the middle of a batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves each batch all or nothing, and the server restarts on the same file with nothing lost', async () => {
    const db = join(dir, 'crash.sqlite');
    const token = 'crash-test-admin-token-0123456789abcdef';
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const items = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `${prefix}${i}`,
        name: `Customer ${i}`,
        currency: 'USD',
        creditLimit: '1000.00',
      }));

    const first = await start(db, token);
    // A committed batch that must survive the crash.
    const committed = await fetch(`${first.url}/api/v1/customers:batch`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ items: items('A', 2000) }),
    });
    expect(committed.status).toBe(200);
    // Several large batches in flight; the process dies while they are being applied.
    const inFlight = ['B', 'C', 'D'].map((p) =>
      fetch(`${first.url}/api/v1/customers:batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ items: items(p, 20000) }),
      }).catch(() => null),
    );
    await new Promise((r) => setTimeout(r, 400));
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await Promise.all(inFlight);
    await exited;

    const second = await start(db, token);
    try {
      const res = await fetch(`${second.url}/api/v1/changes?since=0&limit=1`, { headers });
      expect(res.status).toBe(200);
    } finally {
      await stopServer(second);
    }

    const sqlite = new SQLite(db, { readonly: true });
    const count = (prefix: string) =>
      (sqlite.prepare('select count(*) as n from customers where id like ?').get(`${prefix}%`) as { n: number }).n;
    expect(count('A')).toBe(2000);
    for (const p of ['B', 'C', 'D']) expect([0, 20000]).toContain(count(p));
    // The change log and the audit trail agree with the rows: nothing half-written.
    const customers = (sqlite.prepare('select count(*) as n from customers').get() as { n: number }).n;
    const changes = (
      sqlite.prepare("select count(*) as n from changes where entity = 'customer'").get() as { n: number }
    ).n;
    const maxSeq = sqlite.prepare('select max(seq) as m, count(*) as n from changes').get() as { m: number; n: number };
    expect(changes).toBe(customers);
    expect(maxSeq.m).toBe(maxSeq.n);
    sqlite.close();
  }, 90_000);
});
