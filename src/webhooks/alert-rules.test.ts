import { describe, expect, it } from 'vitest';
import { type WindowNow, type WindowState, windowAlerts } from './alert-rules.ts';

const H = 3_600_000;
const t0 = Date.UTC(2026, 11, 1, 10);
const window = (over: Partial<WindowNow> = {}): WindowNow => ({
  kind: 'five_hour',
  window_start: t0,
  resets_at: t0 + 5 * H,
  window_source: 'official',
  active: true,
  utilization: 50,
  limited: false,
  forecast: { hits_cap_at: null, verdict: 'ok' },
  ...over,
});

/** Runs a sequence of evaluations through the rules, carrying the state, and lists what each raised. */
function run(steps: { w: WindowNow; at: number }[], thresholds = [80, 95]) {
  let state: WindowState | undefined;
  return steps.map(({ w, at }) => {
    const r = windowAlerts(state, w, thresholds, at);
    state = r.next ?? undefined;
    return r.raised.map((a) => (a.type === 'limit_approaching' ? `${a.type}:${a.threshold}` : a.type));
  });
}

describe('window alert rules', () => {
  it('raises each threshold once per window, re-arms on reset, and raises a hit once', () => {
    expect(
      run([
        { w: window({ utilization: 79 }), at: t0 + H },
        { w: window({ utilization: 81 }), at: t0 + H + 1 },
        { w: window({ utilization: 79 }), at: t0 + H + 2 },
        { w: window({ utilization: 82 }), at: t0 + H + 3 },
        { w: window({ utilization: 100, limited: true }), at: t0 + 2 * H },
        { w: window({ utilization: 100, limited: true }), at: t0 + 2 * H + 1 },
        { w: window({ window_start: t0 + 5 * H, resets_at: t0 + 10 * H, utilization: 85 }), at: t0 + 5 * H + 1 },
      ]),
    ).toEqual([
      [],
      ['limit_approaching:80'],
      [],
      [],
      ['limit_approaching:95', 'limit_hit'],
      [],
      ['window_reset', 'limit_approaching:80'],
    ]);
  });

  it('raises a prediction once per window unless it moves by more than 30 minutes', () => {
    const predicted = (cap: number) => window({ forecast: { hits_cap_at: cap, verdict: 'will_hit_cap' } });
    expect(
      run([
        { w: predicted(t0 + 3 * H), at: t0 + H },
        { w: predicted(t0 + 3 * H + 20 * 60_000), at: t0 + H + 1 },
        { w: predicted(t0 + 3 * H + 45 * 60_000), at: t0 + H + 2 },
      ]),
    ).toEqual([['limit_predicted'], [], ['limit_predicted']]);
  });

  it('notes a window that ended with no new activity once, and a New Window mark as a reset', () => {
    expect(
      run([
        { w: window({ utilization: 10 }), at: t0 + H },
        { w: window({ window_start: t0 + 6 * H, resets_at: t0 + 11 * H, active: false }), at: t0 + 6 * H },
        {
          w: window({ window_start: t0 + 6 * H + 60_000, resets_at: t0 + 11 * H, active: false }),
          at: t0 + 6 * H + 60_000,
        },
        { w: window({ window_start: t0 + 7 * H, resets_at: t0 + 12 * H }), at: t0 + 7 * H },
        {
          w: window({ window_start: t0 + 8 * H, resets_at: t0 + 13 * H, window_source: 'configured' }),
          at: t0 + 8 * H,
        },
      ]),
    ).toEqual([[], ['window_reset'], [], [], ['window_reset']]);
  });
});
