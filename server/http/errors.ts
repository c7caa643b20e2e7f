import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

/** The closed vocabulary of error codes and the status each maps to. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  version_conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  rule_violation: 422,
  precondition_required: 428,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The error answers as reusable OpenAPI response components (`#/components/responses/<name>`):
 * each operation references those it can give (server/http/openapi-conventions.ts `errorsOf`).
 */
export const ERROR_RESPONSE_COMPONENTS = {
  400: {
    name: 'InvalidRequest',
    description:
      'invalid_request: the input does not match the schema (`details` name the fields), or a malformed Idempotency-Key',
  },
  401: { name: 'Unauthenticated', description: 'unauthenticated: no bearer token, or one that is unknown or revoked' },
  403: { name: 'Forbidden', description: 'forbidden: the role may not do this (see the roles of the operation)' },
  404: { name: 'NotFound', description: 'not_found: the row the path names does not exist' },
  409: {
    name: 'VersionConflict',
    description: 'version_conflict: If-Match names a stale version; `current` holds the row as it is now',
  },
  412: {
    name: 'PreconditionFailed',
    description: 'precondition_failed: If-Match is malformed (send a quoted version number, e.g. "3")',
  },
  413: { name: 'PayloadTooLarge', description: 'payload_too_large: the body is larger than the route allows' },
  422: {
    name: 'RuleViolation',
    description:
      'rule_violation: the request is well formed but breaks a business rule, or reuses an Idempotency-Key with another request',
  },
  428: {
    name: 'PreconditionRequired',
    description: 'precondition_required: If-Match is missing; send the version you last read',
  },
} as const satisfies Partial<Record<(typeof ERROR_STATUS)[ErrorCode], { name: string; description: string }>>;

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Extra top-level members of the body, e.g. `current` on a version conflict. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (entity: string, id: string) => new ApiError('not_found', `${entity} ${id} does not exist`);
export const ruleViolation = (message: string, details: ErrorDetail[] = []) =>
  new ApiError('rule_violation', message, details);

export function zodDetails(error: ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    // zod reports unknown keys on the parent; name each key so the caller sees which one.
    if (issue.code === 'unrecognized_keys') {
      return {
        path: [path, ...issue.keys].filter(Boolean).join('.'),
        message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`,
      };
    }
    return { path, message: issue.message };
  });
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details: ErrorDetail[] = [],
  extra: Record<string, unknown> = {},
) {
  return { error: { code, message, details }, ...extra };
}

/** The one place an error becomes a response: every failure leaves in the same shape. */
export function handleError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details, err.extra), err.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return c.json(errorBody('payload_too_large', 'request body is larger than allowed'), 413);
    if (status === 401) return c.json(errorBody('unauthenticated', err.message || 'authentication required'), 401);
    if (status >= 400 && status < 500)
      return c.json(errorBody('invalid_request', err.message || 'invalid request'), 400);
  }
  const log = c.get('log' as never) as { error?: (o: unknown, m: string) => void } | undefined;
  const requestId = c.get('requestId' as never) as string | undefined;
  log?.error?.(
    { requestId, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) },
    'unhandled error',
  );
  return c.json(errorBody('internal', 'internal error; the request id identifies it in the server log'), 500);
}
