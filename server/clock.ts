/**
 * The one clock of the server. Every unit of work reads it once (Tx.now, and Tx.today derived
 * from it) and every request's reader once (Reader.today), so a request that runs across UTC
 * midnight sees one date throughout, and a test or a demo can pin the date (`fixedClock`) instead
 * of depending on the day it runs.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock standing still at `iso` (a date `YYYY-MM-DD` means its midnight UTC). */
export function fixedClock(iso: string): Clock {
  const at = new Date(iso.length === 10 ? `${iso}T00:00:00.000Z` : iso);
  if (Number.isNaN(at.getTime())) throw new Error(`not an instant: ${iso}`);
  return { now: () => new Date(at) };
}
