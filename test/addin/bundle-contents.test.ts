// The pane takes the API's answer types from the server's schemas (shared/api/wire.ts) with
// `import type` only: the bundle must not get server code, zod or the server's libraries from
// them. The source maps of the build (test/addin/global-setup.ts builds it) list every module
// the bundle holds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ASSETS = join(import.meta.dirname, '../../addin/dist/assets');
const FORBIDDEN = [/(^|\/)server\//, /node_modules\/(zod|hono|@hono|@asteasolutions|kysely|pino|better-sqlite3|pg)\//];

describe('the add-in bundle', () => {
  const maps = readdirSync(ASSETS).filter((f) => f.endsWith('.js.map'));

  it('holds no server module and no server library (wire types are import type only)', () => {
    expect(maps.length).toBeGreaterThan(0);
    const sources = maps.flatMap((f) =>
      (JSON.parse(readFileSync(join(ASSETS, f), 'utf8')) as { sources: string[] }).sources.map((s) => `${f}: ${s}`),
    );
    expect(sources.some((s) => s.includes('shared/money.ts'))).toBe(true);
    expect(sources.filter((s) => FORBIDDEN.some((re) => re.test(s.split(': ')[1]!.replace(/^(\.\.\/)+/, ''))))).toEqual(
      [],
    );
  });
});
