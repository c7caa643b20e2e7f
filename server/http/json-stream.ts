import { Pace } from '../db/pace';

const encoder = new TextEncoder();

/**
 * A JSON object whose one long list is written in parts as the client reads, instead of one
 * string and one buffer of the whole answer. A 50,000-row upload answer is about 11.5 MB of JSON:
 * whole, its string and the bytes made from it are held at once on top of the rows themselves.
 * The text is the same JSON `JSON.stringify({ ...head, [key]: items })` gives, with `key` last.
 * Parts are paced (server/db/pace.ts): a reader that drains them without waiting for a socket
 * still lets other requests run between them.
 */
export function jsonWithList(
  head: Record<string, unknown>,
  key: string,
  items: readonly unknown[],
  perPart = 1000,
  pace = new Pace(),
): ReadableStream<Uint8Array> {
  const open = JSON.stringify(head);
  let next = -1;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        await pace.step();
        if (next === -1) {
          controller.enqueue(
            encoder.encode(`${open.length > 2 ? `${open.slice(0, -1)},` : '{'}${JSON.stringify(key)}:[`),
          );
          next = 0;
        } else if (next >= items.length) {
          controller.enqueue(encoder.encode(']}'));
          controller.close();
        } else {
          let part = '';
          const end = Math.min(next + perPart, items.length);
          for (let i = next; i < end; i++) part += (i === 0 ? '' : ',') + JSON.stringify(items[i]);
          controller.enqueue(encoder.encode(part));
          next = end;
        }
      },
    },
    { highWaterMark: 1 },
  );
}
