import { describe, expect, it } from 'vitest';
import { drainsWindow, usageForWindow, usageSeries, usedBetween } from './usage-series.ts';

describe('usage series', () => {
  const points = [
    { at: 3000, model: 'claude-opus-4-5', usd: 3, tokens: 30 },
    { at: 1000, model: 'claude-sonnet-4-5', usd: 1, tokens: 10 },
    { at: 2000, model: 'claude-3-opus-20240229', usd: 2, tokens: 20 },
  ];

  it('sums usage with from <= at < to, whatever order it came in', () => {
    const s = usageSeries(points);
    expect(usedBetween(s, 'usd', 1000, 3000)).toBe(3);
    expect(usedBetween(s, 'tokens', 0, 3001)).toBe(60);
    expect(usedBetween(s, 'usd', 3001, 2000)).toBe(0);
  });

  it("lets a model drain its family's bucket and every all-models window", () => {
    expect(drainsWindow('seven_day_opus', 'claude-opus-4-5')).toBe(true);
    expect(drainsWindow('seven_day_opus', 'claude-sonnet-4-5')).toBe(false);
    expect(drainsWindow('seven_day', 'claude-sonnet-4-5')).toBe(true);
    expect(drainsWindow('five_hour', 'claude-opus-4-5')).toBe(true);
    expect(usageForWindow(points, 'seven_day_opus').map((p) => p.at)).toEqual([3000, 2000]);
  });
});
