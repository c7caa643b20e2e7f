/**
 * Cooperative pacing for long operations (a write-off over 20,000 invoices, a 10,000-line journal,
 * a 50,000-row upload, an aging run). One process serves every request on one event loop, and
 * work that never waits for I/O — SQLite statements are synchronous, and so is building 10,000
 * rows in memory — holds every other request until it ends. Such work calls `step()` between
 * small pieces: while its slice lasts (`sliceMs`) that costs a clock read; past it, the operation
 * waits one turn of the event loop (setImmediate), so requests that arrived meanwhile run, and a
 * new slice begins. The operation stays one transaction: all or nothing as before.
 *
 * A paced SQLite transaction keeps the writer while it waits: other writes queue behind it (one
 * writer, as always), while reads go on through the read connection (DbHandle.read).
 */
export class Pace {
  #sliceStart = performance.now();

  constructor(readonly sliceMs = 10) {}

  /** Begins a new slice now (a new unit of work takes a shared pace). */
  restart(): void {
    this.#sliceStart = performance.now();
  }

  /** Resolves at once while the slice lasts; after it, once the event loop has had a turn. */
  step(): Promise<void> | void {
    if (performance.now() - this.#sliceStart < this.sliceMs) return;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.#sliceStart = performance.now();
        resolve();
      }),
    );
  }

  /**
   * Runs `fn` over `items` in order, pacing between items; for loops over thousands of rows.
   * `fn` may be synchronous (a prepared statement) or not.
   */
  async each<T>(items: Iterable<T>, fn: (item: T, index: number) => void | Promise<void>): Promise<void> {
    let i = 0;
    for (const item of items) {
      const r = fn(item, i++);
      if (r) await r;
      const p = this.step();
      if (p) await p;
    }
  }
}
