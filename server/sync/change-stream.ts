import type { StreamingApi } from 'hono/utils/stream';
import type { DbHandle } from '../db/connection';
import { tokenOwner } from '../http/auth';
import { readChanges, type Change, type ChangeFeed } from './change-feed';

/** How often an open stream checks that its token still works (a revoked one ends it within 1 s). */
const TOKEN_CHECK_MS = 1_000;
/** Rows a stream reads from the log at a time. */
const PAGE = 500;

/** One change as a Server-Sent Event: `id` is its sequence, so a client's Last-Event-ID resumes after it. */
const sseEvent = (ch: Change): string => `id: ${ch.seq}\nevent: change\ndata: ${JSON.stringify(ch)}\n\n`;

/**
 * The body of GET /changes/stream: every change-log entry after `from`, read from the log in
 * sequence order (so gap-free, whatever woke the stream), then each new one as the feed says the
 * log grew. Between reads it checks its token once a second and sends a heartbeat comment every
 * `heartbeatMs`; it ends when the client goes away or the token stops working.
 */
export async function sendChanges(
  s: StreamingApi,
  o: { handle: DbHandle; feed: ChangeFeed; token: string; from: number; heartbeatMs: number },
): Promise<void> {
  let cursor = o.from;
  let beat = Date.now();
  let checked = Date.now();
  await s.write(': connected\n\n');
  while (!s.aborted) {
    const changes = await readChanges(o.handle.read, cursor, PAGE);
    if (changes.length > 0) {
      await s.write(changes.map(sseEvent).join(''));
      cursor = changes[changes.length - 1]!.seq;
      continue;
    }
    await o.feed.wait(cursor, TOKEN_CHECK_MS);
    const now = Date.now();
    if (now - checked >= TOKEN_CHECK_MS) {
      checked = now;
      if (!(await tokenOwner(o.handle, o.token))) {
        await s.write(': the token was revoked\n\n');
        return;
      }
    }
    if (now - beat >= o.heartbeatMs) {
      beat = now;
      await s.write(': heartbeat\n\n');
    }
  }
}
