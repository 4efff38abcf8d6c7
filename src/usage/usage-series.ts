import type { Unit, UsagePoint, WindowKind } from './limit-types.ts';

/**
 * Usage sorted by time with running sums, so "used in this window up to that instant" costs
 * two binary searches: calibration asks it once per official observation.
 */
export interface UsageSeries {
  /** Sorted instants. */
  at: number[];
  /** cum[unit][i] = sum of the first i points. */
  cum: Record<Unit, number[]>;
}

export function usageSeries(points: readonly UsagePoint[]): UsageSeries {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const at: number[] = [];
  const usd = [0];
  const tokens = [0];
  for (const p of sorted) {
    at.push(p.at);
    usd.push((usd[usd.length - 1] as number) + p.usd);
    tokens.push((tokens[tokens.length - 1] as number) + p.tokens);
  }
  return { at, cum: { usd, tokens } };
}

/** Index of the first point at or after `t`. */
function lowerBound(at: readonly number[], t: number): number {
  let lo = 0;
  let hi = at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((at[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Usage with `from <= at < to`. */
export function usedBetween(series: UsageSeries, unit: Unit, from: number, to: number): number {
  if (to <= from) return 0;
  const cum = series.cum[unit];
  return (cum[lowerBound(series.at, to)] as number) - (cum[lowerBound(series.at, from)] as number);
}

/**
 * Which usage drains a window: every model drains `five_hour`, `seven_day` and `monthly`; a
 * per-model bucket (`seven_day_opus`) takes the models whose name holds its family name
 * ('opus' in 'claude-opus-4-5'). A bucket no model name matches (e.g. `seven_day_oauth_apps`)
 * drains nothing takt can see: its figure then rests on the official percentage alone.
 */
export function drainsWindow(kind: WindowKind, model: string): boolean {
  if (!kind.startsWith('seven_day_')) return true;
  return model.toLowerCase().includes(kind.slice('seven_day_'.length).toLowerCase());
}

export function usageForWindow(points: readonly UsagePoint[], kind: WindowKind): UsagePoint[] {
  return kind.startsWith('seven_day_') ? points.filter((p) => drainsWindow(kind, p.model)) : [...points];
}
