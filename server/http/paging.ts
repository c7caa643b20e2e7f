import { z } from '@hono/zod-openapi';
import { ApiError } from './errors';

export const MAX_PAGE = 1000;

export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .default(100)
    .openapi({ description: 'page size, default 100, at most 1000' }),
  cursor: z.string().max(200).optional().openapi({ description: 'the nextCursor of the previous page' }),
};

/** Cursors are opaque to clients: base64url of the last key of the previous page. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through to the error below
  }
  throw new ApiError('invalid_request', 'cursor is not one this server issued', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);
}

/** Splits a fetched `limit + 1` rows into a page and the cursor of the next one. */
export function page<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
