import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { TransactionSchema } from '../../ledger/ledger.schema';
import { writer } from '../work/work.routes';
import { SetStatusInput } from './transaction-status.schema';
import { setCollectionStatus } from './transaction-status.service';

/** "Change collection status" of selected transactions (collections.md §1.2, §3.6). */
export function transactionStatusRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      middleware: writer('change collection statuses'),
      method: 'post',
      path: '/api/v1/transactions:set-status',
      tags: ['Collections'],
      summary: 'Set the collection status of open transactions (all or nothing)',
      description:
        'promisedToPay needs promiseDate; any other status clears the promise. promiseToPayBroken is set only by aging snapshots.',
      request: { body: jsonBody(SetStatusInput) },
      responses: { 200: jsonResponse(z.object({ items: z.array(TransactionSchema) })), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      return command(c, async (tx) => ({ body: await setCollectionStatus(tx, input) }));
    },
  );
}
