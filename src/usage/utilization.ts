import type { Calibration } from './calibration.ts';
import {
  type Confidence,
  type LimitEvent,
  type OfficialObservation,
  SAME_WINDOW_MS,
  type Unit,
  type UtilizationSource,
  type WindowBounds,
} from './limit-types.ts';
import { type UsageSeries, usedBetween } from './usage-series.ts';

/**
 * The headline figure of a window (docs/limits.md, "Utilisation between observations"). When an
 * official percentage was seen in the current window (a hit counts as 100% at its instant):
 * that percentage + usage since ÷ capacity × 100, labelled `official`. Otherwise used ÷ limit,
 * with the limit taken in order: hand-set (`configured`), calibrated (`calibrated`), plan default
 * (`estimated`). Values may exceed 100.
 */

export type LimitSource = 'configured' | 'calibrated' | 'estimated' | 'official';

export interface UtilizationInput {
  bounds: WindowBounds;
  now: number;
  unit: Unit;
  /** Usage that drains this window. */
  series: UsageSeries;
  officials: readonly OfficialObservation[];
  events: readonly LimitEvent[];
  handSet: number | null;
  calibration: Pick<Calibration, 'estimate' | 'confidence'> | null;
  planDefault: number | null;
}

export interface Utilization {
  /** In the account's unit, from the window's start to now. */
  used: number;
  used_usd: number;
  used_tokens: number;
  /** The capacity the figure divides by, in the account's unit; null when none is known. */
  limit: number | null;
  /** `official`: implied by the official percentage itself (used ÷ percentage), nothing else being known. */
  limit_source: LimitSource | null;
  /** Percent; null when neither an official figure nor any limit is known. */
  utilization: number | null;
  source: UtilizationSource;
  as_of: number;
  confidence: Confidence;
  /** The official figure the headline extends, if any. */
  official_at: number | null;
  official_utilization: number | null;
  /** A hit in this window, not yet reset. */
  limited: boolean;
  /** Share of the window elapsed, percent: the pace marker on the bar. */
  expected_pct: number;
}

export function windowUtilization(input: UtilizationInput): Utilization {
  const { bounds, now, unit, series } = input;
  const until = Math.min(now, bounds.end) + 1; // usage points are stamped at or before `now`
  const usedUsd = usedBetween(series, 'usd', bounds.start, until);
  const usedTokens = usedBetween(series, 'tokens', bounds.start, until);
  const used = unit === 'usd' ? usedUsd : usedTokens;
  const base = {
    used,
    used_usd: usedUsd,
    used_tokens: usedTokens,
    as_of: now,
    expected_pct: Math.min(100, Math.max(0, ((now - bounds.start) / (bounds.end - bounds.start)) * 100)),
  };

  const hit = latestHit(input);
  const official = latestOfficialInWindow(input, hit);
  const limits: [number | null, LimitSource, Confidence][] = [
    [input.handSet, 'configured', 'medium'],
    [input.calibration?.estimate ?? null, 'calibrated', input.calibration?.confidence ?? 'low'],
    [input.planDefault, 'estimated', 'low'],
  ];

  if (official !== null) {
    // The rule: extend the official figure by the calibrated capacity first.
    const order = [limits[1], limits[0], limits[2]] as typeof limits;
    let chosen = order.find(([v]) => v !== null && v > 0);
    const usedAtOfficial = usedBetween(series, unit, bounds.start, official.at + 1);
    if (chosen === undefined && official.utilization >= 5 && usedAtOfficial > 0)
      chosen = [usedAtOfficial / (official.utilization / 100), 'official', 'low'];
    const since = usedBetween(series, unit, official.at + 1, until);
    const capacity = chosen?.[0] ?? null;
    return {
      ...base,
      limit: capacity,
      limit_source: chosen?.[1] ?? null,
      utilization: official.utilization + (capacity !== null ? (since * 100) / capacity : 0),
      source: 'official',
      confidence: since === 0 ? 'high' : (chosen?.[2] ?? 'low'),
      official_at: official.at,
      official_utilization: official.utilization,
      limited: hit !== null,
    };
  }

  const chosen = limits.find(([v]) => v !== null && v > 0);
  return {
    ...base,
    limit: chosen?.[0] ?? null,
    limit_source: chosen?.[1] ?? null,
    utilization: chosen !== undefined ? (used * 100) / (chosen[0] as number) : null,
    source: chosen?.[1] === 'configured' || chosen?.[1] === 'calibrated' ? chosen[1] : 'estimated',
    confidence: chosen?.[2] ?? 'low',
    official_at: null,
    official_utilization: null,
    limited: hit !== null,
  };
}

/** Evidence seen in this window: its reset (if given) is this window's, and it is not older than the window. */
function inWindow(bounds: WindowBounds, now: number, at: number, resetsAt: number | null): boolean {
  if (at < bounds.start || at > now) return false;
  return resetsAt === null || Math.abs(resetsAt - bounds.end) < SAME_WINDOW_MS;
}

function latestHit(input: UtilizationInput): LimitEvent | null {
  let latest: LimitEvent | null = null;
  for (const e of input.events)
    if (
      e.kind === 'hit_limit' &&
      e.window === input.bounds.kind &&
      inWindow(input.bounds, input.now, e.at, e.resetsAt) &&
      (e.resetsAt === null || e.resetsAt > input.now) &&
      (latest === null || e.at > latest.at)
    )
      latest = e;
  return latest;
}

/** The latest official percentage in the window; a hit after it counts as 100% at the hit. */
function latestOfficialInWindow(
  input: UtilizationInput,
  hit: LimitEvent | null,
): { at: number; utilization: number } | null {
  let latest: OfficialObservation | null = null;
  for (const o of input.officials)
    if (
      o.window === input.bounds.kind &&
      inWindow(input.bounds, input.now, o.at, o.resetsAt) &&
      (latest === null || o.at > latest.at)
    )
      latest = o;
  if (hit !== null && (latest === null || hit.at >= latest.at))
    return { at: hit.at, utilization: Math.max(100, latest?.utilization ?? 0) };
  return latest;
}
