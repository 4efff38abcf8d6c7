import { describe, expect, it } from 'vitest';
import { type ForecastInput, forecastWindow, verdictOf } from './forecast.ts';
import { bandOf, replayBand } from './forecast-band.ts';
import type { UsagePoint, WindowBounds } from './limit-types.ts';
import { usageSeries } from './usage-series.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const MINUTE = 60_000;
const window = (endsInMinutes: number, kind: WindowBounds['kind'] = 'five_hour'): WindowBounds => ({
  kind,
  start: now - 60 * MINUTE,
  end: now + endsInMinutes * MINUTE,
  source: 'official',
  extrapolated: false,
  active: true,
  note: '',
});
const usdEveryMinute = (minutes: number, usd: number): UsagePoint[] =>
  Array.from({ length: minutes }, (_, m) => ({
    at: now - m * MINUTE - 30_000,
    model: 'claude-sonnet-4-5',
    usd,
    tokens: 0,
  }));

function input(over: Partial<ForecastInput>): ForecastInput {
  return {
    kind: 'five_hour',
    bounds: window(120),
    now,
    unit: 'usd',
    series: usageSeries(usdEveryMinute(60, 1)),
    utilization: 60,
    limit: 100,
    limited: false,
    ...over,
  };
}

describe('forecast', () => {
  it('projects a steady rate to the cap', () => {
    const f = forecastWindow(input({}));
    expect(f.burn_rate_per_hour).toBeCloseTo(60, 9);
    expect(f.burn_rate_pct_per_hour).toBeCloseTo(60, 9);
    expect(f.hits_cap_at).toBe(now + 40 * MINUTE);
    expect(f).toMatchObject({ resets_first: false, verdict: 'will_hit_cap', resets_at: now + 120 * MINUTE });
  });

  it('says the window resets first when it does', () => {
    const f = forecastWindow(input({ bounds: window(30) }));
    expect(f).toMatchObject({ hits_cap_at: null, resets_first: true, verdict: 'slow_down' });
    expect(f.projected_pct_at_reset).toBeCloseTo(90, 9);
  });

  it('spreads a burst of a few seconds over the minimum span instead of projecting nonsense', () => {
    // 20,000 tokens in 5 s: a naive rate is 14.4 million tokens an hour.
    const burst: UsagePoint[] = [
      { at: now - 5_000, model: 'claude-opus-4-5', usd: 0, tokens: 12_000 },
      { at: now - 1_000, model: 'claude-opus-4-5', usd: 0, tokens: 8_000 },
    ];
    const f = forecastWindow(
      input({
        unit: 'tokens',
        series: usageSeries(burst),
        utilization: (20_000 * 100) / 220_000,
        limit: 220_000,
        bounds: window(300),
      }),
    );
    expect(f.burn_rate_per_hour).toBe(80_000); // 20,000 ÷ 15 active minutes × 60
    expect(f.burn_rate_pct_per_hour).toBeCloseTo(36.3636, 3);
    expect(f.hits_cap_at).toBe(now + 150 * MINUTE); // 200,000 tokens left at 80,000 an hour
    expect(f.verdict).toBe('will_hit_cap');
  });

  it("takes the session's pace, shrunk toward the person's pace of the week before it", () => {
    // Six days before: 09:00–09:54, 1 usd a minute (55 usd over 60 active minutes a day: the 5
    // after the last call count). Today a session since 11:50 at 3 usd a minute, the last call 30 s ago,
    // and an earlier one at 11:00–11:09 at 6 usd a minute (part of the history, not of the session).
    const day = 1_440 * MINUTE;
    const at9 = Date.parse('2026-12-01T09:00:00Z');
    const points: UsagePoint[] = [];
    for (let d = 1; d <= 6; d++)
      for (let m = 0; m < 55; m++)
        points.push({ at: at9 - d * day + m * MINUTE + 10_000, model: 'm', usd: 1, tokens: 0 });
    for (let m = 0; m < 10; m++)
      points.push({ at: at9 + 120 * MINUTE + m * MINUTE + 10_000, model: 'm', usd: 6, tokens: 0 });
    for (let m = 0; m < 10; m++) points.push({ at: now - m * MINUTE - 30_000, model: 'm', usd: 3, tokens: 0 });
    const f = forecastWindow(input({ series: usageSeries(points), utilization: 50, bounds: window(300) }));
    // History: 330 + 60 usd over 360 + 15 active minutes; 20 minutes of it weigh 20.8 usd.
    // (30 usd + 20.8) ÷ (10 + 20) minutes = 1.6933 usd a minute.
    expect(f.burn_rate_per_hour).toBeCloseTo(((30 + (390 * 20) / 375) / 30) * 60, 9);
    expect(f.burn_rate_per_hour).toBeCloseTo(101.6, 9);
    expect(f.hits_cap_at).toBe(now + Math.round((50 / 101.6) * 3_600_000));
  });

  it('is limited at 100% or after a hit not yet reset, and calm without burn', () => {
    expect(forecastWindow(input({ utilization: 100 }))).toMatchObject({
      verdict: 'limited',
      hits_cap_at: now,
      resets_first: false,
    });
    expect(forecastWindow(input({ utilization: 40, limited: true })).verdict).toBe('limited');
    expect(forecastWindow(input({ utilization: 10, series: usageSeries([]) }))).toMatchObject({
      burn_rate_per_hour: 0,
      hits_cap_at: null,
      resets_first: true,
      verdict: 'ok',
    });
  });

  it('uses the wall-clock rate of the last day for weekly windows', () => {
    const hourly: UsagePoint[] = Array.from({ length: 30 }, (_, h) => ({
      at: now - h * 3_600_000 - 1,
      model: 'm',
      usd: 2,
      tokens: 0,
    }));
    const f = forecastWindow(
      input({
        kind: 'seven_day',
        bounds: window(3 * 24 * 60, 'seven_day'),
        series: usageSeries(hourly),
        utilization: 20,
        limit: 800,
      }),
    );
    expect(f.burn_rate_per_hour).toBe(2);
    expect(f.burn_rate_pct_per_hour).toBe(0.25);
    expect(f).toMatchObject({ hits_cap_at: null, resets_first: true, verdict: 'ok' });
  });

  it('has verdict thresholds at 60/75 (watch) and 80/90 (slow down), now or projected', () => {
    expect(verdictOf(59, 74, null, false)).toBe('ok');
    expect(verdictOf(60, 60, null, false)).toBe('watch');
    expect(verdictOf(10, 75, null, false)).toBe('watch');
    expect(verdictOf(80, 80, null, false)).toBe('slow_down');
    expect(verdictOf(10, 90, null, false)).toBe('slow_down');
    expect(verdictOf(null, null, null, false)).toBe('ok');
  });
});

describe('forecast while idle and its band', () => {
  const DAY = 1_440 * MINUTE;
  // 60 minutes of work at 1 usd a minute, the last call 30 s before `now`.
  const worked = usageSeries(usdEveryMinute(60, 1));
  const at = (later: number, over: Partial<ForecastInput> = {}) =>
    forecastWindow(input({ now: now + later * MINUTE, bounds: window(240), series: worked, ...over }));

  it('gives no time once nobody has worked for 15 minutes, only the work left if resumed, and it does not move', () => {
    // Ten minutes after the last call someone may still be reading: a time, at the working pace.
    const working = at(10);
    expect([working.basis, (working.hits_cap_at as number) > now + 50 * MINUTE]).toEqual(['active_pace', true]);
    const idle = [16, 45, 120].map((later) => at(later));
    for (const f of idle) {
      expect(f).toMatchObject({
        basis: 'if_resumed',
        hits_cap_at: null,
        hits_cap_at_p10: null,
        hits_cap_at_p90: null,
        last_used_at: now - 30_000,
        // 40 usd left at the session's pace: 60 usd over 65 active minutes (the 5 after the last call
        // count as active); no history of sessions: the default 0.6× … 2×.
        if_resumed: { work_minutes_to_cap: 43.3, work_minutes_to_cap_p10: 26, work_minutes_to_cap_p90: 86.7 },
      });
    }
    expect(idle.map((f) => f.verdict)).toEqual(['slow_down', 'slow_down', 'slow_down']);
  });

  /**
   * A week at the same hours: each day 09:00–17:00, sessions of 30 minutes with a call every
   * minute and 15-minute pauses; the day's pace 0.5, 0.75, 1 or 1.25 usd a minute.
   */
  const today = Date.parse('2026-12-08T00:00:00Z');
  const week: UsagePoint[] = [];
  for (let d = 7; d >= 0; d--)
    for (let m = 0; m < 480; m++)
      if (m % 45 < 30 && (d > 0 || m < 70))
        week.push({
          at: today - d * DAY + 9 * 60 * MINUTE + m * MINUTE + 10_000,
          model: 'm',
          usd: 0.5 + 0.25 * (d % 4),
          tokens: 0,
        });
  const nowToday = today + 9 * 60 * MINUTE + 70 * MINUTE; // 10:10, the second session's 25th minute
  const bounds: WindowBounds = { ...window(0), start: today + 9 * 60 * MINUTE, end: today + 14 * 60 * MINUTE };

  it("draws the band from the person's history, and the band holds the point: p10 ≤ hits_cap_at ≤ p90", () => {
    const f = forecastWindow(input({ now: nowToday, bounds, series: usageSeries(week), utilization: 60, limit: 100 }));
    expect(f.basis).toBe('active_pace');
    expect(f.band_source).toBe('history');
    // The point: 40 usd left at the active pace (today's, 0.5 usd a minute less the pauses' first minutes).
    expect(f.hits_cap_at).toBe(nowToday + Math.round((40 / f.burn_rate_per_hour) * 3_600_000));
    const [p10, point, p90] = [f.hits_cap_at_p10, f.hits_cap_at, f.hits_cap_at_p90] as [number, number, number];
    expect(p10 <= point && point <= p90 && p10 < p90).toBe(true);
    // Pauses come: the late end is after the non-stop projection.
    expect(p90 > point).toBe(true);
  });

  it('replays give p10 ≤ p50 ≤ p90, none before now', () => {
    const band = replayBand({
      series: usageSeries(week),
      unit: 'usd',
      now: nowToday,
      end: bounds.end,
      remaining: 40,
      ratePerActiveMinute: 0.5,
    });
    expect(band?.source).toBe('history');
    const [p10, p50, p90] = [band?.p10, band?.p50, band?.p90] as [number, number, number];
    expect(nowToday < p10 && p10 <= p50 && p50 <= p90).toBe(true);
  });

  it("is the replays' 7.5th and 92.5th percentiles", () => {
    // 40 replays arriving 1, 2, … 40 minutes from now: the 3rd and the 37th.
    const arrivals = Array.from({ length: 40 }, (_, k) => now + (k + 1) * MINUTE);
    expect(bandOf(arrivals, now + 300 * MINUTE, 'history')).toMatchObject({
      p10: now + 3 * MINUTE,
      p90: now + 37 * MINUTE,
      samples: 40,
    });
  });

  it('without history the band is the default 0.6× … 2× of the time left', () => {
    const f = at(0);
    expect(f).toMatchObject({
      band_source: 'default',
      hits_cap_at: now + 40 * MINUTE,
      hits_cap_at_p10: now + 24 * MINUTE,
      hits_cap_at_p90: now + 80 * MINUTE,
    });
  });

  it("weekly windows: the band from the last week's day rates", () => {
    // An hourly call for a week: 1, 2 or 3 usd an hour by day (the latest day 1).
    const week: UsagePoint[] = Array.from({ length: 168 }, (_, h) => ({
      at: now - h * 3_600_000 - 1,
      model: 'm',
      usd: 1 + (Math.floor(h / 24) % 3),
      tokens: 0,
    }));
    const f = forecastWindow(
      input({
        kind: 'seven_day',
        bounds: window(3 * 24 * 60, 'seven_day'),
        series: usageSeries(week),
        utilization: 95,
        limit: 800,
      }),
    );
    // 40 usd left: at the fastest day (3 an hour) 13 h 20 min, at the last day's and slowest (1 an hour) 40 h.
    expect(f).toMatchObject({
      basis: 'active_pace',
      band_source: 'history',
      hits_cap_at_p10: now + 48_000_000,
      hits_cap_at: now + 40 * 3_600_000,
      hits_cap_at_p90: now + 40 * 3_600_000,
      last_used_at: null,
      if_resumed: null,
    });
  });
});
