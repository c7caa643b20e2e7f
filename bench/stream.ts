// Change stream latency (issue 17, item 3): a commit on server process A reaches a client of
// `GET /api/v1/changes/stream` on process B, both on one PostgreSQL database.
import { row, type BenchRow } from './report';
import { call, percentile } from './http';

const CHANGES = 200;
/** Changes committed before the measured ones (the first NOTIFY, the stream's first reads). */
const WARM = 10;

/**
 * A Server-Sent Events client of the change stream that notes when each entity's change event
 * arrives (the parsing follows test/support/sse.ts: blocks end with a blank line, `data:` holds
 * the change as JSON).
 */
class ChangeWatcher {
  readonly #arrived = new Map<string, number>();
  readonly #waiting = new Map<string, () => void>();
  readonly #abort = new AbortController();
  #done: Promise<void> = Promise.resolve();

  async open(base: string, token: string): Promise<void> {
    const res = await fetch(`${base}/api/v1/changes/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: this.#abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`the change stream answered ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    this.#done = (async () => {
      let buffer = '';
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (chunk.done) return;
        const now = performance.now();
        buffer += chunk.value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(': connected')) connected();
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const change = JSON.parse(data.slice(6)) as { entity: string; id: string };
          const key = `${change.entity}/${change.id}`;
          this.#arrived.set(key, now);
          this.#waiting.get(key)?.();
        }
      }
    })();
    await ready;
  }

  /** When the change of `entity/id` arrived (performance.now()); waits up to `ms` for it. */
  arrival(key: string, ms = 5000): Promise<number> {
    const at = this.#arrived.get(key);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no change event for ${key} on the stream within ${ms} ms`)), ms);
      this.#waiting.set(key, () => {
        clearTimeout(timer);
        this.#waiting.delete(key);
        resolve(this.#arrived.get(key)!);
      });
    });
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}

/**
 * 200 customer creations on A, one at a time (each waits for its event on B before the next, so
 * no event queues behind another); latency = the event's arrival on B − A's answer's arrival.
 * An event can beat A's answer (NOTIFY goes out at commit, before A writes its answer): then the
 * latency is negative, and is kept as measured.
 */
export async function benchStream(a: string, b: string, token: string): Promise<BenchRow[]> {
  const watcher = new ChangeWatcher();
  await watcher.open(b, token);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < WARM + CHANGES; i++) {
      const id = `S${String(i).padStart(6, '0')}`;
      await call(a, token, 'PUT', `/api/v1/customers/${id}`, {
        name: `Stream ${i}`,
        currency: 'USD',
        creditLimit: '5000.00',
      });
      const answered = performance.now();
      const arrived = await watcher.arrival(`customer/${id}`);
      if (i >= WARM) latencies.push(arrived - answered);
    }
  } finally {
    await watcher.close();
  }
  const p99 = percentile(latencies, 99);
  const name = `change stream (PostgreSQL): commit on process A → event on a client of process B, ${CHANGES} changes`;
  const how = `the event's arrival on B − A's answer's arrival; 2 cores shared by PostgreSQL, both servers and the client`;
  return [
    row({
      name: `${name}, p99`,
      unit: 'ms',
      value: p99,
      floorName: `${how}; slowest ${Math.max(...latencies).toFixed(2)} ms, fastest ${Math.min(...latencies).toFixed(2)} ms`,
      floorValue: null,
      target: 'p99 < 1000 ms',
      met: p99 < 1000,
    }),
    row({
      name: '  the same, p50',
      unit: 'ms',
      value: percentile(latencies, 50),
      floorName: null,
      floorValue: null,
      target: 'informational',
      met: true,
    }),
  ];
}
