// A small Server-Sent Events reader for the tests of GET /api/v1/changes/stream: reads a Response
// body (in process through app.request, or from a listening server through fetch) block by block.

export interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines (`: heartbeat`), without the colon. */
  comments: string[];
}

export interface StreamedChange {
  seq: number;
  entity: string;
  id: string;
  op: string;
  version: number;
}

export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #ended = false;

  constructor(res: Response) {
    if (!res.body) throw new Error('the response has no body');
    this.#reader = res.body.getReader();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next block (an event or comments), or undefined when the stream ended; throws after `ms`. */
  async next(ms = 3000): Promise<SseBlock | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return parse(text);
      }
      if (this.#ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${ms} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') throw new Error(`no event within ${ms} ms`);
      if (chunk.done) this.#ended = true;
      else this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next `n` change events, skipping comments. */
  async changes(n: number, ms = 3000): Promise<{ ids: string[]; changes: StreamedChange[] }> {
    const ids: string[] = [];
    const changes: StreamedChange[] = [];
    const deadline = Date.now() + ms;
    while (changes.length < n) {
      const block = await this.next(Math.max(1, deadline - Date.now()));
      if (!block) throw new Error(`the stream ended after ${changes.length} of ${n} changes`);
      if (block.event === undefined) continue;
      if (block.event !== 'change') throw new Error(`unexpected event ${block.event}`);
      ids.push(block.id!);
      changes.push(JSON.parse(block.data!) as StreamedChange);
    }
    return { ids, changes };
  }

  /** Comments until one matching `re`, or undefined when the stream ends first. */
  async commentMatching(re: RegExp, ms = 3000): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const block = await this.next(Math.max(1, deadline - Date.now()));
      if (!block) return undefined;
      const hit = block.comments.find((c) => re.test(c));
      if (hit) return hit;
    }
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

function parse(text: string): SseBlock {
  const block: SseBlock = { comments: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) block.comments.push(line.slice(1).trim());
    else {
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
      else if (field === 'id' || field === 'event') block[field] = value;
    }
  }
  return block;
}
