import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hono, MiddlewareHandler } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './env';

/** office.js from its npm package: the pane works offline, with no CDN (SPEC §2). */
const OFFICE_JS = './node_modules/@microsoft/office-js/dist';
/** `npm run build` writes the pane here (Vite copies addin/public into it). */
const BUILT = './addin/dist';
const SOURCE_ASSETS = './addin/public';

const under = (prefix: RegExp) => (p: string) => p.replace(prefix, '');

/**
 * Pages that may frame the task pane. Excel on the web shows it in an iframe inside Office's own
 * pages, and `frame-ancestors` is checked against every ancestor, so the list names the Microsoft
 * 365 host domains Microsoft documents for framed apps (Teams "tab requirements": `*.cloud.microsoft`,
 * where Office on the web is moving, `*.microsoft365.com`, `*.office.com`, Teams) plus the Office
 * Online frame (`*.officeapps.live.com`) and the pages that embed a workbook: SharePoint and
 * OneDrive for work (`*.sharepoint.com`), OneDrive personal (`onedrive.live.com`), and the older
 * `*.office365.com`. Desktop Excel shows the pane as a top-level page, so no ancestor is checked.
 * 'self' keeps the test workbook page (addin/testing) and local tools working. An on-premises
 * Office Online Server has a host name of its own, which this list does not know.
 */
const OFFICE_FRAME_ANCESTORS = [
  "'self'",
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://*.office365.com',
  'https://*.officeapps.live.com',
  'https://*.sharepoint.com',
  'https://onedrive.live.com',
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
];

/**
 * Security headers of /addin/* (server/app.ts picks them by path). The pane's scripts (its Vite
 * bundle, and office.js with the host scripts and locale files office.js loads from its own folder)
 * and styles come from this server; there is no inline script. Fluent UI inserts its styles at run
 * time (`style-src 'unsafe-inline'`). The pane talks to the server URL the user signs in with,
 * which may be another CreditDesk server than the one serving it (its ALLOWED_ORIGINS then lists
 * this one), so `connect-src` allows any HTTPS origin and plain HTTP on localhost for development.
 * No X-Frame-Options and a `frame-ancestors` naming Office (see {@link OFFICE_FRAME_ANCESTORS}).
 * `Cross-Origin-Resource-Policy: cross-origin`, because Office pages load the add-in's icons
 * (manifest.xml) from this server; no Cross-Origin-Opener-Policy or Origin-Agent-Cluster, which
 * could cut the pane off from Office's own windows.
 */
export const addinSecurity = (officeJsUrl?: string): MiddlewareHandler<AppEnv> =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      // office.js from Microsoft's CDN (OFFICE_JS_URL) loads its host scripts from the same origin.
      scriptSrc: officeJsUrl ? ["'self'", new URL(officeJsUrl).origin] : ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*'],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: OFFICE_FRAME_ANCESTORS,
    },
    xFrameOptions: false,
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'cross-origin',
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    strictTransportSecurity: false,
    removePoweredBy: false,
  });

/** Where the built page names office.js; OFFICE_JS_URL replaces it when set. */
const PACKAGED_OFFICE_JS = 'src="/addin/office-js/office.js"';

/**
 * The task pane at /addin/: the Vite build when it exists, else the static files of addin/public
 * (icons); office.js at /addin/office-js/, which the page loads unless `officeJsUrl` names
 * another (OFFICE_JS_URL: Microsoft's CDN, as store add-ins must). Roots are resolved per request so a build made after
 * the server started is served too.
 */
export function addinRoutes(app: Hono<AppEnv>, officeJsUrl?: string): void {
  const lazy = (root: string, prefix: RegExp): MiddlewareHandler<AppEnv> => {
    let handler: MiddlewareHandler<AppEnv> | null = null;
    return async (c, next) => {
      if (!existsSync(root)) return next();
      handler ??= serveStatic({ root, rewriteRequestPath: under(prefix) });
      return handler(c, next);
    };
  };
  if (officeJsUrl) {
    // The page as built, naming Microsoft's office.js instead of the packaged copy (read per
    // request: a build made after the server started is served too).
    const page = join(BUILT, 'taskpane.html');
    app.get('/addin/taskpane.html', async (c, next) => {
      if (!existsSync(page)) return next();
      const html = await readFile(page, 'utf8');
      c.header('Cache-Control', 'no-cache');
      return c.html(html.replace(PACKAGED_OFFICE_JS, `src="${encodeURI(officeJsUrl)}"`));
    });
  }
  app.use('/addin/office-js/*', lazy(OFFICE_JS, /^\/addin\/office-js/));
  app.use('/addin/*', lazy(BUILT, /^\/addin/));
  app.use('/addin/*', lazy(SOURCE_ASSETS, /^\/addin/));
}
