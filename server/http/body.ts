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
    if (NO_BODY.has(c.req.method) && !c.req.header('content-length') && !c.req.header('transfer-encoding')) return next();
    const limit = limitFor(c.req.path);
    const tooLarge = () => {
      throw new ApiError('payload_too_large', `request body is larger than ${Math.round(limit / 1024 / 1024)} MB`);
    };
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || !(c.req.header('content-type') ?? '').includes('json')) {
      return bodyLimit({ maxSize: limit, onError: tooLarge })(c, next);
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
    // Hono reads json() and text() through this cache, so the web stream is never created.
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(Buffer.concat(chunks, size).toString('utf8'));
    return next();
  };
}
