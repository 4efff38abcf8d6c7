import { describe, expect, it } from 'vitest';
import { evaluateAccount } from './evaluate-account.ts';
import type { AccountSettings, OfficialObservation, UsagePoint } from './limit-types.ts';

const t = (iso: string) => Date.parse(iso);
const now = t('2026-12-02T12:00:00Z'); // a Wednesday
const settings: AccountSettings = {
  plan: 'max',
  unit: 'usd',
  weeklyReset: { weekday: 1, hour: 9, timeZone: 'UTC' },
  monthStartDay: 1,
  seat: null,
};
const usage: UsagePoint[] = [
  { at: t('2026-12-02T10:00:00Z'), model: 'claude-opus-4-5', usd: 10, tokens: 1000 },
  { at: t('2026-12-02T10:30:00Z'), model: 'claude-sonnet-4-5', usd: 6, tokens: 3000 },
  { at: t('2026-12-02T11:30:00Z'), model: 'claude-opus-4-5', usd: 4, tokens: 400 },
];
const weeklyReset = t('2026-12-07T09:00:00Z');
const officials: OfficialObservation[] = [
  {
    at: t('2026-12-02T11:00:00Z'),
    window: 'five_hour',
    utilization: 40,
    resetsAt: t('2026-12-02T14:00:00Z'),
    source: 'statusline',
  },
  { at: t('2026-12-02T11:00:00Z'), window: 'seven_day', utilization: 20, resetsAt: weeklyReset, source: 'statusline' },
  {
    at: t('2026-12-02T11:00:00Z'),
    window: 'seven_day_opus',
    utilization: 25,
    resetsAt: weeklyReset + 1000,
    source: 'oauth',
  },
];

describe('evaluateAccount', () => {
  const e = evaluateAccount({ now, settings, usage, officials, events: [] });

  it('answers every window, per-model buckets included, in order', () => {
    expect(Object.keys(e.windows)).toEqual(['five_hour', 'seven_day', 'seven_day_opus', 'monthly']);
    expect(Object.keys(e.calibration)).toEqual(['five_hour', 'seven_day', 'seven_day_opus']);
    expect(e.rejected).toEqual([]);
  });

  it('extends the official five-hour figure with the usage since, over the capacity it implies', () => {
    expect(e.windows.five_hour).toMatchObject({
      window_start: t('2026-12-02T09:00:00Z'),
      resets_at: t('2026-12-02T14:00:00Z'),
      window_source: 'official',
      used: 20,
      used_usd: 20,
      used_tokens: 4400,
      limit: 40, // 16 usd at 40%
      limit_source: 'calibrated',
      utilization: 50, // 40 + 4 / 40 × 100
      source: 'official',
      as_of: now,
      confidence: 'low',
      expected_pct: 60,
    });
  });

  it("drains a model's bucket and the all-models week with that model's usage", () => {
    expect(e.windows.seven_day_opus).toMatchObject({ used: 14, limit: 40, utilization: 35 }); // 25 + 4 / 40 × 100
    expect(e.windows.seven_day).toMatchObject({ used: 20, limit: 80, utilization: 25 }); // 20 + 4 / 80 × 100
  });

  it('has a forecast per window', () => {
    // The last day's 20 usd over 24 h is 1.04% of 80 an hour: the remaining 75% go in 72 h, before the reset.
    expect(e.windows.seven_day.forecast).toMatchObject({
      resets_at: weeklyReset,
      resets_first: false,
      hits_cap_at: t('2026-12-05T12:00:00Z'),
      verdict: 'will_hit_cap',
    });
  });

  it('answers an account with only a configured weekly anchor from the plan default, and says so', () => {
    const only = evaluateAccount({ now, settings, usage, officials: [], events: [] });
    expect(only.windows.seven_day).toMatchObject({
      window_start: t('2026-11-30T09:00:00Z'),
      resets_at: t('2026-12-07T09:00:00Z'),
      window_source: 'configured',
      note: 'configured weekly reset (Monday 09:00 UTC): no official reset seen',
      limit: 210,
      limit_source: 'estimated',
      source: 'estimated',
      confidence: 'low',
    });
    expect(only.windows.five_hour).toMatchObject({
      window_start: t('2026-12-02T10:00:00Z'),
      window_source: 'estimated',
      utilization: (20 * 100) / 35,
    });
    expect(only.windows.monthly).toMatchObject({
      window_start: t('2026-12-01T00:00:00Z'),
      used: 20,
      utilization: null,
    });
  });

  it("takes a team seat's per-seat cap as its monthly limit", () => {
    const seat = evaluateAccount({
      now,
      settings: { ...settings, plan: 'team', seat: { perSeatCap: 80 } },
      usage,
      officials: [],
      events: [],
    });
    expect(seat.windows.monthly).toMatchObject({ limit: 80, limit_source: 'configured', utilization: 25 });
  });
});
