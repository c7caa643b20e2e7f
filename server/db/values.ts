import type { Int8 } from './schema';

/** A driver integer (number from SQLite, string from pg) as an exact bigint. */
export function toBigInt(v: Int8): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export function toBigIntOrNull(v: Int8 | null | undefined): bigint | null {
  return v === null || v === undefined ? null : toBigInt(v);
}

/** A driver integer known to be small (counts, sequences, versions) as a number. */
export function toNumber(v: Int8): number {
  return typeof v === 'number' ? v : Number(v);
}

export const toBool = (v: number | boolean | null | undefined): boolean => v === 1 || v === true;
export const fromBool = (v: boolean | undefined | null): number => (v ? 1 : 0);

/**
 * Rows grouped by a key (rows whose key is null are left out), each mapped, in row order. `into`
 * lets a loop over chunks of ids collect every chunk into one map.
 */
export function groupBy<T, U = T, K = string>(
  rows: Iterable<T>,
  key: (row: T) => K | null,
  map: (row: T) => U = (row) => row as unknown as U,
  into: Map<K, U[]> = new Map(),
): Map<K, U[]> {
  for (const row of rows) {
    const k = key(row);
    if (k === null) continue;
    const list = into.get(k);
    if (list) list.push(map(row));
    else into.set(k, [map(row)]);
  }
  return into;
}
