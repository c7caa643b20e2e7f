import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv, Deps } from './http/env';
import { authenticate } from './http/auth';
import { readBody } from './http/body';
import { tagRequest } from './http/request-id';
import { ApiError, errorBody, handleError, zodDetails } from './http/errors';
import { docsRoutes } from './http/docs';
import { addinRoutes } from './http/addin';
import { customerRoutes } from './customers/customers.routes';
import { ledgerRoutes } from './ledger/ledger.routes';
import { salesOrderRoutes } from './sales-orders/sales-orders.routes';
import { syncRoutes } from './sync/sync.routes';
import { ChangeFeed } from './sync/change-feed';
import { userRoutes } from './users/users.routes';
import { creditSetupRoutes } from './credit/setup/setup.kinds';
import { parameterRoutes } from './credit/parameters/parameters.routes';
import { blockingRuleRoutes } from './credit/blocking-rules/blocking-rules.routes';
import { creditGroupRoutes } from './credit/credit-groups/credit-groups';
import { insuranceRoutes } from './credit/insurances/insurances';
import { creditCheckRoutes } from './credit/credit-check/credit-check';
import { holdRoutes } from './credit/holds/holds.routes';
import { riskRoutes } from './credit/risk/risk';
import { journalRoutes } from './credit/journals/journals.routes';
import { collectionsRoutes } from './collections/routes';
import { sheetRoutes } from './sheets/routes';

/** Batch feeds carry thousands of rows; every other JSON route stays at the 1 MB default. */
const BATCH_BODY_LIMIT = 32 * 1024 * 1024;
/** An uploaded sheet is at most 10 MB; the multipart envelope gets a little room on top. */
const UPLOAD_BODY_LIMIT = 10 * 1024 * 1024 + 64 * 1024;

export function createApp(deps: Deps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === 'json' ? '' : result.target;
        throw new ApiError('invalid_request', `the ${where || 'request body'} does not match the schema`, zodDetails(result.error, where === 'param' ? '' : where));
      }
    },
  });

  // One JSON line per request at level info; the request id ties it to audit rows and error reports.
  const logged = async (c: Context<AppEnv>, next: Next) => {
    const started = performance.now();
    await next();
    deps.log.info({ requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10, userId: c.get('actor')?.userId }, 'request');
  };
  const corsHeaders = cors({
    origin: (origin) => (deps.config.allowedOrigins.includes(origin) ? origin : null),
    allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key'],
    exposeHeaders: ['ETag', 'X-Request-Id', 'Idempotent-Replayed'],
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  });
  // Every request, in one middleware (each layer of its own costs a dispatch on every request):
  // - a request id (server/http/request-id.ts);
  // - the dependencies and the logger in the context, and the request log line when info is on;
  // - CORS headers only for requests that carry an Origin (browsers). Hono's cors writes its
  //   headers into c.res before the route runs, which makes every answer a full web Response
  //   with a stream body; integrations, curl and the add-in's same-origin reads do not need them.
  app.use('*', (c, next) => {
    tagRequest(c);
    c.set('deps', deps);
    c.set('log', deps.log);
    const rest: Next = c.req.header('origin') ? () => corsHeaders(c, next) as Promise<void> : next;
    return deps.log.isLevelEnabled('info') ? logged(c, rest) : rest();
  });
  app.use('/api/*', readBody((path) => (path.endsWith(':batch') ? BATCH_BODY_LIMIT : path.startsWith('/api/v1/uploads/') ? UPLOAD_BODY_LIMIT : deps.config.jsonBodyLimit)));
  app.use('*', authenticate());

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/', (c) => c.redirect('/docs'));
  docsRoutes(app);
  addinRoutes(app);

  userRoutes(app);
  customerRoutes(app);
  ledgerRoutes(app);
  salesOrderRoutes(app);
  parameterRoutes(app);
  creditSetupRoutes(app);
  blockingRuleRoutes(app);
  creditGroupRoutes(app);
  insuranceRoutes(app);
  creditCheckRoutes(app);
  holdRoutes(app);
  riskRoutes(app);
  journalRoutes(app);
  collectionsRoutes(app);
  sheetRoutes(app);
  syncRoutes(app, new ChangeFeed(deps.handle));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'API token from POST /api/v1/users' });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CreditDesk API',
      version: '1',
      description: 'Customer credit management and collections. Money is a decimal string with 2 decimals; errors share one shape; changes to existing rows need If-Match.',
    },
    security: [{ bearer: [] }],
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError);
  return app;
}
