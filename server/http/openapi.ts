import type { OpenAPIHono, RouteConfig, RouteHandler, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError, zodDetails } from './errors';
import type { AppEnv } from './env';
import { ErrorSchema } from './schemas';

/** The typed context of a route: params, query and body as validated by its schemas. */
export type RouteContext<R extends RouteConfig> = Parameters<RouteHandler<R, AppEnv>>[0];

/**
 * Registers a route whose handler answers with a plain Response (commands build theirs through
 * `command()`); the schemas still validate the input and document the output.
 */
export function register<R extends RouteConfig>(app: OpenAPIHono<AppEnv>, route: R, handler: (c: RouteContext<R>) => Promise<Response> | Response): void {
  app.openapi(route, handler as never);
}

/**
 * A hot JSON POST route: documented from the same `createRoute` config, but served by a plain
 * handler that reads its body with {@link jsonInput} instead of @hono/zod-openapi's validator
 * chain (two more async middlewares and an async parse per request, measurable on
 * POST /credit-check). The answers to bad input are the same as every other route's.
 */
export function registerHot<R extends RouteConfig>(app: OpenAPIHono<AppEnv>, route: R, handler: (c: Context<AppEnv>) => Promise<Response>): void {
  app.openAPIRegistry.registerPath(route);
  const path = route.path.replace(/\{(\w+)\}/g, ':$1');
  app.on([route.method.toUpperCase()], [path], ...((route.middleware ?? []) as never[]), handler as never);
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** The JSON body validated by `schema`: 400 invalid_request for another media type, malformed JSON or a schema mismatch, as on registered routes. */
export async function jsonInput<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  if (!JSON_MEDIA.test(c.req.header('content-type') ?? '')) throw new ApiError('invalid_request', 'Unsupported Media Type');
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError('invalid_request', 'Malformed JSON in request body');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError('invalid_request', 'the request body does not match the schema', zodDetails(parsed.error, ''));
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

/** The error answers every authenticated route can give. */
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
