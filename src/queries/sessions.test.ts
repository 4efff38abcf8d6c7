import { describe, expect, it } from 'vitest';
import { startOfDayIn, trackingStatus } from './machines.ts';
import { contextWindowOf } from './sessions.ts';

describe('context windows and tracking status', () => {
  it('gives 1M tokens to [1m] / -1m models and to requests over 200k, 200k to the rest', () => {
    expect(
      [
        contextWindowOf('claude-sonnet-4-5[1m]', 10),
        contextWindowOf('claude-sonnet-4-5-context-1m', 10),
        contextWindowOf('claude-opus-4-1', 250_000),
        contextWindowOf('claude-opus-4-1', 199_999),
        contextWindowOf('claude-3-5-haiku-20241022', 0),
      ].map((w) => `${w.size} ${w.rule}`),
    ).toEqual(['1000000 model_name', '1000000 model_name', '1000000 over_200k', '200000 standard', '200000 standard']);
  });

  it('follows the /validate rules: 5 minutes active, an hour recent, then stale', () => {
    const now = 10_000_000;
    expect([0, 5, 6, 60, 61].map((m) => trackingStatus(now - m * 60_000, now))).toEqual([
      'active',
      'active',
      'recent',
      'recent',
      'stale',
    ]);
  });

  it('finds midnight in a zone', () => {
    const at = Date.parse('2026-12-01T20:30:00Z');
    expect(
      [startOfDayIn(at, 'UTC'), startOfDayIn(at, 'Europe/Berlin'), startOfDayIn(at, 'America/New_York')].map((ms) =>
        new Date(ms).toISOString(),
      ),
    ).toEqual(['2026-12-01T00:00:00.000Z', '2026-11-30T23:00:00.000Z', '2026-12-01T05:00:00.000Z']);
  });
});
