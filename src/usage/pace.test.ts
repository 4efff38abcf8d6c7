import { describe, expect, it } from 'vitest';
import { evaluateAccount } from './evaluate-account.ts';
import type { AccountSettings, LimitEvent, UsagePoint } from './limit-types.ts';
import { type PaceAccountInput, recommendAccount } from './pace.ts';

const t = (iso: string) => Date.parse(iso);
const now = t('2026-12-02T12:00:00Z'); // Wednesday: 51 h into a week starting Monday 09:00

function account(
  label: string,
  weekday: number,
  hour: number,
  fiveHour: number,
  weekly: number,
  usd: number,
  events: LimitEvent[] = [],
): PaceAccountInput {
  const settings: AccountSettings = {
    plan: 'custom',
    unit: 'usd',
    limits: { five_hour: fiveHour, seven_day: weekly },
    weeklyReset: { weekday, hour, timeZone: 'UTC' },
    monthStartDay: 1,
    seat: null,
  };
  const usage: UsagePoint[] = [{ at: t('2026-12-02T10:30:00Z'), model: 'claude-sonnet-4-5', usd, tokens: 0 }];
  return {
    id: label,
    uuid: `uuid-${label}`,
    label,
    evaluation: evaluateAccount({ now, settings, usage, officials: [], events }),
  };
}

describe('pace', () => {
  it('never recommends a blocked account, and says until when it is blocked', () => {
    const personal = account('Personal Max', 1, 9, 10, 1000, 12); // 120% of its five-hour window
    const team = account('Team seat', 1, 9, 100, 100, 20);
    const pace = recommendAccount([personal, team], now);
    expect(pace.recommended_account).toEqual({ id: 'Team seat', uuid: 'uuid-Team seat', label: 'Team seat' });
    expect(pace.reason).toBe('use Team seat: 10% weekly slack; Personal Max is blocked until 15:00');
    expect(pace.accounts[0]).toMatchObject({
      blocked: true,
      blocked_until: t('2026-12-02T15:00:00Z'),
      blocked_by: ['five_hour'],
    });
    expect(pace.accounts[1]?.weekly_expected_pct).toBeCloseTo((51 / 168) * 100, 9);
    expect(pace.accounts[1]?.weekly_slack_pct).toBeCloseTo((51 / 168) * 100 - 20, 9);
  });

  it('recommends nobody when every account is blocked', () => {
    const pace = recommendAccount([account('A', 1, 9, 10, 1000, 12)], now);
    expect(pace.recommended_account).toBe(null);
    expect(pace.reason).toBe('every account is blocked: A is blocked until 15:00');
  });

  it('prefers the most weekly slack', () => {
    const monday = account('Monday', 1, 9, 100, 100, 20); // slack 30.36 − 20 = 10.36
    const tuesday = account('Tuesday', 2, 12, 100, 100, 2); // 24 h in: slack 14.29 − 2 = 12.29
    expect(recommendAccount([monday, tuesday], now).recommended_account?.id).toBe('Tuesday');
  });

  it('breaks a tie (slack within 1 point) toward the soonest weekly reset', () => {
    const monday = account('Monday', 1, 9, 100, 100, 20); // slack 10.36, resets 2026-12-07 09:00
    const tuesday = account('Tuesday', 2, 12, 100, 100, 4); // slack 10.29, resets 2026-12-08 12:00
    expect(recommendAccount([tuesday, monday], now).recommended_account?.id).toBe('Monday');
  });

  it('blocks an account after a hit that has not reset, even below 100%', () => {
    const hit: LimitEvent = {
      at: t('2026-12-02T11:00:00Z'),
      kind: 'hit_limit',
      window: 'five_hour',
      resetsAt: t('2026-12-02T13:00:00Z'),
      source: 'hook',
    };
    const hitAccount = account('Hit', 1, 9, 100, 100, 1, [hit]);
    const pace = recommendAccount([hitAccount, account('Other', 1, 9, 100, 100, 50)], now);
    expect(pace.accounts[0]).toMatchObject({
      blocked: true,
      blocked_until: t('2026-12-02T13:00:00Z'),
      blocked_by: ['five_hour'],
    });
    expect(pace.reason).toBe(
      'use Other: 20% over its weekly pace, the least of the accounts not blocked; Hit is blocked until 13:00',
    );
  });
});
