import {
  type Band,
  bandOf,
  dayRateSpread,
  FALLBACK_EARLY,
  FALLBACK_LATE,
  gapsSinceUse,
  HISTORY_MS,
  perMinute,
  replayBand,
  SESSION_GAP_MINUTES,
  sessionPaceSpread,
} from './forecast-band.ts';
import type { Unit, Verdict, WindowBounds, WindowKind } from './limit-types.ts';
import type { UsageSeries } from './usage-series.ts';

/**
 * Forecast (docs/limits.md, "Forecast"): the burn rate, when the cap is reached at that rate,
 * whether the window resets first, and a verdict.
 *
 * The five-hour burn rate is the pace of the session under way, per ACTIVE minute, shrunk toward
 * the person's own pace of the week before it. A minute is active when it had usage or falls
 * within a short pause after usage (reading, thinking); a session ends at a longer pause, and
 * longer pauses do not dilute the pace. The session's usage and active minutes are added to
 * PRIOR_ACTIVE_MINUTES of the week's pace: early in a session, when a few heavy-tailed calls
 * say little, the person's usual pace dominates; after an hour of work the session's own. (The
 * back-test: an exponentially weighted rate over the last three hours' active minutes was 13.2
 * minutes off at 30 minutes before a hit, this 11.4; docs/benchmarks.md.) The denominator is
 * never less than a minimum span of active minutes, so a burst of a few seconds without a
 * history is spread over that span instead of projecting billions of tokens an hour. A pause
 * does not zero the rate (the forecast reads "at your working pace"; zeroing it after 30 idle
 * minutes missed 9% of the hits 10 minutes ahead in the back-test): only a lookback with no
 * usage at all does. The pace stops moving SESSION_GAP_MINUTES after the last call. Weekly and
 * monthly windows use the wall-clock rate of the last day (nights and breaks included: that is
 * what a day costs).
 *
 * Idle (five hours): after IDLE_AFTER_MINUTES without a call, "now + time left at the pace"
 * would slide along with the clock for as long as nobody works. The forecast then gives no
 * time: `basis: "if_resumed"` and `if_resumed` says how many minutes of work at the recent
 * active pace reach the cap. While working (`basis: "active_pace"`) `hits_cap_at` is the
 * projection at the active pace, and the band around it (p10/p90) comes from the person's own
 * history replayed from now (forecast-band.ts), or is a default width without enough history.
 */

const MINUTE = 60_000;
/** Five hours: without a call in this long, nothing burns. */
export const LOOKBACK_MS = 3 * 3_600_000;
/** Five hours: the person's pace of the week before the session weighs as much as this many active minutes of the session. */
export const PRIOR_ACTIVE_MINUTES = 20;
/** The denominator spans at least this many active minutes. */
export const MIN_SPAN_ACTIVE_MINUTES = 15;
/** Weekly and monthly windows: the wall-clock rate over this span. */
export const LONG_WINDOW_SPAN_MS = 24 * 3_600_000;
/** Five hours: this long without a call and the forecast is "if work resumes". */
export const IDLE_AFTER_MINUTES = 15;

export type ForecastBasis = 'active_pace' | 'if_resumed';

export interface IfResumed {
  /** Minutes of work at the recent active pace until the cap. */
  work_minutes_to_cap: number;
  /** The same at the person's faster (p10) and slower (p90) session paces. */
  work_minutes_to_cap_p10: number;
  work_minutes_to_cap_p90: number;
}

export interface Forecast {
  /** Percent of the limit per hour; null without a limit. */
  burn_rate_pct_per_hour: number | null;
  /** In the account's unit per hour. */
  burn_rate_per_hour: number;
  /** When the cap is reached at this rate (now when already reached); null when the window resets first, nothing burns or nobody works (`if_resumed`). */
  hits_cap_at: number | null;
  /** `active_pace`: someone works now. `if_resumed`: idle; no time, see `if_resumed`. */
  basis: ForecastBasis;
  /** The band: the cap comes after p10 in 92.5% of the person's replayed futures, before p90 in 92.5% (the replays are too narrow: forecast-band.ts). p90 null: maybe not before the reset. Null under `if_resumed`, when limited or nothing burns. */
  hits_cap_at_p10: number | null;
  hits_cap_at_p90: number | null;
  /** Where the band comes from: the person's history, or a default width for want of it. */
  band_source: Band['source'] | null;
  /** Five hours: the last call (epoch ms); null when none in the lookback. */
  last_used_at: number | null;
  if_resumed: IfResumed | null;
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
  const fiveHour = input.kind === 'five_hour';
  const perHour = fiveHour
    ? activeBurnRate(input.series, input.unit, now)
    : wallClockRate(input.series, input.unit, now);
  const pctPerHour = limit !== null && limit > 0 ? (perHour * 100) / limit : null;
  const hoursLeft = Math.max(0, bounds.end - now) / 3_600_000;
  const projected = utilization !== null ? utilization + (pctPerHour ?? 0) * hoursLeft : null;
  const lastUsedAt = fiveHour ? lastUse(input.series, now) : null;
  const idle = fiveHour && perHour > 0 && lastUsedAt !== null && now - lastUsedAt > IDLE_AFTER_MINUTES * MINUTE;
  const reached = utilization !== null && (utilization >= 100 || input.limited);
  const remaining = utilization !== null && limit !== null && limit > 0 ? ((100 - utilization) * limit) / 100 : null;

  let hitsCapAt: number | null = null;
  let band: Band | null = null;
  let ifResumed: IfResumed | null = null;
  if (reached || input.limited) hitsCapAt = now;
  else if (idle && remaining !== null) ifResumed = ifWorkResumes(input, remaining, perHour / 60);
  else if (remaining !== null && pctPerHour !== null && pctPerHour > 0) {
    const atPace = now + ((100 - (utilization as number)) / pctPerHour) * 3_600_000;
    band = fiveHour
      ? replayBand({
          series: input.series,
          unit: input.unit,
          now,
          end: bounds.end,
          remaining,
          ratePerActiveMinute: perHour / 60,
        })
      : dayBand(input, remaining, bounds.end);
    band ??= bandOf(
      [now + (atPace - now) * FALLBACK_EARLY, atPace, now + (atPace - now) * FALLBACK_LATE],
      bounds.end,
      'default',
    );
    // The point stays the projection at the active pace: the replays' 40th percentile as the point
    // did better an hour ahead and worse 30 and 10 minutes ahead, with a longer tail (docs/benchmarks.md).
    const point = atPace < bounds.end ? Math.round(atPace) : null;
    hitsCapAt = point;
    // The band holds the point, whatever the history says (p90 null stands for "after the reset").
    if (point !== null) {
      band.p10 = band.p10 === null ? point : Math.min(band.p10, point);
      if (band.p90 !== null) band.p90 = Math.max(band.p90, point);
    }
  }

  return {
    burn_rate_pct_per_hour: pctPerHour,
    burn_rate_per_hour: perHour,
    hits_cap_at: hitsCapAt,
    basis: idle && !reached && !input.limited ? 'if_resumed' : 'active_pace',
    hits_cap_at_p10: band?.p10 ?? null,
    hits_cap_at_p90: band?.p90 ?? null,
    band_source: band?.source ?? null,
    last_used_at: lastUsedAt,
    if_resumed: ifResumed,
    resets_at: bounds.end,
    resets_first: ifResumed !== null ? now + ifResumed.work_minutes_to_cap * MINUTE >= bounds.end : hitsCapAt === null,
    projected_pct_at_reset: projected,
    verdict: verdictOf(utilization, projected, hitsCapAt, input.limited),
  };
}

/** Idle: minutes of work to the cap at the recent active pace, and at the person's faster and slower session paces. */
function ifWorkResumes(input: ForecastInput, remaining: number, perActiveMinute: number): IfResumed {
  const minutes = remaining / perActiveMinute;
  const spread = sessionPaceSpread(input.series, input.unit, input.now);
  const round1 = (v: number) => Math.round(v * 10) / 10;
  return {
    work_minutes_to_cap: round1(minutes),
    work_minutes_to_cap_p10: round1(Math.min(minutes, spread ? minutes / spread.fast : minutes * FALLBACK_EARLY)),
    work_minutes_to_cap_p90: round1(
      Math.max(minutes, spread && spread.slow > 0 ? minutes / spread.slow : minutes * FALLBACK_LATE),
    ),
  };
}

/** Weekly and monthly: the time left at the fastest and slowest of the last week's day rates. */
function dayBand(input: ForecastInput, remaining: number, end: number): Band | null {
  const spread = dayRateSpread(input.series, input.unit, input.now);
  if (spread === null) return null;
  const at = (perHour: number) =>
    perHour > 0 ? input.now + (remaining / perHour) * 3_600_000 : Number.POSITIVE_INFINITY;
  return { ...bandOf([at(spread.high), at(spread.low)], end, 'history'), samples: spread.days };
}

/** The latest usage at or before `now` within the lookback, epoch ms. */
function lastUse(series: UsageSeries, now: number): number | null {
  const cum = series.cum.usd;
  const tokens = series.cum.tokens;
  for (let i = series.at.length - 1; i >= 0; i--) {
    const at = series.at[i] as number;
    if (at > now) continue;
    if (at < now - LOOKBACK_MS) return null;
    if ((cum[i + 1] as number) > (cum[i] as number) || (tokens[i + 1] as number) > (tokens[i] as number)) return at;
  }
  return null;
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

/**
 * Units per hour of work: the current session's pace, shrunk toward the person's own pace of
 * the week before it (see the file's comment). Active minutes are counted as the band counts
 * them (a minute with usage or within SESSION_GAP_MINUTES after one), so the pace stops moving
 * five minutes after the last call.
 */
export function activeBurnRate(series: UsageSeries, unit: Unit, now: number): number {
  const to = now + 1; // minutes back from now, the last one ending at now (included)
  const u = perMinute(series, unit, to - HISTORY_MS, to);
  const gaps = gapsSinceUse(u);
  const n = u.length;
  // The lookback: nothing in it, nothing burns.
  if ((gaps[n - 1] as number) > LOOKBACK_MS / MINUTE) return 0;
  // The current (or, in a short pause, the latest) session: back from now to a gap over SESSION_GAP_MINUTES.
  let start = n - 1;
  while (start > 0 && (gaps[start] as number) > 0) start--; // its latest minute with usage
  while (start > 0 && (gaps[start - 1] as number) <= SESSION_GAP_MINUTES) start--;
  let sessionSum = 0;
  let sessionMinutes = 0;
  for (let i = start; i < n; i++) {
    sessionSum += u[i] as number;
    if ((gaps[i] as number) <= SESSION_GAP_MINUTES) sessionMinutes++;
  }
  let historySum = 0;
  let historyMinutes = 0;
  for (let i = 0; i < start; i++) {
    historySum += u[i] as number;
    if ((gaps[i] as number) <= SESSION_GAP_MINUTES) historyMinutes++;
  }
  // The history's weight: PRIOR_ACTIVE_MINUTES of its pace, fewer when it is shorter than that.
  const prior = Math.min(PRIOR_ACTIVE_MINUTES, historyMinutes);
  const priorSum = historyMinutes > 0 ? (historySum * prior) / historyMinutes : 0;
  return ((sessionSum + priorSum) / Math.max(sessionMinutes + prior, MIN_SPAN_ACTIVE_MINUTES)) * 60;
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
