import type { OpenAPIHono, RouteConfig, RouteHandler, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError, zodDetails } from './errors';
import type { AppEnv } from './env';
import { ErrorSchema } from './schemas';
import { guardOf } from './auth';
import { ROLES, type Role } from '../db/transaction';
import { documentRoute, installConventions, operationIdOf, type DeclaredConventions } from './openapi-conventions';

/** The typed context of a route: params, query and body as validated by its schemas. */
export type RouteContext<R extends RouteConfig> = Parameters<RouteHandler<R, AppEnv>>[0];

/** The OpenAPI extension naming the roles an operation admits: the role matrix, one entry per operation. */
export const ROLES_EXTENSION = 'x-roles';

/**
 * The roles a route admits, which is its entry in the role matrix: those of its `guard(...)`
 * middleware, or every role for a GET without one (SPEC §4: every role may read). Any other route
 * without a guard, or with two, is a programming error that stops the app from starting, so a
 * new write cannot be registered open to every role by forgetting its entry.
 */
export function routeRoles(route: RouteConfig): readonly Role[] {
  const middleware =
    route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  const guards = middleware.map(guardOf).filter((g) => g !== undefined);
  const where = `${route.method.toUpperCase()} ${route.path}`;
  if (guards.length > 1) throw new Error(`${where} has ${guards.length} role guards; give it one`);
  if (guards.length === 0 && route.method !== 'get')
    throw new Error(
      `${where} has no role guard: add guard(roles, 'action') to its createRoute middleware (server/http/auth.ts); only a GET may leave it out, meaning every role may read it`,
    );
  const allowed = guards[0]?.roles ?? ROLES;
  if (allowed.length === 0) throw new Error(`${where} admits no role`);
  return ROLES.filter((r) => allowed.includes(r));
}

/** The operationIds of each app so far: two routes that would share one stop the app from starting. */
const operationIds = new WeakMap<object, Set<string>>();

/**
 * The route as registered: its roles as `x-roles` and as a line of its description (Swagger UI at
 * /docs shows descriptions, not extensions), and its conventions in OpenAPI terms
 * (server/http/openapi-conventions.ts: If-Match, Idempotency-Key, ETag, the error answers it can
 * give, its operationId). A guard that admits every role checks nothing, so it documents the route
 * and is left out of the chain (no extra step on POST /credit-check).
 */
function documented<R extends RouteConfig>(app: OpenAPIHono<AppEnv>, route: R & DeclaredConventions): R {
  installConventions(app);
  const roles = routeRoles(route);
  const everyRole = roles.length === ROLES.length;
  const line = `Roles: ${everyRole ? 'every role' : roles.map((r) => `\`${r}\``).join(', ')}.`;
  const operationId = (route as { operationId?: string }).operationId ?? operationIdOf(route);
  const seen = operationIds.get(app) ?? new Set<string>();
  operationIds.set(app, seen);
  if (seen.has(operationId))
    throw new Error(
      `${route.method.toUpperCase()} ${route.path}: operationId ${operationId} is taken by another route; give one of them \`operationId\` in its createRoute config`,
    );
  seen.add(operationId);
  const doc = documentRoute(app, route, roles, errorResponses, operationId) as R & Record<string, unknown>;
  const out = {
    ...doc,
    [ROLES_EXTENSION]: roles,
    description: route.description ? `${route.description}\n\n${line}` : line,
  };
  if (everyRole && route.middleware)
    out.middleware = (Array.isArray(route.middleware) ? route.middleware : [route.middleware]).filter(
      (m) => !guardOf(m),
    );
  return out;
}

/**
 * Registers a route whose handler answers with a plain Response (commands build theirs through
 * `command()`); the schemas still validate the input and document the output, and its roles
 * ({@link routeRoles}) and conventions (RouteConventions, server/http/openapi-conventions.ts) are published in the OpenAPI document.
 */
export function register<R extends RouteConfig>(
  app: OpenAPIHono<AppEnv>,
  route: R & DeclaredConventions,
  handler: (c: RouteContext<R>) => Promise<Response> | Response,
): void {
  app.openapi(documented(app, route), handler as never);
}

/**
 * A hot JSON POST route: documented from the same `createRoute` config, but served by a plain
 * handler that reads its body with {@link jsonInput} instead of @hono/zod-openapi's validator
 * chain (two more async middlewares and an async parse per request, measurable on
 * POST /credit-check). The answers to bad input are the same as every other route's.
 */
export function registerHot<R extends RouteConfig>(
  app: OpenAPIHono<AppEnv>,
  route: R & DeclaredConventions,
  handler: (c: Context<AppEnv>) => Promise<Response>,
): void {
  const { middleware, ...doc } = documented(app, route);
  app.openAPIRegistry.registerPath(doc);
  const path = route.path.replace(/\{(\w+)\}/g, ':$1');
  app.on([route.method.toUpperCase()], [path], ...([middleware ?? []].flat() as never[]), handler as never);
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** The JSON body validated by `schema`: 400 invalid_request for another media type, malformed JSON or a schema mismatch, as on registered routes. */
export async function jsonInput<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  if (!JSON_MEDIA.test(c.req.header('content-type') ?? ''))
    throw new ApiError('invalid_request', 'Unsupported Media Type');
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError('invalid_request', 'Malformed JSON in request body');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiError('invalid_request', 'the request body does not match the schema', zodDetails(parsed.error, ''));
  return parsed.data;
}

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  content: { 'application/json': { schema } },
  required: true,
  ...(description ? { description } : {}),
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  content: { 'application/json': { schema } },
  description,
});

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

/**
 * The error answers a route may spread into its `responses`. `register` replaces them with
 * references to the shared response components, only those the route can give
 * (server/http/openapi-conventions.ts `errorsOf`); an error answer a route describes itself is kept.
 */
export const errorResponses = {
  400: err('invalid_request: the input does not match the schema'),
  401: err('unauthenticated'),
  403: err('forbidden: the role may not do this'),
  404: err('not_found'),
  409: err('version_conflict: body has `current`'),
  412: err('If-Match malformed'),
  413: err('payload_too_large'),
  422: err('rule_violation'),
  428: err('precondition_required: If-Match missing'),
} as const;
