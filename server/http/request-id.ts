import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './env';

const HEADER = 'X-Request-Id';
/** A caller's own id is kept when it is a plain token (as Hono's requestId middleware accepts). */
const SANE_ID = /^[\w\-=]{1,255}$/;

/**
 * Gives every request an id: the caller's X-Request-Id when it is a plain token, else a random
 * UUID. It is kept in `c.get('requestId')` for the request log, error bodies and audit rows, and
 * sent back as X-Request-Id on every answer.
 *
 * The same contract as `hono/request-id`, with one difference that matters for throughput: under
 * Node the header is set on the outgoing response itself, which Node merges into whatever head
 * the answer writes. `c.header()` would build a web `Headers` object on every request and push
 * every answer off Hono's plain-record fast path (a measurable share of a credit check). Other
 * runtimes (tests calling `app.request`) get the header through `c.header()`.
 */
export function tagRequest(c: Context<AppEnv>): void {
  let id = c.req.header(HEADER);
  if (id === undefined || !SANE_ID.test(id)) id = randomUUID();
  c.set('requestId', id);
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing?.setHeader && !outgoing.headersSent) outgoing.setHeader(HEADER, id);
  else c.header(HEADER, id);
}
