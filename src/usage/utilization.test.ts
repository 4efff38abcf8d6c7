import { describe, expect, it } from 'vitest';
import type { LimitEvent, OfficialObservation, UsagePoint, WindowBounds } from './limit-types.ts';
import { usageSeries } from './usage-series.ts';
import { type UtilizationInput, windowUtilization } from './utilization.ts';

const t = (hhmm: string) => Date.parse(`2026-12-01T${hhmm}:00Z`);
const bounds: WindowBounds = {
  kind: 'five_hour',
  start: t('10:00'),
  end: t('15:00'),
  source: 'official',
  extrapolated: false,
  active: true,
  note: 'official reset',
};
const usage: UsagePoint[] = [
  { at: t('10:30'), model: 'claude-opus-4-5', usd: 20, tokens: 2000 },
  { at: t('11:30'), model: 'claude-opus-4-5', usd: 5, tokens: 500 },
  { at: t('12:00'), model: 'claude-opus-4-5', usd: 2.5, tokens: 250 },
];
const official: OfficialObservation = {
  at: t('11:00'),
  window: 'five_hour',
  utilization: 25,
  resetsAt: t('15:00'),
  source: 'oauth',
};

function input(over: Partial<UtilizationInput>): UtilizationInput {
  return {
    bounds,
    now: t('12:10'),
    unit: 'usd',
    series: usageSeries(usage),
    officials: [],
    events: [],
    handSet: null,
    calibration: null,
    planDefault: null,
    ...over,
  };
}

describe('utilisation', () => {
  it('extends the official percentage by the usage since, over the calibrated capacity', () => {
    const u = windowUtilization(
      input({ officials: [official], calibration: { estimate: 80, confidence: 'medium' }, planDefault: 35 }),
    );
    expect(u).toMatchObject({
      used: 27.5,
      used_tokens: 2750,
      limit: 80,
      limit_source: 'calibrated',
      utilization: 34.375, // 25 + 7.5 / 80 × 100
      source: 'official',
      as_of: t('12:10'),
      confidence: 'medium',
      official_at: t('11:00'),
    });
    expect(u.expected_pct).toBeCloseTo(43.333, 3);
  });

  it('is exact with high confidence right after an observation', () => {
    const u = windowUtilization(input({ now: t('11:10'), officials: [official] }));
    expect(u).toMatchObject({
      utilization: 25,
      source: 'official',
      confidence: 'high',
      limit: 80,
      limit_source: 'official',
    });
  });

  it('ignores an official figure of the previous window', () => {
    const old: OfficialObservation = { ...official, at: t('09:00'), resetsAt: t('10:00'), utilization: 90 };
    const u = windowUtilization(input({ officials: [old], handSet: 50 }));
    expect(u).toMatchObject({
      utilization: 55,
      source: 'configured',
      limit_source: 'configured',
      confidence: 'medium',
    });
  });

  it('takes the limit in order hand-set, calibrated, plan default', () => {
    const calibration = { estimate: 110, confidence: 'high' as const };
    expect(windowUtilization(input({ handSet: 50, calibration, planDefault: 35 })).utilization).toBe(55);
    expect(windowUtilization(input({ calibration, planDefault: 35 }))).toMatchObject({
      utilization: 25,
      source: 'calibrated',
      confidence: 'high',
    });
    expect(windowUtilization(input({ planDefault: 55 }))).toMatchObject({
      utilization: 50,
      source: 'estimated',
      confidence: 'low',
    });
    expect(windowUtilization(input({}))).toMatchObject({ utilization: null, limit: null, source: 'estimated' });
  });

  it('counts a hit as 100% at its instant, and the window as limited until it resets', () => {
    const hit: LimitEvent = {
      at: t('12:05'),
      kind: 'hit_limit',
      window: 'five_hour',
      resetsAt: t('15:00'),
      source: 'hook',
    };
    const u = windowUtilization(input({ officials: [official], events: [hit], handSet: 50 }));
    expect(u).toMatchObject({ utilization: 100, limited: true, source: 'official', official_at: t('12:05') });
  });
});
