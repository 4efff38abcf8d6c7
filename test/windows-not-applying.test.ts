import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatusLineRateLimits } from '../src/official/parse-official-usage.ts';
import type { AccountEvaluation } from '../src/usage/evaluate-account.ts';
import { evaluateAccount } from '../src/usage/evaluate-account.ts';
import type { AccountSettings, OfficialObservation, PlanId, UsagePoint } from '../src/usage/limit-types.ts';
import { paceOf } from '../src/usage/pace.ts';

/**
 * Issue 21.2: a window the plan does not have (Ultra: no 5-hour window), or that two successive
 * official readings did not carry (the recorded status line below has `seven_day` only), is not
 * evaluated: no figure, no forecast, nothing pace or alerts could count; a later reading that has
 * it brings it back.
 */
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'limits', 'statusline-no-five-hour.json'), 'utf8'),
) as { rate_limits: unknown };
const MIN = 60_000;
const now = Date.parse('2026-12-05T12:00:00Z');
const settings = (plan: PlanId): AccountSettings => ({
  plan,
  unit: 'usd',
  weeklyReset: { weekday: 1, hour: 9, timeZone: 'UTC' },
  monthStartDay: 1,
  seat: null,
});
const usage: UsagePoint[] = [{ at: now - 30 * MIN, model: 'claude-opus-4-5', usd: 30, tokens: 30_000 }];
/** The status line's windows, as the server records them, at `at`. */
const reading = (rateLimits: unknown, at: number): OfficialObservation[] =>
  parseStatusLineRateLimits(rateLimits).windows.map((w) => ({
    at,
    window: w.window as OfficialObservation['window'],
    utilization: w.utilization,
    resetsAt: w.resetsAt,
    source: 'statusline',
  }));
const withFiveHour = {
  ...(fixture.rate_limits as object),
  five_hour: { used_percentage: 20, resets_at: now / 1000 + 3600 },
};
const kinds = (e: AccountEvaluation) => ({ windows: Object.keys(e.windows), absent: e.notApplicable });

describe('windows that do not apply', () => {
  it('gives an Ultra account no 5-hour window, whatever its usage', () => {
    const e = evaluateAccount({ now, settings: settings('ultra'), usage, officials: [], events: [] });
    expect(kinds(e)).toEqual({
      windows: ['seven_day', 'monthly'],
      absent: { five_hour: 'no 5-hour limit on this plan (Ultra (formerly Max 20x))' },
    });
    expect(paceOf({ id: 1, uuid: null, label: 'u', evaluation: e }).blocked_by).toEqual([]);
  });

  it('drops the 5-hour window after two status-line readings without it, and brings it back with one that has it', () => {
    const one = reading(fixture.rate_limits, now - 20 * MIN);
    const two = reading(fixture.rate_limits, now - 10 * MIN);
    expect(one.map((o) => o.window)).toEqual(['seven_day']);
    const once = evaluateAccount({ now, settings: settings('max'), usage, officials: one, events: [] });
    const twice = evaluateAccount({ now, settings: settings('max'), usage, officials: [...one, ...two], events: [] });
    const back = evaluateAccount({
      now,
      settings: settings('max'),
      usage,
      officials: [...one, ...two, ...reading(withFiveHour, now - 5 * MIN)],
      events: [],
    });
    expect([kinds(once), kinds(twice), kinds(back)]).toEqual([
      { windows: ['five_hour', 'seven_day', 'monthly'], absent: {} },
      {
        windows: ['seven_day', 'monthly'],
        absent: { five_hour: 'no 5-hour limit on this plan: the last two official readings (statusline) had none' },
      },
      { windows: ['five_hour', 'seven_day', 'monthly'], absent: {} },
    ]);
  });
});
