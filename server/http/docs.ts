import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './env';

const require = createRequire(import.meta.url);
// Served from the installed package: the reference works offline, with no CDN.
const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** The page's one inline script; the Content-Security-Policy allows exactly this text by its hash. */
const INIT =
  "window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#ui', deepLinking: true, persistAuthorization: false, validatorUrl: null });";

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>CreditDesk API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>${INIT}</script>
</body></html>`;

/**
 * Security headers of /docs (server/app.ts picks them by path): Swagger UI loads its bundle and
 * stylesheet from this server, runs the one inline script above (allowed by its SHA-256, not by
 * 'unsafe-inline'), reads /api/v1/openapi.json and sends "Try it out" requests to this server
 * (`connect-src 'self'`). Its icons are data: URIs in the stylesheet, and React sets inline styles
 * (`style-src 'unsafe-inline'`). Nothing else may load, no plugin, no form elsewhere; the page may
 * be framed only by this server (`frame-ancestors 'self'`, X-Frame-Options SAMEORIGIN).
 */
export const docsSecurity: MiddlewareHandler<AppEnv> = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", `'sha256-${createHash('sha256').update(INIT).digest('base64')}'`],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'self'"],
  },
  xFrameOptions: 'SAMEORIGIN',
  referrerPolicy: 'no-referrer',
  crossOriginResourcePolicy: 'same-origin',
  crossOriginOpenerPolicy: 'same-origin',
  // HSTS belongs to whoever terminates TLS (a proxy, or HTTPS=1 on a developer's machine, where
  // it would pin localhost to https for months).
  strictTransportSecurity: false,
  removePoweredBy: false,
});

/**
 * The paths a browser opens without a token besides /docs itself: the server's root (which leads
 * to the reference) and the icon every browser asks for. server/http/auth.ts lets them through.
 */
export const DOCS_PUBLIC_PATHS = ['/', '/favicon.ico'] as const;

/**
 * A readable API reference at /docs, rendered from /api/v1/openapi.json. `validatorUrl: null`
 * turns off Swagger UI's default badge, which would load an image from validator.swagger.io
 * (and hand it the spec's URL): the page talks to this server only.
 *
 * A newcomer types the server's address: `/` leads to the reference, `/docs/` is `/docs`, and
 * the browser's `/favicon.ico` gets an empty answer (204) rather than a 401 in the console.
 */
export function docsRoutes(app: Hono<AppEnv>): void {
  app.get('/', (c) => c.redirect('/docs'));
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/', (c) => c.redirect('/docs', 301));
  app.get('/favicon.ico', (c) => {
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(null, 204);
  });
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(await readFile(join(swaggerDir, file)));
  });
}
