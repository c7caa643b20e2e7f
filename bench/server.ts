// The server under benchmark, in its own process so the load generator does not share its core.
// BENCH_DB is a SQLite file or a postgres:// URL.
import { readFileSync } from 'node:fs';
import { serve, type HttpBindings, type Http2Bindings } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import pg from 'pg';
import { createApp } from '../server/app';
import { isPostgresUrl, openDatabase } from '../server/db/connection';
import { readBody } from '../server/http/body';

// PostgreSQL: every query any connection of this process sends (the pool's, the listener's) is one
// database round trip; the bench reads the count through /bench/queries.
let queries = 0;
if (isPostgresUrl(process.env.BENCH_DB!)) {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    queries++;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}
// BENCH_COHERENCE=0: the floor of the PostgreSQL coherence row (no LISTEN, no setup version reads).
const handle = await openDatabase({ url: process.env.BENCH_DB!, coherence: process.env.BENCH_COHERENCE !== '0' });
const app = createApp({
  handle,
  log: pino({ level: 'silent' }),
  config: { allowedOrigins: [], jsonBodyLimit: 1024 * 1024 },
});
// The floor: a bare Hono route on the same server and port, outside every middleware.
const root = new Hono();
root.get('/bench/bare', (c) => c.json({ ok: true }));
// The floor for POST routes: a bare route that reads its JSON body the way the app does (the same
// body reader) and answers it back: no auth, no validation, no database.
// CPU time the server has used (user + system, µs): per-request cost without the load generator's share.
root.get('/bench/cpu', (c) => c.json(process.cpuUsage()));
root.get('/bench/queries', (c) => c.json({ queries }));
root.post(
  '/bench/bare-json',
  readBody(() => 1024 * 1024),
  async (c) => c.json(await c.req.json()),
);
// A small read for the bench (where the change log ends before a journal): the server holds its
// SQLite file exclusively (server/db/connection.ts), so the bench process cannot open it while it runs.
root.post('/bench/read', async (c) => {
  const { sql, params = [] } = (await c.req.json()) as { sql: string; params?: unknown[] };
  return c.json(handle.sqliteRead!.prepare(sql).all(...params));
});
// Memory now, and the peak resident set so far (VmHWM, Linux): "during" a request, not only after it.
root.get('/bench/rss', (c) => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return c.json({ ...process.memoryUsage(), peakRss: hwm ? Number(hwm[1]) * 1024 : null });
});
// /bench/* goes to these routes and everything else to the app's own fetch, as `npm start` serves
// it. Mounting the app with root.route() would wrap each of its middlewares and handlers in one
// more async error-handling layer per request (Hono does so for a sub-app with its own onError),
// which production never pays.
const fetch = (req: Request, env: HttpBindings | Http2Bindings) =>
  env.incoming.url?.startsWith('/bench/') ? root.fetch(req, env) : app.fetch(req, env);
const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({ ready: info.port });
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  // An open change stream, or a bulk request the fairness section gave up on, would hold close() forever.
  setTimeout(() => process.exit(0), 2000).unref();
});
process.on('SIGINT', () => process.exit(0));
