import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFlags } from '../../server/build.mjs';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, for a server process started by a test. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/**
 * Where the suite's global setup bundles server/main.ts (inside the project, so its imports resolve
 * from node_modules). One file per run: the global setup names it in CREDITDESK_TEST_BUNDLE, which
 * the test processes inherit, so a second run at the same time (or the bench) never removes or
 * rebuilds the bundle a running suite's servers start from.
 */
export const SERVER_BUNDLE =
  process.env.CREDITDESK_TEST_BUNDLE ??
  fileURLToPath(new URL(`../../.tmp/test-server-${process.pid}.mjs`, import.meta.url));
process.env.CREDITDESK_TEST_BUNDLE = SERVER_BUNDLE;

/** Node's arguments to run the server as `npm start` does: the start script's flags, on the bundle. */
export const serverArgs = (): string[] => [...startFlags(), SERVER_BUNDLE];

/** A server process started by {@link startServer}. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** From spawning to ready (/healthz 200 and the "listening" line printed). */
  readyMs: number;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
}

export interface StartOptions {
  /** The process's working directory (default: this one). With PostgreSQL the server writes ./data/demo-tokens.json there. */
  cwd?: string;
  /** How long it may take to become ready (default 20 s). */
  readyTimeoutMs?: number;
}

/** Every process started here and still running: killed when this test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the server the way `npm start` does (Node with the start script's flags, on the bundle)
 * on a free port, with `LOG_LEVEL=warn` and `env` over this process's environment, and waits until
 * /healthz answers 200 and it printed its "listening" line. A process that exits first, or is not
 * ready in time, rejects with what it printed (and is not left running).
 */
export async function startServer(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const timeout = opts.readyTimeoutMs ?? 20_000;
  const began = performance.now();
  const child = spawn(process.execPath, serverArgs(), {
    cwd: opts.cwd,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited: ${out}`);
    if (performance.now() - began > timeout) {
      await stopServer({ child }, 0);
      throw new Error(`not ready after ${timeout / 1000} s: ${out}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200 && out.includes('listening')) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, url, output: () => out, readyMs: performance.now() - began };
}

/**
 * Stops a server with SIGTERM (its graceful shutdown) and resolves once it exited; one still
 * running after `killAfterMs` is killed. Resolves at once for a process that already exited.
 */
export function stopServer(s: Pick<ServerProcess, 'child'>, killAfterMs = 5000): Promise<void> {
  const { child } = s;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(killAfterMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}
