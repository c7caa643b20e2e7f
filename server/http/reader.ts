import type { Context } from 'hono';
import type { AppEnv } from './env';
import type { Reader } from '../db/prepared-sql';
import { readSetupVersion, type DbHandle } from '../db/connection';
import { Pace } from '../db/pace';

/**
 * A reader outside any transaction: committed data only (on SQLite the read-only connection,
 * which never waits for a writer), a fresh view of the setup cache (`setup`, the handle's own
 * unless a test gives another), which confirms the setup version once on its first cached read,
 * and the request's own pacing for long reads (a 10,000-line :validate).
 */
export function readerOf(h: DbHandle, setup = h.setup): Reader {
  return {
    db: h.read,
    dialect: h.dialect,
    sqlite: h.sqliteRead,
    cache: setup.view(() => readSetupVersion(h.read)),
    pace: new Pace(),
    today: h.clock.now().toISOString().slice(0, 10),
  };
}

/** The request's reader (see {@link readerOf}): one per request, so the setup version is confirmed at most once per request. */
export function requestReader(c: Context<AppEnv>): Reader {
  let r = c.get('reader');
  if (!r) c.set('reader', (r = readerOf(c.get('deps').handle)));
  return r;
}
