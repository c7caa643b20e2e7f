import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env';
import { ApiError } from './errors';

const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/**
 * Enforces the body size limit and, under Node, reads JSON bodies straight from the socket into
 * Hono's body cache. Going through a web ReadableStream costs more than the rest of a credit check,
 * so this path matters for throughput. Other bodies (multipart uploads) and other runtimes (tests
 * calling `app.request`) use Hono's bodyLimit on the standard Request.
 */
export function readBody(limitFor: (path: string) => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // A NUL in the path or the query string (`%00`) is refused as in a body (see refuseNul).
    if (c.req.url.includes('%00'))
      throw new ApiError('invalid_request', 'the URL may not contain the NUL character (%00)', [
        { path: 'query', message: 'contains %00' },
      ]);
    if (NO_BODY.has(c.req.method) && !c.req.header('content-length') && !c.req.header('transfer-encoding'))
      return next();
    const limit = limitFor(c.req.path);
    const tooLarge = () => {
      throw new ApiError('payload_too_large', `request body is larger than ${Math.round(limit / 1024 / 1024)} MB`);
    };
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const json = (c.req.header('content-type') ?? '').includes('json');
    if (!incoming || !json) {
      if (!json) return bodyLimit({ maxSize: limit, onError: tooLarge })(c, next);
      return bodyLimit({ maxSize: limit, onError: tooLarge })(c, async () => {
        refuseNul(await c.req.text());
        await next();
      });
    }
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limit) tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) tooLarge();
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks, size).toString('utf8');
    refuseNul(text);
    // Hono reads json() and text() through this cache, so the web stream is never created.
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    return next();
  };
}

/** `\u0000` as a JSON escape: preceded by an even number of backslashes (an odd one escapes the backslash itself). */
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

/**
 * No text of the API may hold the NUL character: PostgreSQL cannot store it in a text column (the
 * insert fails), SQLite would store it, and a name or note with one is never what was meant. JSON
 * can only carry it escaped, so the body's text is checked once, before any parsing: a 400 naming
 * the problem, on both databases alike.
 */
function refuseNul(text: string): void {
  if (text.includes('\\u0000') && NUL_ESCAPE.test(text))
    throw new ApiError('invalid_request', 'text may not contain the NUL character (\\u0000)', [
      { path: '', message: 'contains \\u0000' },
    ]);
}
