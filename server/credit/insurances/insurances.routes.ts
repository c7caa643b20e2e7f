import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { SinceQuery } from '../../http/schemas';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { etag, requireIfMatch } from '../../http/versioning';
import { insuranceRowToJson } from './insurances.repository';
import {
  CustomerParam,
  InsuranceInput,
  InsuranceListSchema,
  InsuranceParams,
  InsuranceSchema,
} from './insurances.schema';
import { createInsurance, deleteInsurance, getInsurance, listInsurances, replaceInsurance } from './insurances.service';

export function insuranceRoutes(app: OpenAPIHono<AppEnv>): void {
  const tags = ['Credit setup'];
  const base = '/api/v1/customers/{id}/insurances';
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: "List a customer's insurance policies and guarantees",
      request: { params: CustomerParam, query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: { 200: jsonResponse(InsuranceListSchema), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listInsurances(c.var.deps.handle.read, c.req.valid('param').id, {
        limit: q.limit,
        after: decodeCursor(q.cursor),
        since: q.since,
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(insuranceRowToJson), nextCursor });
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{insuranceId}`,
      tags,
      summary: 'One insurance policy or guarantee',
      request: { params: InsuranceParams },
      responses: { 200: jsonResponse(InsuranceSchema), ...errorResponses },
    }),
    async (c) => {
      const { id, insuranceId } = c.req.valid('param');
      const json = await getInsurance(c.var.deps.handle.read, id, insuranceId);
      c.header('ETag', etag(json.version));
      return c.json(json);
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change insurances and guarantees')],
      method: 'post',
      path: base,
      tags,
      summary: 'Add an insurance policy or guarantee to a customer',
      request: { params: CustomerParam, body: jsonBody(InsuranceInput) },
      responses: { 201: jsonResponse(InsuranceSchema, 'created'), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      return command(c, async (tx) => {
        const json = await createInsurance(tx, id, input);
        return { status: 201, body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change insurances and guarantees')],
      method: 'put',
      path: `${base}/{insuranceId}`,
      ifMatch: 'required',
      tags,
      summary: 'Replace an insurance policy or guarantee (If-Match required)',
      request: { params: InsuranceParams, body: jsonBody(InsuranceInput) },
      responses: { 200: jsonResponse(InsuranceSchema), ...errorResponses },
    }),
    async (c) => {
      const { id, insuranceId } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const json = await replaceInsurance(tx, id, insuranceId, input, ifMatch);
        return { body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change insurances and guarantees')],
      method: 'delete',
      path: `${base}/{insuranceId}`,
      tags,
      summary: 'Delete an insurance policy or guarantee (If-Match required)',
      request: { params: InsuranceParams },
      responses: { 200: jsonResponse(InsuranceSchema), ...errorResponses },
    }),
    async (c) => {
      const { id, insuranceId } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ({ body: await deleteInsurance(tx, id, insuranceId, ifMatch) }));
    },
  );
}
