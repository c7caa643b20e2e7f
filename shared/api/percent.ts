/**
 * The one format of a percentage of used credit on the wire, kept apart from the schemas (no zod)
 * so the add-in can write the same figure into a sheet without bundling zod.
 */
import { formatRate, type Rate } from '../money';

/**
 * How every percentage of used credit is written (percentAfterOrder, percentUsed,
 * projectedPercentUsed): SPEC §4 "percentages and rates are decimal strings with up to 4
 * decimals". The engine computes it once (shared/money.ts `percentOf`: ×100, rounded half away
 * from zero to 4 decimals) and it is written in the form of every rate of the API (`formatRate`):
 * no trailing zeros, no dangling point — "14.8", "50.2812", "100", "0". Null when the limit is
 * not checked (unlimited, or a limit of 0 the rules skip).
 */
export const PERCENT_DESCRIPTION =
  'percent of the binding limit used: a decimal string with up to 4 decimals, rounded half away from zero once and written without trailing zeros ("14.8", "50.2812", "100"); null = no limit applies (unlimited, or a non-mandatory limit of 0)';

/** A percentage of used credit as the API writes it ({@link PERCENT_DESCRIPTION}); the one formatter of every producer. */
export function percentJson(p: Rate | null): string | null {
  return p === null ? null : formatRate(p);
}
