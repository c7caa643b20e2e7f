import { serve } from '@hono/node-server';
import { createSecureServer } from 'node:http2';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { createApp } from './app';
import { allowedOrigins, demoTokensFile, readEnv } from './config';
import { isPostgresUrl, openDatabase } from './db/connection';
import { runInTransaction, SYSTEM } from './db/transaction';
import { ensureAdminToken } from './users/users.service';
import { seedDemo } from './demo/seed';

async function main(): Promise<void> {
  const env = readEnv();
  const log = pino({ level: env.LOG_LEVEL });
  const isPostgres = isPostgresUrl(env.DATABASE_URL);
  const isNewSqlite = !isPostgres && !existsSync(env.DATABASE_URL);
  const handle = await openDatabase({
    url: env.DATABASE_URL,
    schema: env.DATABASE_SCHEMA,
    onEventError: (message) => log.warn(message),
  });
  const app = createApp({
    handle,
    log,
    config: { allowedOrigins: allowedOrigins(env), jsonBodyLimit: 1024 * 1024, officeJsUrl: env.OFFICE_JS_URL },
  });
  // One token file per database: a PostgreSQL demo never overwrites the SQLite demo's tokens.
  const tokensFile = demoTokensFile(env.DATABASE_URL, env.DATABASE_SCHEMA);
  // Under the startup lock that the migrations took: several servers starting together on one
  // PostgreSQL database take turns, and only the first finds it empty and loads the demo.
  const demoTokens = await handle.exclusive(async () => {
    if (env.ADMIN_TOKEN) await runInTransaction(handle, SYSTEM, (tx) => ensureAdminToken(tx, env.ADMIN_TOKEN!));
    if (env.SEED_DEMO !== '1' || !(isNewSqlite || (isPostgres && (await isEmpty(handle))))) return undefined;
    // The demo loads part of itself through the API: its ~100 requests are not logged, so the
    // tokens stay the last thing start-up prints (warnings and errors still show).
    const level = log.level;
    if (log.isLevelEnabled('info')) log.level = 'warn';
    try {
      return await seedDemo(handle, { tokensFile, app });
    } finally {
      log.level = level;
    }
  });
  const canSignIn = demoTokens !== undefined || env.ADMIN_TOKEN !== undefined || (await hasAdminToken(handle));
  const scheme = env.HTTPS === '1' ? 'https' : 'http';
  const server = serve({
    fetch: app.fetch,
    port: env.PORT,
    hostname: env.HOST,
    ...(env.HTTPS === '1'
      ? { createServer: createSecureServer, serverOptions: { ...(await devCerts()), allowHTTP1: true } }
      : {}),
  });
  const url = `${scheme}://localhost:${env.PORT}`;
  console.log(
    `CreditDesk listening on ${url}  (API ${url}/api/v1, docs ${url}/docs, add-in ${url}/addin/taskpane.html)`,
  );
  console.log(`database: ${isPostgres ? 'PostgreSQL' : `SQLite ${env.DATABASE_URL}`}`);
  if (!demoTokens && isPostgres && env.SEED_DEMO === '1') {
    console.log('the database already holds data (another server may have loaded the demo): nothing loaded');
  }
  if (!canSignIn) {
    // Nobody could create a user: say how to get in rather than leave a server everyone gets 401 from.
    console.log(
      [
        'no admin has a token yet, so nobody can sign in. Restart with ADMIN_TOKEN set to a secret of at least 32 characters;',
        'the server creates (or keeps) the admin user with that token:',
        `  ADMIN_TOKEN=$(node -p "require('crypto').randomBytes(32).toString('base64url')") ${env.SEED_DEMO === '0' ? 'SEED_DEMO=0 ' : ''}npm start`,
        'then send it as "Authorization: Bearer <ADMIN_TOKEN>" and create users with POST /api/v1/users (see README "Using the API").',
      ].join('\n'),
    );
  }
  // The tokens come last, so they are what the terminal shows once start-up is done.
  if (demoTokens) {
    console.log(`demo company loaded; one token per role (shown once, also saved to ${tokensFile}):`);
    for (const [role, token] of Object.entries(demoTokens)) console.log(`  ${role.padEnd(20)} ${token}`);
  }

  const shutdown = () => {
    server.close(() => {
      void handle.close().then(() => process.exit(0));
    });
    // Open change streams never go idle: after a second's grace they are cut (clients reconnect,
    // behind a load balancer to another server, and resume with Last-Event-ID).
    setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 1000).unref();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function isEmpty(handle: Awaited<ReturnType<typeof openDatabase>>): Promise<boolean> {
  const row = await handle.db.selectFrom('customers').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

/** Whether some admin holds a token that is not revoked (who can then issue everyone else's). */
async function hasAdminToken(handle: Awaited<ReturnType<typeof openDatabase>>): Promise<boolean> {
  const row = await handle.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select('api_tokens.id')
    .where('users.role', '=', 'admin')
    .where('api_tokens.revoked_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The Office dev certificates that desktop Excel trusts (`npx office-addin-dev-certs install`). */
async function devCerts(): Promise<{ key: string; cert: string; ca?: string }> {
  const { readFile } = await import('node:fs/promises');
  const { homedir } = await import('node:os');
  const dir = `${homedir()}/.office-addin-dev-certs`;
  try {
    return {
      key: await readFile(`${dir}/localhost.key`, 'utf8'),
      cert: await readFile(`${dir}/localhost.crt`, 'utf8'),
      ca: await readFile(`${dir}/ca.crt`, 'utf8'),
    };
  } catch {
    throw new Error(
      `HTTPS=1 needs the Office dev certificates in ${dir}; create them with: npx office-addin-dev-certs install`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
