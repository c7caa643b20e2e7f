// The role matrix as the OpenAPI document publishes it (server/http/openapi.ts: every operation's
// `x-roles`, taken from its guard where it is registered), and its table in README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../../server/app';
import { openDatabase } from '../../server/db/connection';
import { ROLES, type Role } from '../../server/db/transaction';
import { ROLES_EXTENSION } from '../../server/http/openapi';

/** The parts of an OpenAPI 3.1 document the matrix and the fuzz test read. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}
export type JsonSchema = Record<string, any>;
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: JsonSchema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  [ROLES_EXTENSION]?: Role[];
}

/** One operation of the document with the roles it admits. */
export interface Operation {
  method: string;
  /** The OpenAPI path, `{id}` style. */
  path: string;
  roles: readonly Role[];
  op: OpenApiOperation;
}

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation, sorted by path and method; an operation without `x-roles` keeps roles `[]` (the test fails on it). */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item))
      ops.push({ method: method.toUpperCase(), path, roles: op[ROLES_EXTENSION] ?? [], op });
  }
  return ops.sort((a, b) =>
    a.path === b.path
      ? METHOD_ORDER.indexOf(a.method.toLowerCase()) - METHOD_ORDER.indexOf(b.method.toLowerCase())
      : a.path < b.path
        ? -1
        : 1,
  );
}

export const README_BEGIN =
  '<!-- role-matrix:begin (generated from the OpenAPI document by `npx tsx test/support/write-role-matrix.ts`; test/api/role-matrix.test.ts checks it) -->';
export const README_END = '<!-- role-matrix:end -->';

/** The matrix as a Markdown table: one row per operation, one column per role. */
export function roleMatrixTable(ops: readonly Operation[]): string {
  const lines = [
    `| Route (under \`/api/v1\`) | ${ROLES.map((r) => `\`${r}\``).join(' | ')} |`,
    `|---|${ROLES.map(() => ':-:').join('|')}|`,
  ];
  for (const o of ops)
    lines.push(
      `| \`${o.method} ${o.path.replace(/^\/api\/v1/, '')}\` | ${ROLES.map((r) => (o.roles.includes(r) ? '✓' : '')).join(' | ')} |`,
    );
  return lines.join('\n');
}

/** The table between the README's markers, or undefined when they are missing. */
export function readmeRoleMatrix(readme: string): string | undefined {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin + README_BEGIN.length, end).trim();
}

/** The README with the table between its markers replaced. */
export function withReadmeRoleMatrix(readme: string, table: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin)
    throw new Error(`README.md has no role-matrix markers; put\n${README_BEGIN}\n${README_END}\nin its role section`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

/** The OpenAPI document of an app on a throwaway SQLite database (no PostgreSQL, no vitest). */
export async function openApiDocument(): Promise<OpenApiDocument> {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-doc-'));
  const handle = await openDatabase({ url: join(dir, 'doc.sqlite') });
  try {
    const app = createApp({
      handle,
      log: pino({ level: 'silent' }),
      config: { allowedOrigins: [], jsonBodyLimit: 1024 * 1024 },
    });
    return (await (await app.request('/api/v1/openapi.json')).json()) as OpenApiDocument;
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
