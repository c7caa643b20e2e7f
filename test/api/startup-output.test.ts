// What `npm start` prints, and where it keeps the demo tokens (issue 19 item 10 a, c, d), on real
// server processes (the bundle `npm start` runs, with its flags) over real SQLite files and the
// suite's PostgreSQL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoTokensFile } from '../../server/config';
import { dropPostgresSchema } from '../../server/db/connection';
import { freePort, serverArgs, startServer, stopServer } from '../support/process';

const PG_URL = process.env.TEST_DATABASE_URL!;
// The servers here start without an ADMIN_TOKEN unless a test gives one.
delete process.env.ADMIN_TOKEN;
const ROLES = ['admin', 'credit_manager', 'credit_clerk', 'collections_agent', 'integration', 'collections_agent_2'];
const TOKEN_LINE = /^ {2}(\w+) +(cd_[A-Za-z0-9_-]{43})$/;

/**
 * Starts a server without touching it (no /healthz polling, which the request log would print)
 * and resolves with everything it printed once `done(output)` holds and it has printed nothing
 * more for `quietMs`.
 */
async function startAndWatch(env: Record<string, string>, cwd: string, done: (out: string) => boolean, quietMs = 1500) {
  const port = await freePort();
  const child = spawn(process.execPath, serverArgs(), {
    cwd,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let last = performance.now();
  child.stdout.on('data', (d) => ((out += String(d)), (last = performance.now())));
  child.stderr.on('data', (d) => ((out += String(d)), (last = performance.now())));
  const began = performance.now();
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
      if (performance.now() - began > 40_000) throw new Error(`not done after 40 s: ${out}`);
      if (done(out) && performance.now() - last >= quietMs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { out, port };
  } finally {
    await stopServer({ child });
  }
}

const lines = (out: string) => out.split('\n').filter((l) => l.trim() !== '');

describe('start-up output and the demo tokens files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-startup-'));
  const schemas: string[] = [];
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const s of schemas) await dropPostgresSchema(PG_URL, s);
  });

  it('prints the tokens last: the demo loading logs no request lines, even at LOG_LEVEL=info', async () => {
    const db = join(dir, 'a', 'creditdesk.sqlite');
    const { out } = await startAndWatch({ DATABASE_URL: db, LOG_LEVEL: 'info', SEED_DEMO: '1' }, dir, (o) =>
      o.includes('collections_agent_2 '),
    );
    const printed = lines(out);
    // The last six lines are the tokens, one per role, after the line naming their file.
    const tail = printed.slice(-ROLES.length);
    expect(
      tail.map((l) => TOKEN_LINE.exec(l)?.[1]),
      out,
    ).toEqual(ROLES);
    expect(printed.at(-ROLES.length - 1)).toBe(
      `demo company loaded; one token per role (shown once, also saved to ${join(dir, 'a', 'demo-tokens.json')}):`,
    );
    expect(out).not.toContain('"msg":"request"');
    expect(printed[0]).toMatch(/^CreditDesk listening on http:\/\/localhost:\d+ /);
    // The file holds what was printed.
    const saved = JSON.parse(readFileSync(join(dir, 'a', 'demo-tokens.json'), 'utf8')) as Record<string, string>;
    for (const l of tail) {
      const [, role, token] = TOKEN_LINE.exec(l)!;
      expect(saved[role!]).toBe(token);
    }
  }, 60_000);

  it('names one tokens file per database, and a PostgreSQL demo leaves the SQLite demo’s file alone', async () => {
    // The names (server/config.ts), as the README's table gives them.
    expect(demoTokensFile('./data/creditdesk.sqlite')).toBe('./data/demo-tokens.json');
    expect(demoTokensFile('/srv/cd/team.sqlite')).toBe('/srv/cd/demo-tokens-team.json');
    expect(demoTokensFile('team.db')).toBe('./demo-tokens-team.json');
    expect(demoTokensFile('postgres://postgres@127.0.0.1:5432/creditdesk')).toBe(
      './data/demo-tokens-pg-127.0.0.1-5432-creditdesk.json',
    );
    expect(demoTokensFile('postgres://u:secret@db.example:6543/cd', 'team one')).toBe(
      './data/demo-tokens-pg-db.example-6543-cd-team_one.json',
    );
    expect(demoTokensFile('postgresql://db.example/cd')).toBe('./data/demo-tokens-pg-db.example-5432-cd.json');

    // A working directory as a developer's: the SQLite demo's tokens in ./data/demo-tokens.json.
    const cwd = join(dir, 'project');
    mkdirSync(join(cwd, 'data'), { recursive: true });
    const sqliteTokens = `${JSON.stringify({ admin: 'cd_the-sqlite-demo-admin' }, null, 2)}\n`;
    writeFileSync(join(cwd, 'data', 'demo-tokens.json'), sqliteTokens);

    // A second SQLite file in the same folder gets its own file.
    const other = await startServer(
      { DATABASE_URL: join(cwd, 'data', 'other.sqlite'), SEED_DEMO: '1' },
      { cwd, readyTimeoutMs: 40_000 },
    );
    await stopServer(other);
    expect(other.output()).toContain(`also saved to ${join(cwd, 'data', 'demo-tokens-other.json')}`);

    // PostgreSQL: a file named after the server, database and schema, in ./data of its working directory.
    const schema = `t_startup_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const pgServer = await startServer(
      { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, SEED_DEMO: '1' },
      { cwd, readyTimeoutMs: 40_000 },
    );
    try {
      const file = demoTokensFile(PG_URL, schema);
      expect(file).toMatch(new RegExp(`^\\./data/demo-tokens-pg-.*-${schema}\\.json$`));
      expect(pgServer.output()).toContain(`also saved to ${file}`);
      const pgTokens = JSON.parse(readFileSync(join(cwd, file), 'utf8')) as Record<string, string>;
      const me = await fetch(`${pgServer.url}/api/v1/me`, { headers: { authorization: `Bearer ${pgTokens.admin}` } });
      expect(me.status).toBe(200);
    } finally {
      await stopServer(pgServer);
    }
    // The SQLite demo's file is exactly as it was; each database has its own.
    expect(readFileSync(join(cwd, 'data', 'demo-tokens.json'), 'utf8')).toBe(sqliteTokens);
    expect(
      readdirSync(join(cwd, 'data'))
        .filter((f) => f.startsWith('demo-tokens'))
        .sort(),
    ).toEqual(['demo-tokens-other.json', basename(demoTokensFile(PG_URL, schema)), 'demo-tokens.json'].sort());
  }, 90_000);

  it('with SEED_DEMO=0 and no ADMIN_TOKEN says how to get in, naming ADMIN_TOKEN; not once an admin has a token', async () => {
    const db = join(dir, 'empty', 'creditdesk.sqlite');
    mkdirSync(join(dir, 'empty'));
    const bare = await startServer({ DATABASE_URL: db, SEED_DEMO: '0' }, { cwd: dir });
    await stopServer(bare);
    const out = bare.output();
    expect(out).toContain('nobody can sign in');
    expect(out).toMatch(/Restart with ADMIN_TOKEN set to a secret of at least 32 characters/);
    expect(out).toContain(
      "ADMIN_TOKEN=$(node -p \"require('crypto').randomBytes(32).toString('base64url')\") SEED_DEMO=0 npm start",
    );
    expect(out).toContain('POST /api/v1/users');
    expect(existsSync(join(dir, 'empty', 'demo-tokens.json'))).toBe(false);

    // Done as it says: the same database with ADMIN_TOKEN lets the admin in, and says nothing more;
    // a later start without ADMIN_TOKEN finds the admin's token and says nothing either.
    const admin = randomBytes(32).toString('base64url');
    const withAdmin = await startServer({ DATABASE_URL: db, SEED_DEMO: '0', ADMIN_TOKEN: admin }, { cwd: dir });
    try {
      expect(withAdmin.output()).not.toContain('nobody can sign in');
      const me = await fetch(`${withAdmin.url}/api/v1/me`, { headers: { authorization: `Bearer ${admin}` } });
      expect(await me.json()).toMatchObject({ role: 'admin' });
    } finally {
      await stopServer(withAdmin);
    }
    const again = await startServer({ DATABASE_URL: db, SEED_DEMO: '0' }, { cwd: dir });
    await stopServer(again);
    expect(again.output()).not.toContain('nobody can sign in');
  }, 60_000);
});
