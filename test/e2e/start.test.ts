import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, stopServer } from '../support/process';

describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-start-'));
  const db = join(dir, 'creditdesk.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a demo company on a new database, prints one token per role, and keeps its data across restarts', async () => {
    const adminToken = `admin-${'x'.repeat(40)}`;
    const first = await startServer({ DATABASE_URL: db, ADMIN_TOKEN: adminToken });
    try {
      expect(first.readyMs).toBeLessThan(10_000);
      const out = first.output();
      for (const role of ['admin', 'credit_manager', 'credit_clerk', 'collections_agent', 'integration']) {
        expect(out).toMatch(new RegExp(`${role}\\s+cd_[A-Za-z0-9_-]{43}`));
      }
      const clerk = /credit_clerk\s+(cd_\S+)/.exec(out)![1]!;
      const base = `http://127.0.0.1:${first.port}`;
      const list = await fetch(`${base}/api/v1/customers?limit=1000`, {
        headers: { authorization: `Bearer ${clerk}` },
      });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { items: unknown[] }).items.length).toBe(200);
      const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(await me.json()).toMatchObject({ id: 'admin', role: 'admin' });
      expect((await fetch(`${base}/docs`)).status).toBe(200);
      // JSON bodies over a real socket: read directly from the request stream, size-limited.
      const json = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
      const created = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'Real socket', role: 'credit_clerk' }),
      });
      expect(created.status).toBe(201);
      const big = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'x'.repeat(1_100_000), role: 'credit_clerk' }),
      });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
      const malformed = await fetch(`${base}/api/v1/users`, { method: 'POST', headers: json, body: '{"name":' });
      expect(malformed.status).toBe(400);
      expect((await fetch(`${base}/addin/taskpane.html`)).status).toBe(200);
      // Over a real socket the request id goes onto Node's response (server/http/request-id.ts):
      // every answer carries one, a distinct one, and a caller's own plain id comes back.
      const answers = [
        list,
        me,
        created,
        big,
        malformed,
        await fetch(`${base}/healthz`),
        await fetch(`${base}/addin/taskpane.html`),
        await fetch(`${base}/api/v1/nowhere`, { headers: json }),
      ];
      const ids = answers.map((r) => r.headers.get('x-request-id'));
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(ids).size).toBe(answers.length);
      const own = await fetch(`${base}/api/v1/me`, {
        headers: { authorization: `Bearer ${adminToken}`, 'x-request-id': 'trace-42' },
      });
      expect(own.headers.get('x-request-id')).toBe('trace-42');
      const odd = await fetch(`${base}/api/v1/me`, {
        headers: { authorization: `Bearer ${adminToken}`, 'x-request-id': 'not ok!' },
      });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(odd.headers.get('x-request-id')?.split(',')).toHaveLength(1);
      // One server owns its SQLite file (server/db/connection.ts): a second one on the same file
      // gives up after the busy timeout, naming the file, and the first one keeps serving.
      await expect(startServer({ DATABASE_URL: db, ADMIN_TOKEN: adminToken })).rejects.toThrow(
        /SQLite database .*creditdesk\.sqlite is in use by another process/,
      );
      expect((await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(
        200,
      );
    } finally {
      await stopServer(first);
    }

    const second = await startServer({ DATABASE_URL: db, ADMIN_TOKEN: adminToken });
    try {
      expect(second.output()).not.toContain('demo company loaded');
      const res = await fetch(`http://127.0.0.1:${second.port}/api/v1/customers?limit=1000`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(((await res.json()) as { items: unknown[] }).items.length).toBe(200);
    } finally {
      await stopServer(second);
    }
  }, 60_000);

  it('starts empty with SEED_DEMO=0 and refuses a short ADMIN_TOKEN', async () => {
    const s = await startServer({
      DATABASE_URL: join(dir, 'empty.sqlite'),
      SEED_DEMO: '0',
      ADMIN_TOKEN: 'y'.repeat(32),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/api/v1/customers`, {
        headers: { authorization: `Bearer ${'y'.repeat(32)}` },
      });
      expect(await res.json()).toEqual({ items: [], nextCursor: null });
    } finally {
      await stopServer(s);
    }
    await expect(startServer({ DATABASE_URL: join(dir, 'short.sqlite'), ADMIN_TOKEN: 'short' })).rejects.toThrow(
      /ADMIN_TOKEN must be at least 32/,
    );
  }, 60_000);
});
