import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv, Deps } from './http/env';
import { authenticate } from './http/auth';
import { readBody } from './http/body';
import { tagRequest } from './http/request-id';
import { ApiError, errorBody, handleError, zodDetails } from './http/errors';
import { docsRoutes, docsSecurity } from './http/docs';
import { addinRoutes, addinSecurity } from './http/addin';
import { CalendarOverflowError, EARLIEST_DATE, LATEST_DATE } from '../shared/dates';
import { customerRoutes } from './customers/customers.routes';
import { ledgerRoutes } from './ledger/ledger.routes';
import { exchangeRateRoutes } from './exchange-rates/exchange-rates.routes';
import { salesOrderRoutes } from './sales-orders/sales-orders.routes';
import { syncRoutes } from './sync/sync.routes';
import { ChangeFeed } from './sync/change-feed';
import { userRoutes } from './users/users.routes';
import { creditSetupRoutes } from './credit/setup/setup.kinds';
import { parameterRoutes } from './credit/parameters/parameters.routes';
import { blockingRuleRoutes } from './credit/blocking-rules/blocking-rules.routes';
import { creditGroupRoutes } from './credit/credit-groups/credit-groups.routes';
import { insuranceRoutes } from './credit/insurances/insurances.routes';
import { creditCheckRoutes } from './credit/credit-check/credit-check';
import { holdRoutes } from './credit/holds/holds.routes';
import { riskRoutes } from './credit/risk/risk.routes';
import { journalRoutes } from './credit/journals/journals.routes';
import { collectionsRoutes } from './collections/collections.routes';
import { sheetRoutes } from './sheets/routes';

/**
 * Batch feeds carry thousands of rows, and so do adjustment journals: creating, validating and
 * adding lines take up to 50,000 lines (journals.schema.ts), about 15 MB in their longest form, far
 * beyond 1 MB. Every other JSON route stays at the 1 MB default.
 */
const BATCH_BODY_LIMIT = 32 * 1024 * 1024;
/** An uploaded sheet is at most 10 MB; the multipart envelope gets a little room on top. */
const UPLOAD_BODY_LIMIT = 10 * 1024 * 1024 + 64 * 1024;
const JOURNALS = '/api/v1/adjustment-journals';

/** The routes whose bodies are lists of up to 50,000 rows. */
function takesBatchBody(path: string): boolean {
  return (
    path.endsWith(':batch') ||
    path === JOURNALS ||
    path === `${JOURNALS}:validate` ||
    (path.startsWith(`${JOURNALS}/`) && path.endsWith('/lines'))
  );
}

/**
 * Security headers of every answer that is not a page (the API's JSON, /healthz, errors,
 * preflights): nothing there may run, load or be framed, so a JSON answer a browser is tricked into
 * rendering stays inert (`default-src 'none'`, `frame-ancestors 'none'`, X-Frame-Options DENY),
 * is never sniffed into another type, and leaks no URL in a Referer. Cross-Origin-Resource-Policy
 * binds no-cors reads only; the add-in's CORS requests from ALLOWED_ORIGINS are unaffected. /docs and
 * /addin have their own (server/http/docs.ts, server/http/addin.ts). Only the headers that matter
 * are set: each one is work on every answer.
 */
const apiSecurity: MiddlewareHandler<AppEnv> = secureHeaders({
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  xContentTypeOptions: true,
  crossOriginResourcePolicy: 'same-origin',
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  removePoweredBy: false,
});

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

export function createApp(deps: Deps): OpenAPIHono<AppEnv> {
  const paneSecurity = addinSecurity(deps.config.officeJsUrl);
  const securityFor = (path: string) =>
    under(path, '/addin') ? paneSecurity : under(path, '/docs') ? docsSecurity : apiSecurity;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === 'json' ? '' : result.target;
        throw new ApiError(
          'invalid_request',
          `the ${where || 'request body'} does not match the schema`,
          zodDetails(result.error, where === 'param' ? '' : where),
        );
      }
    },
  });

  // One JSON line per request at level info; the request id ties it to audit rows and error reports.
  const logged = async (c: Context<AppEnv>, next: Next) => {
    const started = performance.now();
    await next();
    deps.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        userId: c.get('actor')?.userId,
      },
      'request',
    );
  };
  const corsHeaders = cors({
    origin: (origin) => (deps.config.allowedOrigins.includes(origin) ? origin : null),
    allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key'],
    exposeHeaders: ['ETag', 'X-Request-Id', 'Idempotent-Replayed'],
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  });
  // Hono's cors answers a preflight by returning its 204 rather than setting c.res. Called from a
  // middleware that awaits it (the request log, the security headers), that answer would be
  // dropped and Hono would find no response at all ("Context is not finalized", a 500): it goes
  // on the context here, wherever the call sits.
  const withCors = async (c: Context<AppEnv>, next: Next): Promise<void> => {
    const preflight = await corsHeaders(c, next);
    if (preflight) c.res = preflight;
  };
  // Every request, in one middleware (each layer of its own costs a dispatch on every request):
  // - a request id (server/http/request-id.ts);
  // - the dependencies and the logger in the context, and the request log line when info is on;
  // - security headers on every answer, preflights and errors included (hono/secure-headers, a
  //   policy per kind of answer: see securityFor);
  // - CORS headers only for requests that carry an Origin (browsers). Hono's cors writes its
  //   headers into c.res before the route runs, which makes every answer a full web Response
  //   with a stream body; integrations, curl and the add-in's same-origin reads do not need them.
  app.use('*', (c, next) => {
    tagRequest(c);
    c.set('deps', deps);
    c.set('log', deps.log);
    const route: Next = c.req.header('origin') ? () => withCors(c, next) : next;
    const secured: Next = () => securityFor(c.req.path)(c, route) as Promise<void>;
    return deps.log.isLevelEnabled('info') ? logged(c, secured) : secured();
  });
  app.use(
    '/api/*',
    readBody((path) =>
      takesBatchBody(path)
        ? BATCH_BODY_LIMIT
        : path.startsWith('/api/v1/uploads/')
          ? UPLOAD_BODY_LIMIT
          : deps.config.jsonBodyLimit,
    ),
  );
  app.use('*', authenticate());

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  docsRoutes(app);
  addinRoutes(app, deps.config.officeJsUrl);

  userRoutes(app);
  customerRoutes(app);
  ledgerRoutes(app);
  exchangeRateRoutes(app);
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

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'API token from POST /api/v1/users',
  });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CreditDesk API',
      version: '1',
      description:
        'Customer credit management and collections. Money is a decimal string with 2 decimals; errors share one shape; changes to existing rows need If-Match.',
    },
    security: [{ bearer: [] }],
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  // Date arithmetic that leaves the calendar (shared/dates.ts) comes from what a request asked
  // for (an as-of date with periods of centuries), never from the server: a 422, not a 500.
  app.onError((err, c) =>
    handleError(
      err instanceof CalendarOverflowError
        ? new ApiError(
            'rule_violation',
            `${err.message}: use dates between ${EARLIEST_DATE} and ${LATEST_DATE} and periods that stay within the calendar`,
          )
        : err,
      c,
    ),
  );
  return app;
}
