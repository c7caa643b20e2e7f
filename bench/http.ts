// The load generator and the server processes under test, shared by every HTTP section of the
// bench (run.ts, postgres.ts, fairness.ts, stream.ts).
import { fork, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { startFlags } from '../server/build.mjs';

/** Seconds of each load run (`BENCH_SECONDS`, default 5). */
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
/** Seconds of each round where a figure and its floor alternate in short rounds (the check sections). */
export const ROUND_SECONDS = Math.max(1, Math.round(DURATION * 0.4));
/** The server's Node flags, exactly as `npm start` sets them (see the README's "Decisions worth knowing"). */
export const SERVER_FLAGS = startFlags();

export async function load(url: string, opts: Partial<autocannon.Options> = {}): Promise<autocannon.Result> {
  return autocannon({ url, connections: 10, duration: DURATION, ...opts });
}

/** Throws unless every request of a load run got a 2xx answer. */
export function allOk(name: string, r: autocannon.Result): autocannon.Result {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r;
}

/** The `p`-th percentile (0–100) of some samples, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Latencies (ms) of `n` requests sent one at a time (keep-alive), after `warm` requests that are not counted. */
export async function sequential(
  url: string,
  init: (i: number) => RequestInit,
  n: number,
  warm = 0,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n + warm; i++) {
    const t = performance.now();
    const res = await fetch(url, init(i));
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`${url} answered ${res.status}`);
    if (i >= warm) samples.push(performance.now() - t);
  }
  return samples;
}

/**
 * p50 latency of one request at a time (keep-alive): the time a person's request takes, without
 * the queueing a saturating load adds (10 connections at N req/s queue for 10/N s each).
 */
export async function sequentialP50(url: string, init: (i: number) => RequestInit, n = 2000): Promise<number> {
  return percentile(await sequential(url, init, n, 200), 50);
}

/** One request with a bearer token; the answer's text, or an error naming the status and body. */
export async function call(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

export interface BenchServer {
  base: string;
  child: ChildProcess;
  /** SIGTERM, then resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the bench server bundle (bench/server.ts built by esbuild) in a process of its own with
 * the start script's flags, plus `BENCH_PROF` (a CPU profile per process) and `BENCH_NODE_FLAGS`.
 */
export async function startServer(serverJs: string, env: Record<string, string>): Promise<BenchServer> {
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child = fork(serverJs, [], {
    env: { ...process.env, ...env },
    execArgv: [...SERVER_FLAGS, ...prof, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
    stdio: 'inherit',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { ready?: number }) =>
      m.ready ? resolve(m.ready) : reject(new Error('server did not start')),
    );
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The server's CPU time so far (user + system, µs), from its /bench/cpu route. */
export async function serverCpu(base: string): Promise<number> {
  const u = (await (await fetch(`${base}/bench/cpu`)).json()) as { user: number; system: number };
  return u.user + u.system;
}
