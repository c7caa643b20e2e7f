import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { guard, CAN } from '../http/auth';
import { command } from '../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { decodeCursor, page, pageQuery } from '../http/paging';
import { BatchItemResult, IdParam, SinceQuery } from '../http/schemas';
import { optionalIfMatch, etag, requireIfMatch } from '../http/versioning';
import { customerRowToCustomer, listCustomers } from './customers.repository';
import {
  CreditProfilePatch,
  CustomerBatchBody,
  CustomerInput,
  CustomerListSchema,
  CustomerSchema,
  CustomerWithCreditSchema,
} from './customers.schema';
import { requestReader } from '../http/reader';
import { getCustomerWithCredit, updateCreditProfile, upsertCustomer, upsertCustomerBatch } from './customers.service';

const tags = ['Data feed'];

export function customerRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/customers',
      tags,
      summary: 'List customers',
      request: { query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: { 200: jsonResponse(CustomerListSchema), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listCustomers(c.var.deps.handle.read, {
        limit: q.limit,
        after: decodeCursor(q.cursor),
        since: q.since,
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(customerRowToCustomer), nextCursor });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}',
      tags,
      summary: 'One customer with its credit summary',
      description:
        'The credit summary is the credit check of an empty order today, in the accounting currency; its creditLimitCustomerCurrency shows the limit in the customer’s currency. An open order, a policy or the credit group in a currency without a rate on or before today makes it a 422 naming the currency and date.',
      request: { params: IdParam },
      responses: { 200: jsonResponse(CustomerWithCreditSchema), ...errorResponses },
    }),
    async (c) => {
      const customer = await getCustomerWithCredit(requestReader(c), c.req.valid('param').id);
      c.header('ETag', etag(customer.version));
      return c.json(customer);
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'feed customers')],
      method: 'put',
      path: '/api/v1/customers/{id}',
      tags,
      summary: 'Create or replace a customer (If-Match required when it exists)',
      request: { params: IdParam, body: jsonBody(CustomerInput) },
      responses: {
        200: jsonResponse(CustomerSchema, 'replaced'),
        201: jsonResponse(CustomerSchema, 'created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = optionalIfMatch(c);
      return command(c, async (tx) => {
        const { customer, created } = await upsertCustomer(tx, id, input, ifMatch);
        return { status: created ? 201 : 200, body: customer, version: customer.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.editCreditProfile, "edit customers' credit attributes")],
      method: 'patch',
      path: '/api/v1/customers/{id}/credit-profile',
      tags: ['Credit management'],
      summary: "Edit a customer's credit attributes (credit staff; If-Match)",
      description: [
        'Account status, credit management group, review dates, credit rating, notes, eligible limit, mandatory limit, the exclusion from credit',
        'management (and `ignoreUntilDate`) and the hand-entered risk-scoring inputs (`riskInputs`, merged: null removes one). Fields left out stay',
        'as they are. The limit itself changes only through an adjustment journal. The ERP feed (PUT /customers/{id}) may repeat these',
        'attributes but not change them; only credit staff exclude a customer from credit management.',
      ].join(' '),
      request: { params: IdParam, body: jsonBody(CreditProfilePatch) },
      responses: { 200: jsonResponse(CustomerSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const customer = await updateCreditProfile(tx, id, patch, ifMatch);
        return { body: customer, version: customer.version };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'feed customers')],
      method: 'post',
      path: '/api/v1/customers:batch',
      tags,
      summary: 'Upsert many customers at once (all or nothing)',
      description:
        'Items are upserted unconditionally unless an item carries `version`. Any invalid item refuses the whole batch with 422 and per-item results; nothing is saved.',
      request: { body: jsonBody(CustomerBatchBody) },
      responses: {
        200: jsonResponse(z.object({ created: z.number(), updated: z.number(), items: z.array(BatchItemResult) })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { items } = c.req.valid('json');
      return command(c, async (tx) => {
        const r = await upsertCustomerBatch(tx, items);
        return { body: { created: r.created, updated: r.updated, items: r.results } };
      });
    },
  );
}
