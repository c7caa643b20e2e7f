import type { Context } from 'hono';
import { ApiError } from './errors';

const IF_MATCH = /^\s*(?:W\/)?"(\d{1,9})"\s*$/;

function parse(header: string): number {
  const m = IF_MATCH.exec(header);
  if (!m)
    throw new ApiError('precondition_failed', 'If-Match must be a quoted version number, e.g. If-Match: "3"', [
      { path: 'If-Match', message: 'malformed' },
    ]);
  return Number(m[1]);
}

/** The version a change to an existing row is based on: 428 when missing, 412 when malformed. */
export function requireIfMatch(c: Context): number {
  const header = c.req.header('if-match');
  if (header === undefined) {
    throw new ApiError(
      'precondition_required',
      'this change needs If-Match: "<version>" with the version you last read',
      [{ path: 'If-Match', message: 'required' }],
    );
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
    throw new ApiError(
      'version_conflict',
      `the row was changed meanwhile: you sent version ${expected}, it is now at version ${row.version}`,
      [],
      { current },
    );
  }
}

/**
 * The preconditions of a PUT upsert: creating needs no If-Match; replacing needs the version the
 * caller read (428 when missing, 409 with `current` when stale); If-Match on a missing row is 404.
 */
export function checkUpsert(
  noun: string,
  id: string,
  existing: { version: number } | undefined,
  ifMatch: number | undefined,
  current: () => unknown,
): void {
  if (!existing) {
    if (ifMatch !== undefined) throw new ApiError('not_found', `${noun} ${id} does not exist`);
    return;
  }
  if (ifMatch === undefined) {
    throw new ApiError(
      'precondition_required',
      `${noun} ${id} exists: send If-Match: "${existing.version}" to change it`,
      [{ path: 'If-Match', message: 'required' }],
    );
  }
  if (ifMatch !== existing.version) assertVersion(ifMatch, existing, current());
}

export const etag = (version: number) => `"${version}"`;
