import { describe, expect, it } from 'vitest';
import {
  inDisplayOrder,
  isBlocking,
  opensOnActivity,
  parsePlanId,
  planDefaultLimit,
  planLabel,
  planWindows,
  windowLabel,
  windowOrder,
  windowShortLabel,
} from './plans.ts';
import { windowKinds } from './windows.ts';

describe('plan defaults', () => {
  it('reads the five-hour and weekly estimates from the data file', () => {
    expect(planDefaultLimit('max', 'five_hour', 'usd')).toBe(35);
    expect(planDefaultLimit('ultra', 'seven_day', 'tokens')).toBe(1320000);
    expect(planDefaultLimit('pro', 'seven_day', 'usd')).toBe(108);
  });

  it('has none for api and custom plans, per-model buckets or the month', () => {
    expect(planDefaultLimit('api', 'five_hour', 'usd')).toBe(null);
    expect(planDefaultLimit('custom', 'seven_day', 'tokens')).toBe(null);
    expect(planDefaultLimit('ultra', 'seven_day_opus', 'usd')).toBe(null);
    expect(planDefaultLimit('ultra', 'monthly', 'usd')).toBe(null);
  });
});

describe('the plan table', () => {
  it('names every window kind, per-model buckets by their model', () => {
    expect(windowLabel('five_hour')).toBe('5-hour window');
    expect(windowLabel('seven_day')).toBe('Week (all models)');
    expect(windowLabel('seven_day_opus')).toBe('Week (Opus)');
    expect(windowLabel('monthly')).toBe('Month');
    expect(windowLabel('spend_limit')).toBe('Spend limit');
    expect(windowLabel('something_new')).toBe('something_new');
    expect(windowShortLabel('seven_day_sonnet')).toBe('7d sonnet');
  });

  it('orders windows: 5-hour, week, buckets by name, month, spend, unknown last', () => {
    expect(
      inDisplayOrder(['monthly', 'zz', 'spend_limit', 'seven_day_sonnet', 'seven_day', 'seven_day_opus', 'five_hour']),
    ).toEqual(['five_hour', 'seven_day', 'seven_day_opus', 'seven_day_sonnet', 'monthly', 'spend_limit', 'zz']);
    expect(windowOrder('seven_day_opus')).toBe(windowOrder('seven_day_sonnet'));
  });

  it('says which windows block work and which open on activity', () => {
    expect(['five_hour', 'seven_day', 'seven_day_opus', 'monthly'].filter(isBlocking)).toEqual([
      'five_hour',
      'seven_day',
    ]);
    expect(['five_hour', 'seven_day', 'monthly'].filter(opensOnActivity)).toEqual(['five_hour']);
  });

  it('gives each plan its windows and a label', () => {
    expect(planWindows('pro')).toEqual(['five_hour', 'seven_day', 'monthly']);
    expect(planLabel('team_premium')).toBe('Team Premium');
    expect(planLabel('unknown')).toBe('unknown');
  });

  it('windowKinds takes the plan’s windows and adds the buckets seen, in display order', () => {
    const opus = { at: 1, window: 'seven_day_opus' as const, utilization: 5, resetsAt: null, source: 'oauth' as const };
    expect(windowKinds('pro', [opus], [], { seven_day_haiku: 10 })).toEqual([
      'five_hour',
      'seven_day',
      'seven_day_haiku',
      'seven_day_opus',
      'monthly',
    ]);
  });
});

describe('the plans of late 2026', () => {
  it('has Max and Ultra, and reads the ids from before the rename as them', () => {
    expect(['max5', 'max20', 'max', 'ultra', 'team_premium', 'max40'].map(parsePlanId)).toEqual([
      'max',
      'ultra',
      'max',
      'ultra',
      'team_premium',
      null,
    ]);
    expect([planLabel('max'), planLabel('ultra')]).toEqual(['Max (formerly Max 5x)', 'Ultra (formerly Max 20x)']);
  });

  it('gives Ultra no 5-hour window and no 5-hour default', () => {
    expect(planWindows('ultra')).toEqual(['seven_day', 'monthly']);
    expect(planDefaultLimit('ultra', 'five_hour', 'usd')).toBe(null);
    expect(windowKinds('ultra', [], [], undefined)).toEqual(['seven_day', 'monthly']);
  });
});
