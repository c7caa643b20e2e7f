import type { Kysely } from 'kysely';
import type { Database } from './schema';
import type { Role } from './transaction';
import type { Parameters } from '../credit/parameters/parameters.schema';
import type { CheckpointSetup } from '../../shared/credit/checkpoints';
import type { BlockingRule } from '../../shared/credit/types';
import type { SetupJson } from '../credit/setup/setup.resource';
import type { CreditCheckSetup } from '../credit/credit-check/credit-input';
import type { DatedRate } from '../../shared/currency';

/**
 * The setup cache: small, rarely changed data that most requests read (parameters, checkpoints,
 * blocking rules, setup rows such as reason codes and pools, and resolved API tokens), kept in
 * process memory per database.
 *
 * Several server processes may share one PostgreSQL database, so a copy in memory is right only
 * while no process has committed a change to it since it was read. Three things keep it so:
 *
 * 1. **Versions.** Every commit that changes setup moves the database's setup version on (the
 *    one row of `setup_version`), in the same transaction, and names the keys it changed. Each
 *    entry carries the version it was read at, and a value read while a change was noticed is
 *    not kept (it may predate the change).
 * 2. **Notifications** (PostgreSQL). The same commit sends `NOTIFY` with the version and the keys;
 *    every process listens on a connection of its own (server/db/events.ts) and drops those keys
 *    at once. When that connection is lost, the process drops everything and, until it listens
 *    again, every request checks the version.
 * 3. **A version check per request.** A notification can arrive a moment after the next request,
 *    or be lost with its connection. So on PostgreSQL the first cached read of each request or
 *    transaction reads the database's setup version (one indexed row; the credit check reads it
 *    in the statement that reads the customer) and drops everything when it is newer than what
 *    this process knows. A change committed anywhere therefore governs the next request that
 *    reads it, in every process.
 *
 * On SQLite one process owns the file (server/db/connection.ts), its own commits are the only
 * ones, and no check is needed.
 *
 * Tokens are the exception to (3): they are read before any statement, so a cached token is
 * trusted for at most {@link TOKEN_TTL_MS} on PostgreSQL; a revocation's notification usually ends
 * it sooner.
 */

/** What reads setup through the cache: a transaction (Tx) or a request's reader (server/http/reader.ts). */
export interface SetupReader {
  db: Kysely<Database>;
  cache: SetupView;
}

/** A typed key: what is stored under it is known from the key itself (no casts at the call sites). */
export class CacheKey<T> {
  declare private readonly valueType: T;
  private constructor(
    /** The name notifications carry to other processes. */
    readonly name: string,
  ) {}

  /** The one key of this name (a name other processes send is looked up here). */
  static named<T>(name: string): CacheKey<T> {
    let k = byName.get(name);
    if (!k) byName.set(name, (k = new CacheKey<unknown>(name)));
    return k as CacheKey<T>;
  }
}

const byName = new Map<string, CacheKey<unknown>>();
const key = CacheKey.named;

/** A resolved API token. */
export interface CachedToken {
  userId: string;
  role: Role;
  /** Epoch ms after which it is resolved again from the database. */
  expires: number;
}

/** How long a resolved token is trusted without asking the database, by dialect (see the module comment). */
export const TOKEN_TTL_MS = { sqlite: 30_000, postgres: 1_000 } as const;

/** Every kind of entry the cache holds, with the type of its value: the one list of cache keys. */
export const SETUP = {
  parameters: key<{ values: Parameters; version: number }>('parameters'),
  checkpoints: key<CheckpointSetup[]>('checkpoints'),
  blockingRules: key<BlockingRule[]>('blockingRules'),
  /** Derived from parameters, rules and ranks; rebuilt whenever one of those is a new object. */
  creditCheckSetup: key<CreditCheckSetup>('creditCheckSetup'),
  tokens: key<Map<string, CachedToken>>('tokens'),
  /** Every exchange rate, by currency, each history sorted by date (server/exchange-rates). */
  exchangeRates: key<Map<string, DatedRate[]>>('exchangeRates'),
  /** The rows of one setup kind (`setup_rows.kind`: reasonCode, pool, agingDefinition, …), by id. */
  rows: (entity: string): CacheKey<Map<string, SetupJson>> => {
    // By the entity's own (constant) string: a name built per call would be hashed anew each time.
    let k = rowKeys.get(entity);
    if (!k) rowKeys.set(entity, (k = key<Map<string, SetupJson>>(`rows:${entity}`)));
    return k;
  },
};
const rowKeys = new Map<string, CacheKey<Map<string, SetupJson>>>();

interface Entry {
  value: unknown;
  /** The setup version the value was read at. */
  version: number;
}

/** The process's cache for one database. Readers use it through a {@link SetupView}. */
export class SetupCache {
  readonly #entries = new Map<CacheKey<unknown>, Entry>();
  /** The newest setup version this process knows was committed. */
  #version = 0;
  /** Moves on with every drop: a value read across one is not kept. */
  #generation = 0;
  constructor(
    readonly dialect: 'sqlite' | 'postgres',
    /**
     * Whether other processes may commit to the database (PostgreSQL), so views must confirm the
     * version. False on SQLite, whose file one process owns; the bench turns it off on
     * PostgreSQL to measure what the coherence costs (DbConfig.coherence).
     */
    readonly shared = dialect === 'postgres',
  ) {}

  get version(): number {
    return this.#version;
  }

  get generation(): number {
    return this.#generation;
  }

  peek<T>(k: CacheKey<T>): T | undefined {
    return this.#entries.get(k)?.value as T | undefined;
  }

  /** The version an entry was read at (for tests and diagnostics). */
  versionOf(k: CacheKey<unknown>): number | undefined {
    return this.#entries.get(k)?.version;
  }

  /** Keeps a value whose read started at `generation`, unless something was dropped since. */
  keep<T>(k: CacheKey<T>, value: T, generation: number): void {
    if (generation === this.#generation) this.#entries.set(k, { value, version: this.#version });
  }

  /**
   * A commit moved the setup version to `version`, changing `names` (this process's commit, or
   * another's notification). A version that skips one this process never heard of drops
   * everything: the missing commit's keys are unknown. One already applied changes nothing.
   */
  committed(version: number, names: readonly string[]): void {
    // A version this process already applied (its own commit, heard at once and then again as its
    // NOTIFY; or one a newer confirm or notification covered): the entries kept since were read
    // after it, so dropping them again would only cost a re-read.
    if (version <= this.#version) return;
    this.#generation++;
    if (version > this.#version + 1) this.#entries.clear();
    else for (const name of names) this.#drop(name);
    if (version > this.#version) this.#version = version;
  }

  /** The database's version, read now: when it is newer than this process knows, everything goes. */
  confirm(databaseVersion: number): void {
    if (databaseVersion === this.#version) return;
    this.clear();
    this.#version = databaseVersion;
  }

  /** Drops everything (a lost notification connection, a version this process did not hear of). */
  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  #drop(name: string): void {
    const k = byName.get(name);
    if (k) this.#entries.delete(k);
    // A name this process has no key for (a newer server's) can only be safely handled by dropping all.
    else this.#entries.clear();
  }

  /** A view for one request (outside a transaction); `readVersion` reads the database's setup version. */
  view(readVersion: () => Promise<number>): SetupView {
    return new SetupView(this, readVersion);
  }
}

/**
 * The cache as one request or one transaction sees it. On PostgreSQL its first read confirms the
 * database's setup version (see the module comment); a transaction's view also passes over the
 * keys the transaction itself changed, so its own uncommitted rows are read but never kept.
 */
export class SetupView {
  #checked: boolean;
  /** Keys this unit of work changed: read from the database, never from or into the cache. */
  readonly invalidated = new Set<CacheKey<unknown>>();

  constructor(
    readonly cache: SetupCache,
    private readonly readVersion: () => Promise<number>,
  ) {
    this.#checked = !cache.shared;
  }

  /** The cached value without any I/O, or undefined. Trust it only after {@link confirm} (or a read). */
  peek<T>(k: CacheKey<T>): T | undefined {
    return this.invalidated.has(k) ? undefined : this.cache.peek(k);
  }

  /** Whether this view has confirmed the setup version (or needs not). */
  get checked(): boolean {
    return this.#checked;
  }

  /** The setup version the caller read in the same statement as its own data. */
  confirm(databaseVersion: number): void {
    this.cache.confirm(databaseVersion);
    this.#checked = true;
  }

  #checking: Promise<void> | undefined;

  /** Reads the database's version once per view (PostgreSQL); later reads of the view trust the cache. */
  ensureChecked(): Promise<void> | void {
    if (this.#checked) return;
    // Reads started together (Promise.all) share the one version read.
    return (this.#checking ??= this.readVersion().then((v) => this.confirm(v)));
  }

  /** The cached value, or `load()`'s, kept for the next reader when no change was noticed meanwhile. */
  async read<T>(k: CacheKey<T>, load: () => Promise<T>): Promise<T> {
    await this.ensureChecked();
    if (this.invalidated.has(k)) return load();
    const hit = this.cache.peek(k);
    if (hit !== undefined) return hit;
    const generation = this.cache.generation;
    const value = await load();
    this.cache.keep(k, value, generation);
    return value;
  }

  /** Keeps a value read through this view (when the key is not one this unit of work changed). */
  keep<T>(k: CacheKey<T>, value: T, generation: number): void {
    if (!this.invalidated.has(k)) this.cache.keep(k, value, generation);
  }
}
