import type { Confidence, LimitEvent, OfficialObservation, Unit, WindowKind } from './limit-types.ts';
import { type UsageSeries, usedBetween } from './usage-series.ts';

/**
 * Calibration: an account's capacity per window kind, learnt from ground truth (docs/limits.md,
 * "Calibration"). Every official observation at ≥ 5% implies capacity = used in its window up to
 * the observation ÷ (utilisation / 100); every hit implies capacity = used at the hit; a New
 * Window mark is kept as an `anchor` (it says when a window started, not how big it is: it moves
 * the window that later samples measure from). A sample beyond 3 scaled MADs of the median of the
 * recent accepted samples is `rejected`, kept with its reason, and returned so the caller raises
 * `calibration_rejected`.
 */

export type SampleStatus = 'accepted' | 'rejected' | 'anchor';

export interface CalibrationSample {
  at: number;
  window: WindowKind;
  /** What the sample comes from. */
  kind: 'official' | 'hit_limit' | 'new_window';
  /** The observation's or event's source ('statusline', 'oauth', 'dashboard', …). */
  source: string;
  /** The official percentage (100 for a hit; null for an anchor). */
  utilization: number | null;
  /** In the unit the status was judged in; null for an anchor. */
  implied_capacity: number | null;
  implied_capacity_usd: number | null;
  implied_capacity_tokens: number | null;
  unit: Unit;
  status: SampleStatus;
  reason: string | null;
  /** The end of the window the sample measured (its official reset, else the windows rules'); null for an anchor. */
  window_end?: number | null;
}

export interface Calibration {
  window: WindowKind;
  unit: Unit;
  /** Median of the recent accepted samples, in `unit`; null without any. */
  estimate: number | null;
  /** Relative spread of those samples: 1.4826 · MAD ÷ median; null below 2 samples. */
  spread: number | null;
  confidence: Confidence;
  /** Of usd and tokens, the unit whose recent accepted samples spread less (null below 3 samples). */
  steadier_unit: Unit | null;
  /** Every sample, history included, oldest first. */
  samples: CalibrationSample[];
  /** Samples rejected now (not already in the history): raise `calibration_rejected` for each. */
  rejected: CalibrationSample[];
}

export interface CalibrationInput {
  kind: WindowKind;
  unit: Unit;
  /** Usage that drains this window kind (a per-model bucket: that model's only). */
  series: UsageSeries;
  officials: readonly OfficialObservation[];
  events: readonly LimitEvent[];
  /** The window kind's length (5 h, 7 days): an official reset R means the window [R − period, R). */
  period: number;
  /** The window containing an instant, as the windows rules say it was then (for evidence without a reset). */
  windowAt: (at: number) => { start: number; end: number };
  /** Samples kept from earlier evaluations (the store keeps them; older usage may be gone). */
  history?: readonly CalibrationSample[];
  /** Usage is complete from here on; samples of windows starting earlier are not derived. */
  usageSince?: number;
  /**
   * The start of the latest recorded capacity change (capacity-history.ts): the estimate and the
   * rejection rule start afresh from it, so the new capacity is learnt, not rejected.
   */
  regimeSince?: number;
}

/** Below this percentage rounding dominates: 1 point of rounding at 4% is a 25% error. */
export const MIN_UTILIZATION = 5;
/** How many of the latest accepted samples the estimate and the rejection rule look at. */
export const RECENT_SAMPLES = 20;
const MIN_FOR_REJECTION = 3;
const MAX_SCALED_MADS = 3;
/** Identical samples have MAD 0: allow at least ±5% of the median around it. */
const MIN_RELATIVE_SPREAD = 0.05;

export function sampleKey(s: Pick<CalibrationSample, 'window' | 'kind' | 'at' | 'source'>): string {
  return `${s.window}|${s.kind}|${s.at}|${s.source}`;
}

export function calibrate(input: CalibrationInput): Calibration {
  const { kind, unit } = input;
  const history = (input.history ?? []).filter((s) => s.window === kind);
  const known = new Set(history.map(sampleKey));
  const derived = deriveSamples(input).filter((s) => !known.has(sampleKey(s)));
  const all = [...history.map((s) => ({ ...s, isNew: false })), ...derived.map((s) => ({ ...s, isNew: true }))].sort(
    (a, b) => a.at - b.at,
  );

  const accepted: CalibrationSample[] = [];
  const samples: CalibrationSample[] = [];
  const rejected: CalibrationSample[] = [];
  let regimeStarted = input.regimeSince === undefined;
  for (const { isNew, ...sample } of all) {
    if (!regimeStarted && sample.at >= (input.regimeSince as number)) {
      regimeStarted = true;
      accepted.length = 0; // the old capacity no longer says what is normal
    }
    if (isNew && sample.status !== 'anchor') judge(sample, accepted, unit);
    samples.push(sample);
    if (sample.status === 'accepted') accepted.push(sample);
    if (isNew && sample.status === 'rejected') rejected.push(sample);
  }

  const recent = accepted.slice(-RECENT_SAMPLES);
  const values = capacities(recent, unit);
  const estimate = values.length > 0 ? median(values) : null;
  const spread = values.length >= 2 ? relativeSpread(values) : null;
  let steadier: Unit | null = null;
  if (recent.length >= MIN_FOR_REJECTION) {
    const usd = relativeSpread(capacities(recent, 'usd'));
    const tokens = relativeSpread(capacities(recent, 'tokens'));
    steadier = tokens < usd ? 'tokens' : 'usd';
  }
  return {
    window: kind,
    unit,
    estimate,
    spread,
    confidence: values.length >= 8 ? 'high' : values.length >= 3 ? 'medium' : 'low',
    steadier_unit: steadier,
    samples,
    rejected,
  };
}

function judge(sample: CalibrationSample, accepted: readonly CalibrationSample[], unit: Unit): void {
  const x = capacityIn(sample, unit);
  const recent = capacities(accepted.slice(-RECENT_SAMPLES), unit);
  if (x === null || recent.length < MIN_FOR_REJECTION) return;
  const med = median(recent);
  const scale = Math.max(1.4826 * median(recent.map((v) => Math.abs(v - med))), MIN_RELATIVE_SPREAD * med);
  const distance = Math.abs(x - med) / scale;
  if (distance > MAX_SCALED_MADS) {
    sample.status = 'rejected';
    sample.reason = `implied capacity ${round(x)} ${unit} is ${distance.toFixed(1)} scaled MADs from the median ${round(med)} of the last ${recent.length} accepted samples (at most ${MAX_SCALED_MADS} allowed)`;
  }
}

/** Samples from the officials (thinned: one per window and percentage) and the events. */
function deriveSamples(input: CalibrationInput): CalibrationSample[] {
  const { kind, unit, series } = input;
  const since = input.usageSince ?? Number.NEGATIVE_INFINITY;
  const out: CalibrationSample[] = [];
  const lastPercent = new Map<number, number>(); // window end (minute) → last percentage sampled in it
  const officials = input.officials.filter((o) => o.window === kind).sort((a, b) => a.at - b.at);
  for (const o of officials) {
    if (o.utilization < MIN_UTILIZATION) continue;
    const w = boundsAt(input, o.at, o.resetsAt);
    const windowKey = Math.round(w.end / 60_000); // jitter of a few seconds is the same window
    if (w.start < since || lastPercent.get(windowKey) === o.utilization) continue;
    lastPercent.set(windowKey, o.utilization);
    const usd = usedBetween(series, 'usd', w.start, o.at + 1);
    const tokens = usedBetween(series, 'tokens', w.start, o.at + 1);
    if (usd <= 0 && tokens <= 0) continue; // takt saw none of this usage: no information
    const f = o.utilization / 100;
    out.push({
      ...sample(o.at, kind, 'official', o.source, o.utilization, usd / f, tokens / f, unit),
      window_end: w.end,
    });
  }
  for (const e of input.events) {
    if (e.window !== kind) continue;
    if (e.kind === 'new_window') {
      out.push({
        ...sample(e.at, kind, 'new_window', e.source, null, null, null, unit),
        status: 'anchor',
        reason: 'marks a window start; no capacity',
      });
      continue;
    }
    const w = boundsAt(input, e.at, e.resetsAt);
    if (w.start < since) continue;
    const usd = usedBetween(series, 'usd', w.start, e.at + 1);
    const tokens = usedBetween(series, 'tokens', w.start, e.at + 1);
    if (usd <= 0 && tokens <= 0) continue;
    out.push({ ...sample(e.at, kind, 'hit_limit', e.source, 100, usd, tokens, unit), window_end: w.end });
  }
  return out;
}

/** The window evidence seen at `at` belongs to: ending at its official reset, else as the windows rules say. */
function boundsAt(input: CalibrationInput, at: number, resetsAt: number | null): { start: number; end: number } {
  if (resetsAt !== null && resetsAt > at) return { start: resetsAt - input.period, end: resetsAt };
  return input.windowAt(at);
}

function sample(
  at: number,
  window: WindowKind,
  kind: CalibrationSample['kind'],
  source: string,
  utilization: number | null,
  usd: number | null,
  tokens: number | null,
  unit: Unit,
): CalibrationSample {
  return {
    at,
    window,
    kind,
    source,
    utilization,
    implied_capacity: unit === 'usd' ? usd : tokens,
    implied_capacity_usd: usd,
    implied_capacity_tokens: tokens,
    unit,
    status: 'accepted',
    reason: null,
  };
}

function capacityIn(s: CalibrationSample, unit: Unit): number | null {
  const v = unit === 'usd' ? s.implied_capacity_usd : s.implied_capacity_tokens;
  return v !== null && v > 0 ? v : null;
}

function capacities(samples: readonly CalibrationSample[], unit: Unit): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const v = capacityIn(s, unit);
    if (v !== null) out.push(v);
  }
  return out;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function relativeSpread(values: readonly number[]): number {
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  const med = median(values);
  return med > 0 ? (1.4826 * median(values.map((v) => Math.abs(v - med)))) / med : Number.POSITIVE_INFINITY;
}

function round(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(2);
}
