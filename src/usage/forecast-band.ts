import type { Unit } from './limit-types.ts';
import type { UsageSeries } from './usage-series.ts';

/**
 * The forecast's band (docs/limits.md, "Forecast band"): when the cap comes, p10 and p90, from
 * the person's own history instead of a fixed margin.
 *
 * Five hours: the last week of the account's usage, per minute, is replayed forward from every
 * past minute that looks like now — the same time of day (±90 minutes, when the history has
 * enough such minutes) and the same number of minutes since the last call. Each replay is one
 * possible future: the current session goes on for as long as that past session went on, at
 * the CURRENT pace (the past amounts scaled so their mean per active minute is the current
 * rate: the heavy calls stay heavy); then pauses and later sessions come as they came in the
 * past, at the past pace, pulled half-way (geometrically) toward the current one. Where the
 * replayed usage reaches what is left of the limit is one arrival; the band and the point are
 * quantiles of the arrivals (BAND_LOW_Q…; a replay that does not reach it before the reset
 * counts as "after the reset").
 * Deterministic: every matching minute, thinned evenly to at most MAX_REPLAYS.
 *
 * Weekly and monthly: the last week's daily totals give the rate's spread (p10 and p90 of the
 * day rates).
 *
 * Without enough history (a first call less than a day ago, too few matching minutes), the band is the point forecast's time
 * left × FALLBACK_EARLY / FALLBACK_LATE: wide, and said to be so (`band_source: "default"`).
 */

const MINUTE = 60_000;
/** How far back the five-hour replay looks. */
export const HISTORY_MS = 7 * 24 * 3_600_000;
/** The history must reach back this far (its first call at least a day ago) to make a band. */
export const MIN_HISTORY_MS = 24 * 3_600_000;
/** Past minutes within this many minutes of now's time of day are preferred as starts. */
export const TIME_OF_DAY_MINUTES = 90;
/** Fewer matching starts than this: no history band. */
export const MIN_REPLAYS = 12;
export const MAX_REPLAYS = 240;
/** A gap longer than this (minutes without a call) ends a session (the forecast's active pause). */
export const SESSION_GAP_MINUTES = 5;
/** Later sessions' pace: the past pace × (current ÷ past)^this. */
export const LATER_PACE_PULL = 0.5;
/** No history: the band is the point's time left × these. */
export const FALLBACK_EARLY = 0.6;
export const FALLBACK_LATE = 2;
/**
 * Which replays make the band and the point. The replays are too narrow: 10th–90th held the
 * real hit 70–77% of the time in the back-test with the old exponentially weighted pace (they
 * take the current pace as known, and it is a guess from a few dozen heavy-tailed calls); with
 * the session's pace shrunk toward the week's (forecast.ts) 5th–95th held 87–92% and 7.5th–92.5th
 * 83–88% on both generators, 5–13 minutes narrower (docs/benchmarks.md): the band's p10/p90 are
 * the replays' 7.5th and 92.5th. The point forecast stays the projection at the session's pace
 * (forecast.ts); `p50` (the replays' median) is not shown.
 */
export const BAND_LOW_Q = 0.075;
export const BAND_HIGH_Q = 0.925;
export const POINT_Q = 0.5;
/** Weekly and monthly: days with usage needed for a history band. */
export const MIN_DAYS = 3;

export interface Band {
  /** Epoch ms; p90 null: not before the reset. */
  p10: number | null;
  p50: number | null;
  p90: number | null;
  source: 'history' | 'default';
  /** Replays (five hours) or days (weekly) the band rests on. */
  samples: number;
}

export interface ReplayInput {
  series: UsageSeries;
  unit: Unit;
  now: number;
  /** The reset: arrivals at or after it are "not before the reset". */
  end: number;
  /** What is left of the limit, in `unit`. */
  remaining: number;
  /** The current pace, units per active minute. */
  ratePerActiveMinute: number;
}

/** Per-minute usage over [from, to), index 0 = the minute starting at `from`. */
export function perMinute(series: UsageSeries, unit: Unit, from: number, to: number): Float64Array {
  const out = new Float64Array(Math.max(0, Math.ceil((to - from) / MINUTE)));
  const cum = series.cum[unit];
  for (let i = series.at.length - 1; i >= 0; i--) {
    const at = series.at[i] as number;
    if (at >= to) continue;
    if (at < from) break;
    const m = Math.floor((at - from) / MINUTE);
    out[m] = (out[m] as number) + (cum[i + 1] as number) - (cum[i] as number);
  }
  return out;
}

const NO_USE = 2_147_483_647;

/** Minutes since the last minute with usage at or before index `i` (NO_USE: none). */
export function gapsSinceUse(u: Float64Array): Int32Array {
  const gaps = new Int32Array(u.length);
  let last = -1;
  for (let i = 0; i < u.length; i++) {
    if ((u[i] as number) > 0) last = i;
    gaps[i] = last < 0 ? NO_USE : i - last;
  }
  return gaps;
}

/** A call at least MIN_HISTORY_MS before the array's end. */
function reachesBack(gaps: Int32Array): boolean {
  const i = gaps.length - 1 - MIN_HISTORY_MS / MINUTE;
  return i >= 0 && (gaps[i] as number) !== NO_USE;
}

/** The five-hour band by replaying the person's past minutes (see the file's comment). */
export function replayBand(input: ReplayInput): Band | null {
  const arrivals = replayArrivals(input);
  return arrivals === null ? null : bandOf(arrivals, input.end, 'history');
}

/** Each replay's arrival at the cap (epoch ms; Infinity: not within the horizon); null without enough history. */
export function replayArrivals(input: ReplayInput): number[] | null {
  const { now, end, remaining, ratePerActiveMinute } = input;
  if (!(remaining > 0) || !(ratePerActiveMinute > 0)) return null;
  // Minute-aligned so "now" is the last whole minute of the array.
  const to = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const from = to - HISTORY_MS;
  const u = perMinute(input.series, input.unit, from, to);
  const n = u.length;
  const gaps = gapsSinceUse(u);
  if (!reachesBack(gaps)) return null;
  const gapNow = gaps[n - 1] as number;
  const horizon = Math.ceil((end - now) / MINUTE);
  if (horizon <= 0) return null;

  // The past pace: usage per active minute (a minute with usage or within a session gap after one).
  let activeMinutes = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += u[i] as number;
    if ((gaps[i] as number) <= SESSION_GAP_MINUTES) activeMinutes++;
  }
  if (activeMinutes === 0 || total <= 0) return null;
  const pastRate = total / activeMinutes;
  const currentScale = ratePerActiveMinute / pastRate;
  const laterScale = currentScale ** LATER_PACE_PULL;

  // Starts: past minutes with the same gap since the last call (±1 minute), a full horizon before now.
  const sameGap = (g: number) => (gapNow <= SESSION_GAP_MINUTES ? Math.abs(g - gapNow) <= 1 : g >= gapNow);
  const minuteOfDay = (i: number) => Math.floor((from + i * MINUTE) / MINUTE) % 1440;
  const nowOfDay = minuteOfDay(n - 1);
  const nearInDay = (i: number) => {
    const d = Math.abs(minuteOfDay(i) - nowOfDay);
    return Math.min(d, 1440 - d) <= TIME_OF_DAY_MINUTES;
  };
  const all: number[] = [];
  const near: number[] = [];
  for (let i = 0; i + horizon < n; i++) {
    if (gaps[i] === NO_USE || !sameGap(gaps[i] as number)) continue;
    all.push(i);
    if (nearInDay(i)) near.push(i);
  }
  const starts = near.length >= MIN_REPLAYS ? near : all;
  if (starts.length < MIN_REPLAYS) return null;
  const step = starts.length / Math.min(MAX_REPLAYS, starts.length);

  const arrivals: number[] = [];
  for (let k = 0; k < starts.length; k += step) {
    const t = starts[Math.floor(k)] as number;
    let used = 0;
    let inCurrentSession = true;
    let arrival = Number.POSITIVE_INFINITY;
    for (let m = 1; m <= horizon; m++) {
      const i = t + m;
      if (inCurrentSession && (gaps[i] as number) > SESSION_GAP_MINUTES) inCurrentSession = false;
      used += (u[i] as number) * (inCurrentSession ? currentScale : laterScale);
      if (used >= remaining) {
        // Within the minute: at its middle (the array's minute `n - 1` holds now).
        arrival = now + (m - 0.5) * MINUTE;
        break;
      }
    }
    arrivals.push(arrival);
  }
  return arrivals;
}

/** Weekly and monthly: p10/p90 of the last week's day rates, units per hour. */
export function dayRateSpread(
  series: UsageSeries,
  unit: Unit,
  now: number,
): { low: number; high: number; days: number } | null {
  const days: number[] = [];
  const cum = series.cum[unit];
  const rate = (from: number, to: number) => {
    let sum = 0;
    for (let i = series.at.length - 1; i >= 0; i--) {
      const at = series.at[i] as number;
      if (at > to) continue;
      if (at <= from) break;
      sum += (cum[i + 1] as number) - (cum[i] as number);
    }
    return sum / 24;
  };
  for (let d = 0; d < 7; d++) days.push(rate(now - (d + 1) * 86_400_000, now - d * 86_400_000));
  const used = days.filter((r) => r > 0).length;
  if (used < MIN_DAYS) return null;
  return { low: quantile(days, 0.1), high: quantile(days, 0.9), days: used };
}

/** p-quantile, nearest rank on the sorted values (Infinity allowed). */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

export function bandOf(arrivals: readonly number[], end: number, source: Band['source']): Band {
  const at = (q: number) => {
    const v = quantile(arrivals, q);
    return Number.isFinite(v) && v < end ? Math.round(v) : null;
  };
  return { p10: at(BAND_LOW_Q), p50: at(POINT_Q), p90: at(BAND_HIGH_Q), source, samples: arrivals.length };
}

/**
 * If work resumes: the spread of the person's session paces over the last week, as ratios to
 * the mean pace per active minute (p10 and p90 of the sessions'); null with fewer than
 * MIN_REPLAYS sessions.
 */
export function sessionPaceSpread(series: UsageSeries, unit: Unit, now: number): { slow: number; fast: number } | null {
  const to = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const u = perMinute(series, unit, to - HISTORY_MS, to);
  const gaps = gapsSinceUse(u);
  if (!reachesBack(gaps)) return null;
  const paces: number[] = [];
  let sum = 0;
  let minutes = 0;
  let allSum = 0;
  let allMinutes = 0;
  for (let i = 0; i <= u.length; i++) {
    const active = i < u.length && (gaps[i] as number) <= SESSION_GAP_MINUTES;
    if (active) {
      sum += u[i] as number;
      minutes++;
    } else if (minutes > 0) {
      paces.push(sum / minutes);
      allSum += sum;
      allMinutes += minutes;
      sum = 0;
      minutes = 0;
    }
  }
  if (paces.length < MIN_REPLAYS || allSum <= 0) return null;
  const mean = allSum / allMinutes;
  return { slow: quantile(paces, 0.1) / mean, fast: quantile(paces, 0.9) / mean };
}
