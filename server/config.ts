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
});

export type ServerEnv = z.infer<typeof Env>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The server's own origin is always allowed; ALLOWED_ORIGINS adds comma-separated others. */
export function allowedOrigins(env: ServerEnv): string[] {
  const scheme = env.HTTPS === '1' ? 'https' : 'http';
  const own = [`${scheme}://localhost:${env.PORT}`, `${scheme}://127.0.0.1:${env.PORT}`];
  const extra = env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  return [...new Set([...own, ...extra])];
}
