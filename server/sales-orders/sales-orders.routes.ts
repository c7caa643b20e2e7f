import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { guard, CAN } from '../http/auth';
import { command } from '../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { decodeCursor, page, pageQuery } from '../http/paging';
import { idOf, IdParam, SinceQuery } from '../http/schemas';
import { etag, optionalIfMatch, requireIfMatch } from '../http/versioning';
import { listSalesOrders, salesOrderRowToSalesOrder } from './sales-orders.repository';
import {
  ORDER_STATUSES,
  OrderCreditManagementPatch,
  PostingInput,
  PostingResultSchema,
  SalesOrderInput,
  SalesOrderListSchema,
  SalesOrderSchema,
} from './sales-orders.schema';
import { requireSalesOrder, setOrderCreditManagement, upsertSalesOrder } from './sales-orders.service';
import { cancelSalesOrder, postSalesOrder } from './order-flow';

const tags = ['Data feed'];

export function salesOrderRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/sales-orders',
      tags,
      summary: 'List sales orders',
      request: {
        query: z.object({
          ...pageQuery,
          customerId: idOf('customer').optional(),
          status: z.enum(ORDER_STATUSES).optional(),
          since: SinceQuery,
        }),
      },
      responses: { 200: jsonResponse(SalesOrderListSchema), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listSalesOrders(c.var.deps.handle.read, { ...q, after: decodeCursor(q.cursor) });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(salesOrderRowToSalesOrder), nextCursor });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/sales-orders/{id}',
      tags,
      summary: 'One sales order',
      request: { params: IdParam },
      responses: { 200: jsonResponse(SalesOrderSchema), ...errorResponses },
    }),
    async (c) => {
      const row = await requireSalesOrder({ db: c.var.deps.handle.read }, c.req.valid('param').id);
      c.header('ETag', etag(row.version));
      return c.json(salesOrderRowToSalesOrder(row));
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'feed sales orders')],
      method: 'put',
      path: '/api/v1/sales-orders/{id}',
      tags,
      summary: 'Create or change a sales order (If-Match required when it exists)',
      request: { params: IdParam, body: jsonBody(SalesOrderInput) },
      responses: {
        200: jsonResponse(SalesOrderSchema, 'changed'),
        201: jsonResponse(SalesOrderSchema, 'created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = optionalIfMatch(c);
      return command(c, async (tx) => {
        const { order, created } = await upsertSalesOrder(tx, id, input, ifMatch);
        return { status: created ? 201 : 200, body: order, version: order.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'post sales orders')],
      method: 'post',
      path: '/api/v1/sales-orders/{id}/post',
      tags,
      summary: 'Post an order through a checkpoint (credit check first)',
      request: { params: IdParam, body: jsonBody(PostingInput) },
      responses: { 200: jsonResponse(PostingResultSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      return command(c, async (tx) => {
        const result = await postSalesOrder(tx, id, input);
        return { body: result, version: result.order.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'cancel sales orders')],
      method: 'post',
      path: '/api/v1/sales-orders/{id}/cancel',
      ifMatch: 'required',
      tags,
      summary: 'Cancel an open order (If-Match required); it stops counting as an open order',
      request: { params: IdParam },
      responses: { 200: jsonResponse(SalesOrderSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const order = await cancelSalesOrder(tx, id, ifMatch);
        return { body: order, version: order.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.editCreditProfile, 'exclude sales orders from credit management')],
      method: 'patch',
      path: '/api/v1/sales-orders/{id}/credit-management',
      tags: ['Credit management'],
      summary: 'Exclude an open order from credit management, or include it again (credit staff; If-Match)',
      description:
        'An excluded order passes its checkpoints without a credit check (credit.md §1.2, §6). Only credit staff decide it: the ERP feed may repeat the current value on PUT /sales-orders/{id}, not change it.',
      request: { params: IdParam, body: jsonBody(OrderCreditManagementPatch) },
      responses: { 200: jsonResponse(SalesOrderSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { excludeFromCreditManagement } = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const order = await setOrderCreditManagement(tx, id, excludeFromCreditManagement, ifMatch);
        return { body: order, version: order.version };
      });
    },
  );
}
