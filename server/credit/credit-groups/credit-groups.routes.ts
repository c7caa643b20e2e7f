import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { IdParam, SinceQuery } from '../../http/schemas';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { etag, optionalIfMatch, requireIfMatch } from '../../http/versioning';
import { CreditGroupInput, CreditGroupListSchema, CreditGroupSchema } from './credit-groups.schema';
import { listCreditGroupRows } from './credit-groups.repository';
import { creditGroupsWithMembers, deleteCreditGroup, getCreditGroup, upsertCreditGroup } from './credit-groups.service';

export function creditGroupRoutes(app: OpenAPIHono<AppEnv>): void {
  const tags = ['Credit setup'];
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/credit-groups',
      tags,
      summary: 'List customer credit groups',
      request: { query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: { 200: jsonResponse(CreditGroupListSchema), ...errorResponses },
    }),
    async (c) => {
      const db = c.var.deps.handle.read;
      const q = c.req.valid('query');
      const { items, nextCursor } = page(
        await listCreditGroupRows(db, { limit: q.limit, after: decodeCursor(q.cursor), since: q.since }),
        q.limit,
        (r) => r.id,
      );
      return c.json({ items: await creditGroupsWithMembers(db, items), nextCursor });
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/credit-groups/{id}',
      tags,
      summary: 'One credit group with its members',
      request: { params: IdParam },
      responses: { 200: jsonResponse(CreditGroupSchema), ...errorResponses },
    }),
    async (c) => {
      const group = await getCreditGroup(c.var.deps.handle.read, c.req.valid('param').id);
      c.header('ETag', etag(group.version));
      return c.json(group);
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change credit groups')],
      method: 'put',
      path: '/api/v1/credit-groups/{id}',
      tags,
      summary: 'Create or replace a credit group and its members (If-Match when it exists)',
      request: { params: IdParam, body: jsonBody(CreditGroupInput) },
      responses: {
        200: jsonResponse(CreditGroupSchema),
        201: jsonResponse(CreditGroupSchema, 'created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = optionalIfMatch(c);
      return command(c, async (tx) => {
        const { json, created } = await upsertCreditGroup(tx, id, input, ifMatch);
        return { status: created ? 201 : 200, body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change credit groups')],
      method: 'delete',
      path: '/api/v1/credit-groups/{id}',
      tags,
      summary: 'Delete a credit group (If-Match); members keep their own limits',
      request: { params: IdParam },
      responses: { 200: jsonResponse(CreditGroupSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ({ body: await deleteCreditGroup(tx, id, ifMatch) }));
    },
  );
}
