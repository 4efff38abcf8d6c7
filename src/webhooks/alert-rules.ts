import { opensOnActivity } from '../usage/plans.ts';

/**
 * When a window raises an alert (docs/webhooks.md, "Events"), as a pure comparison of the
 * window's evaluation now with what was remembered about it (the alert state):
 * - `window_reset` when the remembered window ended (its reset passed, the evaluation is in a
 *   later window, or someone marked a new window); the thresholds are re-armed;
 * - `limit_approaching` once per threshold per window;
 * - `limit_predicted` once per window, again only if the predicted time moves by more than 30 min;
 * - `limit_hit` once per window.
 */

/** Official resets jitter by a few seconds: starts closer than this are the same window. */
export const SAME_WINDOW_MS = 60_000;
/** A prediction is raised again only when it moves by more than this. */
export const PREDICTION_MOVE_MS = 30 * 60_000;

export interface WindowNow {
  kind: string;
  window_start: number;
  resets_at: number;
  window_source: string;
  /** Five-hour windows: false when no activity opened it yet. */
  active: boolean;
  utilization: number | null;
  limited: boolean;
  forecast: { hits_cap_at: number | null; verdict: string };
}

export interface WindowState {
  start: number;
  resets_at: number;
  /** Thresholds already raised in this window. */
  fired: number[];
  hit: boolean;
  /** hits_cap_at of the last limit_predicted raised in this window. */
  predicted: number | null;
}

export type RaisedAlert =
  | { type: 'window_reset'; previous: WindowState }
  | { type: 'limit_approaching'; threshold: number }
  | { type: 'limit_predicted'; hits_cap_at: number }
  | { type: 'limit_hit' };

function fresh(w: WindowNow): WindowState {
  return { start: w.window_start, resets_at: w.resets_at, fired: [], hit: false, predicted: null };
}

function ended(prev: WindowState, w: WindowNow, now: number): boolean {
  if (now >= prev.resets_at) return true;
  if (w.window_start >= prev.resets_at - SAME_WINDOW_MS) return true;
  // A "New Window" mark (or a reset Anthropic moved forward) starts a window before the old one's end.
  return w.window_source === 'configured' && opensOnActivity(w.kind) && w.window_start > prev.start + SAME_WINDOW_MS;
}

/**
 * The alerts a window raises now and the state to remember (null: forget it). `thresholds`
 * are every percentage any covering endpoint asked for.
 */
export function windowAlerts(
  prev: WindowState | undefined,
  w: WindowNow,
  thresholds: readonly number[],
  now: number,
): { next: WindowState | null; raised: RaisedAlert[] } {
  const raised: RaisedAlert[] = [];
  const idle = opensOnActivity(w.kind) && !w.active;
  let state: WindowState;
  if (!prev) {
    if (idle) return { next: null, raised };
    state = fresh(w);
  } else if (ended(prev, w, now)) {
    raised.push({ type: 'window_reset', previous: prev });
    // A five-hour window nobody has opened yet is not remembered: the next activity opens a fresh one.
    if (idle) return { next: null, raised };
    state = fresh(w);
  } else {
    // The same window, its bounds perhaps corrected by a later observation.
    state = { ...prev, fired: [...prev.fired], start: w.window_start, resets_at: w.resets_at };
  }
  const u = w.utilization;
  if (u !== null) {
    for (const t of [...thresholds].sort((a, b) => a - b)) {
      if (u >= t && !state.fired.includes(t)) {
        raised.push({ type: 'limit_approaching', threshold: t });
        state.fired.push(t);
      }
    }
  }
  const hitNow = w.limited || (u !== null && u >= 100);
  const cap = w.forecast.hits_cap_at;
  if (!hitNow && !state.hit && w.forecast.verdict === 'will_hit_cap' && cap !== null && cap > now) {
    if (state.predicted === null || Math.abs(cap - state.predicted) > PREDICTION_MOVE_MS) {
      raised.push({ type: 'limit_predicted', hits_cap_at: cap });
      state.predicted = cap;
    }
  }
  if (hitNow && !state.hit) {
    raised.push({ type: 'limit_hit' });
    state.hit = true;
  }
  return { next: state, raised };
}
