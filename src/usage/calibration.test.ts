import { describe, expect, it } from 'vitest';
import { type CalibrationInput, calibrate } from './calibration.ts';
import { FIVE_HOURS, type LimitEvent, type OfficialObservation, type UsagePoint } from './limit-types.ts';
import { usageSeries } from './usage-series.ts';

const HOUR = 3_600_000;
const day = (n: number) => Date.parse('2026-11-01T00:00:00Z') + n * 86_400_000;

/** One five-hour window per day, resetting at 12:00; usage at 08:00, an official 50% at 09:00. */
function windowsWithUsage(usdPerWindow: number[]): { usage: UsagePoint[]; officials: OfficialObservation[] } {
  const usage: UsagePoint[] = [];
  const officials: OfficialObservation[] = [];
  usdPerWindow.forEach((usd, i) => {
    const reset = day(i) + 12 * HOUR;
    usage.push({ at: reset - 4 * HOUR, model: 'claude-sonnet-4-5', usd, tokens: 5000 });
    officials.push({
      at: reset - 3 * HOUR,
      window: 'five_hour',
      utilization: 50,
      resetsAt: reset,
      source: 'statusline',
    });
  });
  return { usage, officials };
}

function input(usage: UsagePoint[], officials: OfficialObservation[], events: LimitEvent[] = []): CalibrationInput {
  return {
    kind: 'five_hour',
    unit: 'usd',
    series: usageSeries(usage),
    officials,
    events,
    period: FIVE_HOURS,
    windowAt: (at) => ({ start: Math.floor(at / HOUR) * HOUR, end: Math.floor(at / HOUR) * HOUR + FIVE_HOURS }),
  };
}

describe('calibration', () => {
  it('implies capacity = used ÷ utilisation and takes the median, with spread, confidence and the steadier unit', () => {
    const { usage, officials } = windowsWithUsage([50, 52.5, 47.5, 51]);
    const c = calibrate(input(usage, officials));
    expect(c.samples.map((s) => s.implied_capacity)).toEqual([100, 105, 95, 102]);
    expect(c.estimate).toBe(101);
    expect(c.spread).toBeCloseTo((1.4826 * 2.5) / 101, 10);
    expect(c.confidence).toBe('medium');
    expect(c.steadier_unit).toBe('tokens'); // 10,000 tokens in every window: no spread at all
    expect(c.rejected).toEqual([]);
  });

  it('rejects an outlier beyond 3 scaled MADs of the recent median, with its reason, and returns it', () => {
    const { usage, officials } = windowsWithUsage([50, 52.5, 47.5, 51, 200]);
    const c = calibrate(input(usage, officials));
    expect(c.samples.map((s) => s.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'rejected']);
    expect(c.rejected).toHaveLength(1);
    expect(c.rejected[0]?.implied_capacity).toBe(400);
    expect(c.rejected[0]?.reason).toBe(
      'implied capacity 400 usd is 59.2 scaled MADs from the median 101 of the last 4 accepted samples (at most 3 allowed)',
    );
    expect(c.estimate).toBe(101);
  });

  it('starts afresh at a recorded capacity change: the new capacity is learnt, not rejected', () => {
    const { usage, officials } = windowsWithUsage([50, 50, 50, 50, 25, 25, 25, 25]);
    const before = calibrate(input(usage, officials));
    expect([before.estimate, before.rejected.length]).toEqual([100, 4]);
    const after = calibrate({ ...input(usage, officials), regimeSince: day(4) });
    expect([after.estimate, after.rejected, after.samples.map((s) => s.status)]).toEqual([
      50,
      [],
      Array(8).fill('accepted'),
    ]);
  });

  it('does not reject anything before 3 samples are accepted', () => {
    const { usage, officials } = windowsWithUsage([50, 200]);
    const c = calibrate(input(usage, officials));
    expect(c.samples.map((s) => s.status)).toEqual(['accepted', 'accepted']);
    expect(c.confidence).toBe('low');
  });

  it('skips observations below 5% and keeps one sample per window and percentage', () => {
    const { usage, officials } = windowsWithUsage([50]);
    const reset = officials[0]?.resetsAt as number;
    const more: OfficialObservation[] = [
      { at: reset - 4 * HOUR + 60_000, window: 'five_hour', utilization: 4, resetsAt: reset, source: 'statusline' },
      { at: reset - 2 * HOUR, window: 'five_hour', utilization: 50, resetsAt: reset + 2000, source: 'statusline' },
    ];
    const c = calibrate(input(usage, [...officials, ...more]));
    expect(c.samples).toHaveLength(1);
  });

  it('takes a hit as 100% and a New Window mark as an anchor without capacity', () => {
    const usage: UsagePoint[] = [{ at: day(0) + 8 * HOUR, model: 'claude-opus-4-5', usd: 90, tokens: 1000 }];
    const events: LimitEvent[] = [
      {
        at: day(0) + 9 * HOUR,
        kind: 'hit_limit',
        window: 'five_hour',
        resetsAt: day(0) + 12 * HOUR,
        source: 'transcript',
      },
      { at: day(0) + 12 * HOUR, kind: 'new_window', window: 'five_hour', resetsAt: null, source: 'dashboard' },
    ];
    const c = calibrate(input(usage, [], events));
    expect(c.samples.map((s) => [s.kind, s.status, s.implied_capacity, s.reason])).toEqual([
      ['hit_limit', 'accepted', 90, null],
      ['new_window', 'anchor', null, 'marks a window start; no capacity'],
    ]);
    expect(c.estimate).toBe(90);
  });

  it('keeps samples from the history as they were and reports only new rejections', () => {
    const { usage, officials } = windowsWithUsage([50, 52.5, 47.5, 51, 200]);
    const first = calibrate(input(usage, officials));
    const again = calibrate({ ...input(usage, officials), history: first.samples });
    expect(again.samples).toHaveLength(5);
    expect(again.rejected).toEqual([]);
  });
});
