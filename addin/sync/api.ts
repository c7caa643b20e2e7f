/**
 * The CreditDesk API client of the task pane: bearer token, JSON, the one error shape, retries
 * with backoff on network failures (and 502/503/504), never on an answer the server gave.
 */

import type { ChangesPageJson, ErrorDetailJson, ErrorJson, UserJson } from '../../shared/api/wire';

export type ErrorDetail = ErrorDetailJson;

/** An error answer of the API (SPEC §4), or a network failure after the retries (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get offline(): boolean {
    return this.status === 0;
  }
}

export interface Session {
  serverUrl: string;
  token: string;
}

export interface RetryPolicy {
  attempts: number;
  /** First delay; doubled each retry, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };

const RETRY_STATUS = new Set([502, 503, 504]);

export interface RequestOptions {
  body?: unknown;
  ifMatch?: number;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export type FetchLike = typeof fetch;

export class CreditDeskClient {
  /** Called when the server answers 401 (the token was revoked or is unknown): the pane signs out. */
  onUnauthorized: (() => void) | null = null;

  constructor(
    readonly session: Session,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly fetchImpl: FetchLike = (...a) => fetch(...a),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private url(path: string): string {
    return `${this.session.serverUrl.replace(/\/+$/, '')}${path}`;
  }

  /**
   * One API call. Network errors and 502/503/504 are retried with exponential backoff (POSTs too:
   * every POST the pane sends that creates something carries an Idempotency-Key, and batch
   * decisions carry versions, so a retry cannot apply a change twice).
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.session.token}`,
      Accept: 'application/json',
    };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.ifMatch !== undefined) headers['If-Match'] = `"${opts.ifMatch}"`;
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    const init: RequestInit = {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    };
    let lastNetworkError: unknown = null;
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) {
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(delay / 2 + Math.random() * (delay / 2));
      }
      let res: Response;
      try {
        res = await this.fetchImpl(this.url(path), init);
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        lastNetworkError = e;
        continue;
      }
      if (RETRY_STATUS.has(res.status) && attempt < this.retry.attempts - 1) continue;
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      if (res.ok) return json as T;
      if (res.status === 401) this.onUnauthorized?.();
      const err = (json as Partial<ErrorJson> | null)?.error;
      throw new ApiError(
        res.status,
        err?.code ?? `http_${res.status}`,
        err?.message ?? (text || res.statusText),
        err?.details ?? [],
        json,
      );
    }
    throw new ApiError(
      0,
      'offline',
      `the server at ${this.session.serverUrl} cannot be reached (${String((lastNetworkError as Error)?.message ?? lastNetworkError)})`,
    );
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { signal });
  }

  post<T>(path: string, body: unknown, opts: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body });
  }

  /** Every page of a list endpoint (`items` + `nextCursor`). */
  async all<T>(path: string, pageSize = 1000): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const sep: string = path.includes('?') ? '&' : '?';
      const page: { items: T[]; nextCursor: string | null } = await this.get(
        `${path}${sep}limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** The newest change sequence: a pull made after reading it misses nothing newer. */
  async headSequence(since = 0): Promise<number> {
    let seq = since;
    for (;;) {
      const page = await this.get<ChangesPageJson>(`/api/v1/changes?since=${seq}&limit=1000`);
      if (!page.changes.length || page.nextSince === seq) return page.nextSince ?? seq;
      seq = page.nextSince;
    }
  }

  me(): Promise<UserJson> {
    return this.get('/api/v1/me');
  }
}

/** A new random Idempotency-Key (≥128 bits). */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `cd-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
