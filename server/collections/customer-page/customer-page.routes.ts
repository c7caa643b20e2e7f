import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { errorResponses, jsonResponse, register } from '../../http/openapi';
import { IdParam } from '../../http/schemas';
import { requestReader } from '../../http/reader';
import { CollectionsPageQuery, CollectionsPageSchema } from './customer-page.schema';
import { collectionsPage } from './customer-page.service';

export function customerPageRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{id}/collections',
      tags: ['Collections'],
      summary: 'Everything on the Collections page of one customer, in one call',
      request: { params: IdParam, query: CollectionsPageQuery },
      responses: { 200: jsonResponse(CollectionsPageSchema), ...errorResponses },
    }),
    async (c) => c.json(await collectionsPage(requestReader(c), c.req.valid('param').id, c.req.valid('query'))),
  );
}
