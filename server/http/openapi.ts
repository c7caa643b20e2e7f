import type { OpenAPIHono, RouteConfig, RouteHandler, z } from '@hono/zod-openapi';
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
