import { z } from 'zod';

/** Process configuration from the environment, validated once at start. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().default('./data/creditdesk.sqlite'),
  DATABASE_SCHEMA: z.string().optional(),
  SEED_DEMO: z.enum(['0', '1']).default('1'),
  ADMIN_TOKEN: z.string().min(32, 'ADMIN_TOKEN must be at least 32 characters (128+ bits of randomness)').optional(),
  ALLOWED_ORIGINS: z.string().default(''),
  HTTPS: z.enum(['0', '1']).default('0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Where the task pane loads office.js from. Default: the copy from the @microsoft/office-js
   * package that this server serves at /addin/office-js/ (offline, the tests). Microsoft marks that
   * copy unsupported and store add-ins must load office.js from its CDN:
   * OFFICE_JS_URL=https://appsforoffice.microsoft.com/lib/1/hosted/office.js.
   */
  OFFICE_JS_URL: z.url({ protocol: /^https$/, error: 'OFFICE_JS_URL must be an https URL of office.js' }).optional(),
});

export type ServerEnv = z.infer<typeof Env>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** The server's own origin is always allowed; ALLOWED_ORIGINS adds comma-separated others. */
export function allowedOrigins(env: ServerEnv): string[] {
  const scheme = env.HTTPS === '1' ? 'https' : 'http';
  const own = [`${scheme}://localhost:${env.PORT}`, `${scheme}://127.0.0.1:${env.PORT}`];
  const extra = env.ALLOWED_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return [...new Set([...own, ...extra])];
}

/** A file-name part: what is not a letter, digit, `.`, `_` or `-` becomes `_`. */
const namePart = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');

/**
 * Where the demo company's tokens are kept: one file per database, so loading the demo into one
 * database never overwrites the tokens of another.
 * - SQLite: beside the database file, `demo-tokens.json` for a file named `creditdesk.sqlite` (the
 *   default `./data/creditdesk.sqlite` gives `./data/demo-tokens.json`), else
 *   `demo-tokens-<file name without extension>.json` (`./data/team.sqlite` →
 *   `./data/demo-tokens-team.json`).
 * - PostgreSQL: `./data/demo-tokens-pg-<host>-<port>-<database>[-<schema>].json` in the working
 *   directory (`postgres://postgres@127.0.0.1:5432/creditdesk` →
 *   `./data/demo-tokens-pg-127.0.0.1-5432-creditdesk.json`).
 */
export function demoTokensFile(databaseUrl: string, schema?: string): string {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    let host = 'localhost';
    let port = '5432';
    let database = 'postgres';
    try {
      const u = new URL(databaseUrl);
      host = u.hostname || host;
      port = u.port || port;
      database = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || database;
    } catch {
      // an unparsable URL still gets a file of its own
      database = databaseUrl;
    }
    return `./data/demo-tokens-pg-${[host, port, database, ...(schema ? [schema] : [])].map(namePart).join('-')}.json`;
  }
  // A `file:` URI names its file before any `?options`.
  const path = databaseUrl.startsWith('file:') ? databaseUrl.slice(5).split('?')[0]! : databaseUrl;
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dir = slash < 0 ? '.' : path.slice(0, slash) || '/';
  const file = path.slice(slash + 1);
  const name =
    file === 'creditdesk.sqlite'
      ? 'demo-tokens.json'
      : `demo-tokens-${namePart(file.replace(/\.(sqlite3?|db)$/i, '')) || 'database'}.json`;
  return `${dir}${dir.endsWith('/') ? '' : '/'}${name}`;
}
