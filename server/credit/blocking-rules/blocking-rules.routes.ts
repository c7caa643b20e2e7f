import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { IdParam, SinceQuery } from '../../http/schemas';
import { etag, requireIfMatch } from '../../http/versioning';
import { BlockingRuleInput, BlockingRuleSchema } from './blocking-rules.schema';
import { createRule, deleteRule, getRule, listRules, replaceRule, ruleRowToJson } from './blocking-rules.service';

const tags = ['Credit setup'];

export function blockingRuleRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/blocking-rules',
      tags,
      summary: 'List blocking and exclusion rules',
      request: { query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(BlockingRuleSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listRules(c.var.deps.handle.read, {
        limit: q.limit,
        after: decodeCursor(q.cursor),
        since: q.since,
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(ruleRowToJson), nextCursor });
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/blocking-rules/{id}',
      tags,
      summary: 'One rule',
      request: { params: IdParam },
      responses: { 200: jsonResponse(BlockingRuleSchema), ...errorResponses },
    }),
    async (c) => {
      const rule = await getRule(c.var.deps.handle.read, c.req.valid('param').id);
      c.header('ETag', etag(rule.version));
      return c.json(rule);
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'set blocking rules')],
      method: 'post',
      path: '/api/v1/blocking-rules',
      tags,
      summary: 'Create a blocking or exclusion rule',
      request: { body: jsonBody(BlockingRuleInput) },
      responses: { 201: jsonResponse(BlockingRuleSchema, 'created'), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      return command(c, async (tx) => {
        const rule = await createRule(tx, input);
        return { status: 201, body: rule, version: rule.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'set blocking rules')],
      method: 'put',
      path: '/api/v1/blocking-rules/{id}',
      ifMatch: 'required',
      tags,
      summary: 'Replace a rule (If-Match required)',
      request: { params: IdParam, body: jsonBody(BlockingRuleInput) },
      responses: { 200: jsonResponse(BlockingRuleSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const rule = await replaceRule(tx, id, input, ifMatch);
        return { body: rule, version: rule.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'set blocking rules')],
      method: 'delete',
      path: '/api/v1/blocking-rules/{id}',
      tags,
      summary: 'Delete a rule (If-Match required); holds keep their own copy of reasons',
      request: { params: IdParam },
      responses: { 200: jsonResponse(BlockingRuleSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ({ body: await deleteRule(tx, id, ifMatch) }));
    },
  );
}
