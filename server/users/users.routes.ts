import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { guard, CAN } from '../http/auth';
import { command } from '../http/command';
import { notFound } from '../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { IdParam, Name } from '../http/schemas';
import { ROLES } from '../db/transaction';
import { createToken, createUser, findUser, listUsers, revokeTokens } from './users.service';
import { UserSchema } from './users.schema';

const tags = ['Users and tokens'];
export function userRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      middleware: [guard(CAN.manageUsers, 'create users')],
      method: 'post',
      path: '/api/v1/users',
      tags,
      summary: 'Create a user; the answer carries its token, shown this once',
      request: { body: jsonBody(z.strictObject({ name: Name, role: z.enum(ROLES as [string, ...string[]]) })) },
      responses: { 201: jsonResponse(UserSchema.extend({ token: z.string() }), 'created'), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      return command(c, async (tx) => {
        const { user, token } = await createUser(tx, { name: input.name, role: input.role as (typeof ROLES)[number] });
        return { status: 201, body: { ...user, token }, version: user.version, secret: true };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.manageUsers, 'list users')],
      method: 'get',
      path: '/api/v1/users',
      tags,
      summary: 'List users (admin)',
      responses: { 200: jsonResponse(z.object({ items: z.array(UserSchema) })), ...errorResponses },
    }),
    async (c) => {
      return c.json({ items: await listUsers(c.var.deps.handle.read) });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/me',
      tags,
      summary: 'Who the token belongs to',
      responses: { 200: jsonResponse(UserSchema), ...errorResponses },
    }),
    async (c) => {
      const user = await findUser(c.var.deps.handle.read, c.var.actor.userId ?? '');
      if (!user) throw notFound('user', c.var.actor.userId ?? '');
      return c.json(user);
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.manageUsers, 'issue tokens')],
      method: 'post',
      path: '/api/v1/users/{id}/tokens',
      tags,
      summary: 'Issue a further token for a user (shown once)',
      request: { params: IdParam },
      responses: {
        201: jsonResponse(z.object({ userId: z.string(), token: z.string() }), 'created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return command(c, async (tx) => ({
        status: 201,
        body: { userId: id, token: await createToken(tx, id) },
        secret: true,
      }));
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.manageUsers, 'revoke tokens')],
      method: 'delete',
      path: '/api/v1/users/{id}/tokens',
      tags,
      summary: "Revoke all of a user's tokens",
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ userId: z.string(), revoked: z.number() })), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return command(c, async (tx) => ({ body: { userId: id, revoked: await revokeTokens(tx, id) } }));
    },
  );
}
