import { describe, expect, it } from 'vitest';
import { type ForecastInput, forecastWindow, verdictOf } from './forecast.ts';
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
    expect(f.burn_rate_per_hour).toBeCloseTo(93_576.9, 1); // 20,000 ÷ 12.82 weighted minutes × 60
    expect(f.burn_rate_pct_per_hour).toBeCloseTo(42.535, 3);
    expect(f.hits_cap_at).toBe(now + 7_694_207);
    expect(f.verdict).toBe('will_hit_cap');
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
