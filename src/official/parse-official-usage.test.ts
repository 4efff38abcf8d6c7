import { describe, expect, it } from 'vitest';
import { parseStatusLineRateLimits, parseUsageAnswer, readTime } from './parse-official-usage.ts';

describe('official utilisation, every shape', () => {
  it('reads the status line rate_limits (epoch seconds)', () => {
    expect(
      parseStatusLineRateLimits({
        five_hour: { used_percentage: 42, resets_at: 1764604800 },
        seven_day: { used_percentage: 17.5, resets_at: 1765000000 },
      }),
    ).toEqual({
      windows: [
        {
          window: 'five_hour',
          utilization: 42,
          resetsAt: 1764604800000,
          raw: { used_percentage: 42, resets_at: 1764604800 },
        },
        {
          window: 'seven_day',
          utilization: 17.5,
          resetsAt: 1765000000000,
          raw: { used_percentage: 17.5, resets_at: 1765000000 },
        },
      ],
      errors: [],
    });
  });

  it('reads the OAuth flat shape, skipping null windows and extra_usage, keeping unknown keys in raw', () => {
    const parsed = parseUsageAnswer({
      five_hour: { utilization: 61.0, resets_at: '2026-01-28T07:59:59.571404+00:00', future_field: 'x' },
      seven_day: { utilization: 22.0, resets_at: '2026-02-03T09:59:59.571468+00:00' },
      seven_day_opus: null,
      seven_day_sonnet: { utilization: 1.0, resets_at: null },
      iguana_necktie: null,
      extra_usage: { is_enabled: false, monthly_limit: null, used_credits: null, utilization: null },
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.windows.map((w) => [w.window, w.utilization, w.resetsAt])).toEqual([
      ['five_hour', 61, Date.parse('2026-01-28T07:59:59.571Z')],
      ['seven_day', 22, Date.parse('2026-02-03T09:59:59.571Z')],
      ['seven_day_sonnet', 1, null],
    ]);
    expect(parsed.windows[0]?.raw).toEqual({
      utilization: 61.0,
      resets_at: '2026-01-28T07:59:59.571404+00:00',
      future_field: 'x',
    });
  });

  it('reads the limits[] list: named windows, per-model weekly buckets, windows known only by length', () => {
    const parsed = parseUsageAnswer({
      limits: [
        { type: 'five_hour', utilization: 12, resets_at: '2026-12-01T15:00:00Z' },
        { rateLimitType: 'seven_day', model: 'Opus', utilization: 30, resetsAt: 1765000000 },
        { window_seconds: 604800, utilization: 8, resets_at: '2026-12-05T09:00:00Z' },
        { type: 'seven_day_haiku' },
      ],
    });
    expect(parsed.windows.map((w) => [w.window, w.utilization, w.resetsAt])).toEqual([
      ['five_hour', 12, Date.parse('2026-12-01T15:00:00Z')],
      ['seven_day_opus', 30, 1765000000000],
      ['seven_day', 8, Date.parse('2026-12-05T09:00:00Z')],
    ]);
  });

  it('names what it cannot read, per window, and keeps the rest', () => {
    const parsed = parseUsageAnswer({
      five_hour: { utilization: 'lots', resets_at: '2026-12-01T15:00:00Z' },
      seven_day: { utilization: 5, resets_at: 'tomorrow-ish' },
      seven_day_opus: { utilization: 3 },
      limits: [{ utilization: 4 }],
    });
    expect(parsed.windows.map((w) => w.window)).toEqual(['seven_day_opus']);
    expect(parsed.errors).toEqual([
      'usage.five_hour: the percentage must be a number from 0 to 1000, got "lots"',
      'usage.seven_day: resets_at must be epoch seconds, epoch milliseconds or an ISO 8601 time, got "tomorrow-ish"',
      'usage.limits[0]: cannot tell which window it is (no type, window or window_seconds)',
    ]);
    expect(parseStatusLineRateLimits([1, 2]).errors).toEqual([
      'rate_limits must be an object of windows such as {"five_hour": {…}, "seven_day": {…}}',
    ]);
  });

  it('reads times as epoch seconds, epoch milliseconds, numeric text or ISO', () => {
    expect([
      readTime(1764604800),
      readTime(1764604800123),
      readTime('1764604800'),
      readTime('x'),
      readTime(-1),
    ]).toEqual([1764604800000, 1764604800123, 1764604800000, undefined, undefined]);
  });
});
