import type { OfficialObservation, PlanId, WindowKind } from './limit-types.ts';
import { isBucket, isReported, planLabel, planWindows, windowAbsentText } from './plans.ts';

/**
 * Why a window does not exist for an account, or null when it does (docs/limits.md, "Windows
 * that do not apply"): the plan has none (Ultra: no 5-hour window), or the two latest official
 * readings carried other windows but not this one (a status line sending `seven_day` without
 * `five_hour`). A later reading that has the window again brings it back. Per-model buckets
 * exist only when seen, so they always apply.
 */
export function whyWindowAbsent(
  kind: WindowKind,
  plan: PlanId,
  officials: readonly OfficialObservation[],
  now: number,
): string | null {
  if (isBucket(kind) || kind === 'spend_limit') return null; // both exist only once seen
  if (!planWindows(plan).includes(kind)) return `${windowAbsentText(kind)} (${planLabel(plan)})`;
  if (!isReported(kind)) return null;
  const readings = latestReadings(officials, now, 2);
  if (readings.length < 2 || readings.some((r) => r.windows.has(kind))) return null;
  const sources = [...new Set(readings.map((r) => r.source))].join(', ');
  return `${windowAbsentText(kind)}: the last two official readings (${sources}) had none`;
}

interface Reading {
  at: number;
  source: string;
  windows: Set<WindowKind>;
}

/** Official readings are the observations one answer produced: same instant and source. Newest first. */
function latestReadings(officials: readonly OfficialObservation[], now: number, count: number): Reading[] {
  const byKey = new Map<string, Reading>();
  for (const o of officials) {
    if (o.at > now) continue;
    const key = `${o.at}|${o.source}`;
    let r = byKey.get(key);
    if (r === undefined) {
      r = { at: o.at, source: o.source, windows: new Set() };
      byKey.set(key, r);
    }
    r.windows.add(o.window);
  }
  return [...byKey.values()]
    .filter((r) => [...r.windows].some((w) => !isBucket(w) && w !== 'spend_limit'))
    .sort((a, b) => b.at - a.at)
    .slice(0, count);
}
