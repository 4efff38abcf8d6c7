import { type CalibrationSample, median } from './calibration.ts';
import type { Unit, WindowKind } from './limit-types.ts';

/**
 * Capacity history and step-change detection (docs/limits.md, "Capacity history"). Calibration
 * gives samples, each the capacity one piece of ground truth implies; here they are grouped by
 * the window they measured: one point per window with the median of its samples, so that a
 * window seen forty times by the status line counts once, like a window seen twice. A step
 * change is a split of those points where the windows before and after agree among themselves
 * and differ from each other by more than both the threshold and their spread.
 */

export interface CapacityPoint {
  /** The first sample's instant in this window (stable: later samples of the window do not move it). */
  at: number;
  /** The capacity the window measured: the median of its samples, in the unit. */
  capacity: number;
  /** Relative spread of its samples (1.4826 · MAD ÷ median); null with one sample. */
  spread: number | null;
  samples: number;
}

export type CapacityHistory = Partial<Record<WindowKind, Record<Unit, CapacityPoint[]>>>;

export interface DetectedCapacityChange {
  /** Median capacity of the windows before and after the step, in the unit. */
  before: number;
  after: number;
  /** (after − before) ÷ before × 100, e.g. −50. */
  change_pct: number;
  /** The first window of the new capacity (its first sample's instant). */
  since: number;
  confidence: 'medium' | 'high';
  windows_before: number;
  windows_after: number;
}

/** Smallest step reported: below it, plan noise and usage takt did not see explain more than a policy change. */
export const MIN_CHANGE = 0.15;
/** Windows needed on each side: fewer and one odd window (a missed machine) looks like a step. */
export const MIN_WINDOWS_EACH_SIDE = 4;
/** Windows compared on each side of a candidate step: the recent regime, not a month ago. */
const MAX_WINDOWS_EACH_SIDE = 8;
/** The step must exceed this many scaled MADs of the windows on either side ("beyond the spread"). */
const MIN_SCALED_MADS = 3;
/** Identical windows have MAD 0: take the spread as at least 2% of the level. */
const MIN_RELATIVE_SCALE = 0.02;

/** Every sample that carries a capacity (accepted or rejected: after a real step the new samples are first rejected). */
export function capacityHistory(samples: readonly CalibrationSample[]): CapacityHistory {
  const groups = new Map<string, { window: WindowKind; at: number; items: CalibrationSample[] }>();
  for (const s of samples) {
    if (s.status === 'anchor' || s.window_end === undefined || s.window_end === null) continue;
    const key = `${s.window}|${Math.round(s.window_end / 60_000)}`; // seconds of jitter: the same window
    const g = groups.get(key);
    if (g) {
      g.items.push(s);
      g.at = Math.min(g.at, s.at);
    } else groups.set(key, { window: s.window, at: s.at, items: [s] });
  }
  const out: CapacityHistory = {};
  for (const g of [...groups.values()].sort((a, b) => a.at - b.at)) {
    const byUnit = out[g.window] ?? { usd: [], tokens: [] };
    out[g.window] = byUnit;
    for (const unit of ['usd', 'tokens'] as const) {
      const values = g.items
        .map((s) => (unit === 'usd' ? s.implied_capacity_usd : s.implied_capacity_tokens))
        .filter((v): v is number => v !== null && v > 0);
      if (values.length === 0) continue;
      byUnit[unit].push({
        at: g.at,
        capacity: median(values),
        spread: values.length >= 2 ? relativeSpread(values) : null,
        samples: values.length,
      });
    }
  }
  return out;
}

/**
 * The step change the points support, if any, among windows from `regimeSince` on (the
 * latest change already recorded: its windows are the current regime, so it is never found
 * again and the next one is measured against it). Of the candidate splits with at least
 * MIN_WINDOWS_EACH_SIDE windows on each side, the one whose step stands furthest beyond
 * the spread.
 */
export function detectCapacityChange(
  points: readonly CapacityPoint[],
  regimeSince: number | null = null,
): DetectedCapacityChange | null {
  const pts = points.filter((p) => regimeSince === null || p.at >= regimeSince);
  let best: (DetectedCapacityChange & { score: number }) | null = null;
  for (let k = MIN_WINDOWS_EACH_SIDE; k <= pts.length - MIN_WINDOWS_EACH_SIDE; k++) {
    const before = pts.slice(Math.max(0, k - MAX_WINDOWS_EACH_SIDE), k).map((p) => p.capacity);
    const after = pts.slice(k, k + MAX_WINDOWS_EACH_SIDE).map((p) => p.capacity);
    const b = median(before);
    const a = median(after);
    if (b <= 0 || Math.abs(a / b - 1) < MIN_CHANGE) continue;
    // The windows must side with their regime: the two at the step itself, and three in four on each side
    // (one odd window, say usage takt did not see, is allowed; a mixed side is not a step).
    const sidesWithAfter = (v: number) => Math.abs(v - a) < Math.abs(v - b);
    if (sidesWithAfter(before.at(-1) as number) || !sidesWithAfter(after[0] as number)) continue;
    if (before.filter(sidesWithAfter).length > before.length / 4) continue;
    if (after.filter((v) => !sidesWithAfter(v)).length > after.length / 4) continue;
    const scale = Math.max(scaledMad(before), scaledMad(after), MIN_RELATIVE_SCALE * Math.min(a, b));
    const score = Math.abs(a - b) / scale;
    if (score <= MIN_SCALED_MADS || (best !== null && score <= best.score)) continue;
    const side = Math.min(before.length, after.length);
    best = {
      before: b,
      after: a,
      change_pct: (a / b - 1) * 100,
      since: (pts[k] as CapacityPoint).at,
      confidence: side >= 6 && score >= 2 * MIN_SCALED_MADS ? 'high' : 'medium',
      windows_before: before.length,
      windows_after: after.length,
      score,
    };
  }
  if (best === null) return null;
  const { score: _score, ...change } = best;
  return change;
}

function scaledMad(values: readonly number[]): number {
  const med = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - med)));
}

function relativeSpread(values: readonly number[]): number {
  const med = median(values);
  return med > 0 ? scaledMad(values) / med : 0;
}
