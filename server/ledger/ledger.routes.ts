import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { guard, CAN } from '../http/auth';
import { command } from '../http/command';
import { notFound } from '../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../http/openapi';
import { decodeCursor, page, pageQuery } from '../http/paging';
import { BatchItemResult, IdParam } from '../http/schemas';
import { etag } from '../http/versioning';
import { findTransaction, listCustomerTransactions, transactionRowToTransaction } from './ledger.repository';
import {
  SettlementInput,
  SettlementSchema,
  TransactionBatchBody,
  TransactionListSchema,
  TransactionSchema,
} from './ledger.schema';
import { postTransactionBatch, recordSettlement, requireCustomer } from './ledger.service';

const tags = ['Data feed'];

export function ledgerRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'post ledger entries')],
      method: 'post',
      path: '/api/v1/transactions:batch',
      tags,
      summary: 'Post ledger entries: invoices, credit notes, payments, fees (all or nothing)',
      description:
        'Re-sending an entry with identical values is accepted unchanged; different values for an existing id are refused (the ledger is never edited).',
      request: { body: jsonBody(TransactionBatchBody) },
      responses: {
        200: jsonResponse(z.object({ created: z.number(), items: z.array(BatchItemResult) })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { items } = c.req.valid('json');
      return command(c, async (tx) => {
        const r = await postTransactionBatch(tx, items);
        return { body: { created: r.created, items: r.results } };
      });
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.feedData, 'record settlements')],
      method: 'post',
      path: '/api/v1/settlements',
      tags,
      summary: 'Settle a debit against a credit of the same customer',
      request: { body: jsonBody(SettlementInput) },
      responses: { 201: jsonResponse(SettlementSchema, 'settled'), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      return command(c, async (tx) => ({ status: 201, body: await recordSettlement(tx, input) }));
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/transactions',
      tags,
      summary: "A customer's ledger entries (open ones only with ?open=true)",
      request: { params: IdParam, query: z.object({ ...pageQuery, open: z.enum(['true', 'false']).optional() }) },
      responses: { 200: jsonResponse(TransactionListSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const db = c.var.deps.handle.read;
      await requireCustomer({ db }, id);
      const rows = await listCustomerTransactions(db, id, {
        open: q.open === 'true',
        limit: q.limit,
        after: decodeCursor(q.cursor),
      });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(transactionRowToTransaction), nextCursor });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/transactions/{id}',
      tags,
      summary: 'One ledger entry',
      request: { params: IdParam },
      responses: { 200: jsonResponse(TransactionSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await findTransaction(c.var.deps.handle.read, id);
      if (!row) throw notFound('transaction', id);
      c.header('ETag', etag(row.version));
      return c.json(transactionRowToTransaction(row));
    },
  );
}
