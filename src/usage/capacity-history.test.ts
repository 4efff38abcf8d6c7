import { describe, expect, it } from 'vitest';
import type { CalibrationSample } from './calibration.ts';
import { type CapacityPoint, capacityHistory, detectCapacityChange } from './capacity-history.ts';
import { poolCapacityChanges } from './pool-capacity-changes.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

/** Three official samples in each 5-hour window (at 20, 40, 60 %), each implying the window's capacity × (1 + jitter). */
function samplesOf(
  capacities: readonly number[],
  jitter: (w: number, i: number) => number = () => 0,
): CalibrationSample[] {
  return capacities.flatMap((capacity, w) =>
    [20, 40, 60].map((pct, i) => {
      const tokens = capacity * (1 + jitter(w, i));
      return {
        at: T0 + w * 6 * HOUR + (i + 1) * HOUR,
        window: 'five_hour',
        kind: 'official',
        source: 'statusline',
        utilization: pct,
        implied_capacity: tokens,
        implied_capacity_usd: tokens / 100_000,
        implied_capacity_tokens: tokens,
        unit: 'tokens',
        status: 'accepted',
        reason: null,
        window_end: T0 + w * 6 * HOUR + 5 * HOUR,
      } satisfies CalibrationSample;
    }),
  );
}

const tokensOf = (samples: CalibrationSample[]): CapacityPoint[] => capacityHistory(samples).five_hour?.tokens ?? [];

describe('capacity history', () => {
  it('is one point per window: the median of its samples, their spread and count', () => {
    const points = tokensOf(samplesOf([1_000_000, 2_000_000], (_w, i) => [0, 0.1, -0.1][i] as number));
    expect(points).toEqual([
      { at: T0 + HOUR, capacity: 1_000_000, spread: 0.14826, samples: 3 },
      { at: T0 + 7 * HOUR, capacity: 2_000_000, spread: 0.14826, samples: 3 },
    ]);
    expect(capacityHistory(samplesOf([1_000_000])).five_hour?.usd).toEqual([
      { at: T0 + HOUR, capacity: 10, spread: 0, samples: 3 },
    ]);
  });

  it('finds a 50 % step with four windows on each side: exact before, after and start', () => {
    const points = tokensOf(samplesOf([...Array(4).fill(1_000_000), ...Array(4).fill(500_000)]));
    expect(detectCapacityChange(points)).toEqual({
      before: 1_000_000,
      after: 500_000,
      change_pct: -50,
      since: T0 + 4 * 6 * HOUR + HOUR,
      confidence: 'medium',
      windows_before: 4,
      windows_after: 4,
    });
  });

  it('says high confidence with eight noisy windows each side, and the step where it is', () => {
    const noise = (w: number, i: number) => (((w * 7 + i * 3) % 9) - 4) / 100; // within ±4 %
    const points = tokensOf(samplesOf([...Array(8).fill(1_000_000), ...Array(8).fill(1_500_000)], noise));
    const change = detectCapacityChange(points);
    expect([change?.since, change?.confidence, change?.windows_before, change?.windows_after]).toEqual([
      T0 + 8 * 6 * HOUR + HOUR,
      'high',
      8,
      8,
    ]);
    expect(Math.round(change?.change_pct ?? 0)).toBe(50);
  });

  it('finds nothing in noise within the spread, nor in a step smaller than 15 %, nor with three windows after', () => {
    const noise = (w: number, i: number) => (((w * 5 + i * 11) % 21) - 10) / 100; // ±10 % around one capacity
    expect(detectCapacityChange(tokensOf(samplesOf(Array(16).fill(1_000_000), noise)))).toBeNull();
    expect(
      detectCapacityChange(tokensOf(samplesOf([...Array(6).fill(1_000_000), ...Array(6).fill(880_000)]))),
    ).toBeNull();
    expect(
      detectCapacityChange(tokensOf(samplesOf([...Array(6).fill(1_000_000), ...Array(3).fill(500_000)]))),
    ).toBeNull();
  });

  it('does not find a recorded step again, and finds the next one against it', () => {
    const points = tokensOf(
      samplesOf([...Array(4).fill(1_000_000), ...Array(4).fill(500_000), ...Array(4).fill(750_000)]),
    );
    const first = T0 + 4 * 6 * HOUR + HOUR;
    const next = detectCapacityChange(points, first);
    expect([next?.before, next?.after, next?.change_pct, next?.since]).toEqual([
      500_000,
      750_000,
      50,
      T0 + 8 * 6 * HOUR + HOUR,
    ]);
    expect(detectCapacityChange(points.slice(0, 10), first)).toBeNull();
  });
});

describe('pooled per plan', () => {
  it('counts each account once (its latest change) and takes the medians', () => {
    const accounts = [
      { id: 'a', plan: 'max' },
      { id: 'b', plan: 'max' },
      { id: 'c', plan: 'max' },
      { id: 'd', plan: 'pro' },
    ];
    const pooled = poolCapacityChanges(accounts, [
      { account_id: 'a', window: 'five_hour', change_pct: 40, since: 1 },
      { account_id: 'a', window: 'five_hour', change_pct: -20, since: 100 },
      { account_id: 'b', window: 'five_hour', change_pct: -24, since: 300 },
      { account_id: 'd', window: 'seven_day', change_pct: -10, since: 50 },
      { account_id: 'gone', window: 'five_hour', change_pct: -90, since: 50 },
    ]);
    expect(pooled).toEqual([
      { plan: 'max', window: 'five_hour', accounts: 2, of: 3, change_pct: -22, since: 200, account_ids: ['a', 'b'] },
      { plan: 'pro', window: 'seven_day', accounts: 1, of: 1, change_pct: -10, since: 50, account_ids: ['d'] },
    ]);
  });
});
