import { describe, expect, it } from 'vitest';
import { planDefaultLimit } from './plans.ts';

describe('plan defaults', () => {
  it('reads the five-hour and weekly estimates from the data file', () => {
    expect(planDefaultLimit('max5', 'five_hour', 'usd')).toBe(35);
    expect(planDefaultLimit('max20', 'five_hour', 'tokens')).toBe(220000);
    expect(planDefaultLimit('pro', 'seven_day', 'usd')).toBe(108);
  });

  it('has none for api and custom plans, per-model buckets or the month', () => {
    expect(planDefaultLimit('api', 'five_hour', 'usd')).toBe(null);
    expect(planDefaultLimit('custom', 'seven_day', 'tokens')).toBe(null);
    expect(planDefaultLimit('max20', 'seven_day_opus', 'usd')).toBe(null);
    expect(planDefaultLimit('max20', 'monthly', 'usd')).toBe(null);
  });
});
