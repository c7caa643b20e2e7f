import { existsSync } from 'node:fs';
import type { Hono, MiddlewareHandler } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { AppEnv } from './env';

/** office.js from its npm package: the pane works offline, with no CDN (SPEC §2). */
const OFFICE_JS = './node_modules/@microsoft/office-js/dist';
/** `npm run build` writes the pane here (Vite copies addin/public into it). */
const BUILT = './addin/dist';
const SOURCE_ASSETS = './addin/public';

const under = (prefix: RegExp) => (p: string) => p.replace(prefix, '');

/**
 * The task pane at /addin/: the Vite build when it exists, else the static files of addin/public
 * (icons); office.js at /addin/office-js/. Roots are resolved per request so a build made after
 * the server started is served too.
 */
export function addinRoutes(app: Hono<AppEnv>): void {
  const lazy = (root: string, prefix: RegExp): MiddlewareHandler<AppEnv> => {
    let handler: MiddlewareHandler<AppEnv> | null = null;
    return async (c, next) => {
      if (!existsSync(root)) return next();
      handler ??= serveStatic({ root, rewriteRequestPath: under(prefix) });
      return handler(c, next);
    };
  };
  app.use('/addin/office-js/*', lazy(OFFICE_JS, /^\/addin\/office-js/));
  app.use('/addin/*', lazy(BUILT, /^\/addin/));
  app.use('/addin/*', lazy(SOURCE_ASSETS, /^\/addin/));
}
