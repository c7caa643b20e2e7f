import type { Context } from 'hono';
import { ApiError } from './errors';

const IF_MATCH = /^\s*(?:W\/)?"(\d{1,9})"\s*$/;

function parse(header: string): number {
  const m = IF_MATCH.exec(header);
  if (!m) throw new ApiError('precondition_failed', 'If-Match must be a quoted version number, e.g. If-Match: "3"', [{ path: 'If-Match', message: 'malformed' }]);
  return Number(m[1]);
}

/** The version a change to an existing row is based on: 428 when missing, 412 when malformed. */
export function requireIfMatch(c: Context): number {
  const header = c.req.header('if-match');
  if (header === undefined) {
    throw new ApiError('precondition_required', 'this change needs If-Match: "<version>" with the version you last read', [{ path: 'If-Match', message: 'required' }]);
  }
  return parse(header);
}

export function optionalIfMatch(c: Context): number | undefined {
  const header = c.req.header('if-match');
  return header === undefined ? undefined : parse(header);
}

/** 409 with the row as it is now when the caller's version is stale. */
export function assertVersion(expected: number | undefined, row: { version: number }, current: unknown): void {
  if (expected !== undefined && expected !== row.version) {
    throw new ApiError('version_conflict', `the row was changed meanwhile: you sent version ${expected}, it is now at version ${row.version}`, [], { current });
  }
}

export const etag = (version: number) => `"${version}"`;
