import type { Unit, Verdict, WindowBounds, WindowKind } from './limit-types.ts';
import type { UsageSeries } from './usage-series.ts';

/**
 * Forecast (docs/limits.md, "Forecast"): the burn rate, when the cap is reached at that rate,
 * whether the window resets first, and a verdict.
 *
 * The five-hour burn rate is an exponentially weighted rate over ACTIVE minutes: a minute is
 * active when it had usage or falls within a short pause after usage (reading, thinking); longer
 * pauses do not dilute the rate, and the weights decay per active minute, so the rate follows
 * the current work. The denominator is never less than a minimum span of active minutes, so a
 * burst of a few seconds is spread over that span instead of projecting billions of tokens an
 * hour. A pause does not zero the rate (the forecast reads "at your working pace"; zeroing it
 * after 30 idle minutes missed 9% of the hits 10 minutes ahead in the back-test): only a lookback
 * with no usage at all does. Weekly and monthly windows
 * use the wall-clock rate of the last day (nights and breaks included: that is what a day costs).
 */

const MINUTE = 60_000;
/** Five-hour rate: how far back minutes are looked at. */
export const LOOKBACK_MS = 3 * 3_600_000;
/** A pause up to this long after usage still counts as active (the user reading or thinking). */
export const ACTIVE_PAUSE_MINUTES = 5;
/** Weights halve every this many active minutes. */
export const HALF_LIFE_ACTIVE_MINUTES = 30;
/** The denominator spans at least this many active minutes. */
export const MIN_SPAN_ACTIVE_MINUTES = 15;
/** Weekly and monthly windows: the wall-clock rate over this span. */
export const LONG_WINDOW_SPAN_MS = 24 * 3_600_000;

export interface Forecast {
  /** Percent of the limit per hour; null without a limit. */
  burn_rate_pct_per_hour: number | null;
  /** In the account's unit per hour. */
  burn_rate_per_hour: number;
  /** When the cap is reached at this rate (now when already reached); null when the window resets first or nothing burns. */
  hits_cap_at: number | null;
  resets_at: number;
  resets_first: boolean;
  /** Utilisation at the reset if the rate holds; null without a utilisation. */
  projected_pct_at_reset: number | null;
  verdict: Verdict;
}

export interface ForecastInput {
  kind: WindowKind;
  bounds: WindowBounds;
  now: number;
  unit: Unit;
  /** Usage that drains this window. */
  series: UsageSeries;
  utilization: number | null;
  /** The capacity utilisation divides by, in `unit`. */
  limit: number | null;
  /** A hit in this window not yet reset. */
  limited: boolean;
}

/** Verdict thresholds, in percent of the limit (now, or projected at the reset). */
export const VERDICT_THRESHOLDS = { slowDownNow: 80, slowDownProjected: 90, watchNow: 60, watchProjected: 75 } as const;

export function forecastWindow(input: ForecastInput): Forecast {
  const { bounds, now, utilization, limit } = input;
  const perHour =
    input.kind === 'five_hour'
      ? activeBurnRate(input.series, input.unit, now)
      : wallClockRate(input.series, input.unit, now);
  const pctPerHour = limit !== null && limit > 0 ? (perHour * 100) / limit : null;
  const hoursLeft = Math.max(0, bounds.end - now) / 3_600_000;
  const projected = utilization !== null ? utilization + (pctPerHour ?? 0) * hoursLeft : null;

  let hitsCapAt: number | null = null;
  if (utilization !== null && (utilization >= 100 || input.limited)) hitsCapAt = now;
  else if (utilization !== null && pctPerHour !== null && pctPerHour > 0) {
    const at = now + ((100 - utilization) / pctPerHour) * 3_600_000;
    if (at < bounds.end) hitsCapAt = Math.round(at);
  }
  if (input.limited && hitsCapAt === null) hitsCapAt = now;

  return {
    burn_rate_pct_per_hour: pctPerHour,
    burn_rate_per_hour: perHour,
    hits_cap_at: hitsCapAt,
    resets_at: bounds.end,
    resets_first: hitsCapAt === null,
    projected_pct_at_reset: projected,
    verdict: verdictOf(utilization, projected, hitsCapAt, input.limited),
  };
}

export function verdictOf(
  utilization: number | null,
  projected: number | null,
  hitsCapAt: number | null,
  limited: boolean,
): Verdict {
  const t = VERDICT_THRESHOLDS;
  if (limited || (utilization !== null && utilization >= 100)) return 'limited';
  if (hitsCapAt !== null) return 'will_hit_cap';
  if (utilization === null) return 'ok';
  const p = projected ?? utilization;
  if (utilization >= t.slowDownNow || p >= t.slowDownProjected) return 'slow_down';
  if (utilization >= t.watchNow || p >= t.watchProjected) return 'watch';
  return 'ok';
}

/** Units per hour of work, weighted toward the latest active minutes (see the file's comment). */
export function activeBurnRate(series: UsageSeries, unit: Unit, now: number): number {
  const perMinute = new Map<number, number>(); // minutes ago → usage
  const cum = series.cum[unit];
  for (let i = series.at.length - 1; i >= 0; i--) {
    const at = series.at[i] as number;
    if (at > now) continue;
    if (at < now - LOOKBACK_MS) break;
    const ago = Math.floor((now - at) / MINUTE);
    perMinute.set(ago, (perMinute.get(ago) ?? 0) + (cum[i + 1] as number) - (cum[i] as number));
  }
  if (perMinute.size === 0) return 0;
  const decay = 0.5 ** (1 / HALF_LIFE_ACTIVE_MINUTES);
  let weight = 1;
  let sum = 0;
  let weights = 0;
  let minWeights = 0;
  for (let k = 0; k < MIN_SPAN_ACTIVE_MINUTES; k++) minWeights += decay ** k;
  let lastUsedAgo = Number.POSITIVE_INFINITY; // the nearest minute with usage at or before this one, in minutes ago
  const minutes = Math.floor(LOOKBACK_MS / MINUTE);
  // Walk from the oldest minute to now so "a pause after usage" is known; weights are then by recency.
  const active: number[] = [];
  for (let ago = minutes; ago >= 0; ago--) {
    if (perMinute.has(ago)) lastUsedAgo = ago;
    if (lastUsedAgo - ago <= ACTIVE_PAUSE_MINUTES) active.push(ago);
  }
  for (let k = active.length - 1; k >= 0; k--) {
    sum += weight * (perMinute.get(active[k] as number) ?? 0);
    weights += weight;
    weight *= decay;
  }
  return (sum / Math.max(weights, minWeights)) * 60;
}

/** Units per hour over the last day, wall clock. */
export function wallClockRate(series: UsageSeries, unit: Unit, now: number): number {
  const cum = series.cum[unit];
  let total = 0;
  for (let i = series.at.length - 1; i >= 0; i--) {
    const at = series.at[i] as number;
    if (at > now) continue;
    if (at <= now - LONG_WINDOW_SPAN_MS) break;
    total += (cum[i + 1] as number) - (cum[i] as number);
  }
  return (total * 3_600_000) / LONG_WINDOW_SPAN_MS;
}
