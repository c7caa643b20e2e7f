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

export function nowIso(): string {
  return new Date().toISOString();
}
