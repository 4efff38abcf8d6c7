import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatusLineRateLimits, parseUsageAnswer } from '../official/parse-official-usage.ts';
import { windowAlerts } from '../webhooks/alert-rules.ts';
import { evaluateAccount } from './evaluate-account.ts';
import type { AccountSettings, OfficialObservation } from './limit-types.ts';

/**
 * Issue 21.3: the status line's rate_limits.spend_limit and the OAuth answer's extra_usage are
 * the account's spend_limit window. Recorded shapes in test/fixtures/limits/.
 */
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/limits', name), 'utf8'));
const statusLine = fixture('statusline-with-spend-limit.json') as { rate_limits: Record<string, unknown> };
const oauth = fixture('oauth-usage-extra-usage.json');
const now = Date.parse('2026-12-05T12:00:00Z');
const settings: AccountSettings = {
  plan: 'max',
  unit: 'tokens',
  weeklyReset: { weekday: 1, hour: 9, timeZone: 'UTC' },
  monthStartDay: 1,
  seat: null,
};
/** The status line's reading with its reset moved after `now` (the recorded one is a fixed instant). */
const rateLimits = {
  ...statusLine.rate_limits,
  spend_limit: {
    ...(statusLine.rate_limits.spend_limit as object),
    resets_at: Date.parse('2027-01-01T00:00:00Z') / 1000,
  },
};
const observed = (
  windows: ReturnType<typeof parseUsageAnswer>['windows'],
  at: number,
  source: OfficialObservation['source'],
) =>
  windows.map((w) => ({
    at,
    window: w.window as OfficialObservation['window'],
    utilization: w.utilization,
    resetsAt: w.resetsAt,
    source,
    ...(w.spend ? { spend: w.spend } : {}),
  }));

describe('spend limits', () => {
  it('parses the status line spend_limit (dollars, may pass 100 %) and the OAuth extra_usage (cents)', () => {
    const sl = parseStatusLineRateLimits(statusLine.rate_limits).windows.find((w) => w.window === 'spend_limit');
    expect(sl && { u: sl.utilization, r: sl.resetsAt, spend: sl.spend }).toEqual({
      u: 104.2,
      r: 1767225600000,
      spend: { usedUsd: 520.98, limitUsd: 500, period: 'monthly' },
    });
    const ex = parseUsageAnswer(oauth).windows.find((w) => w.window === 'spend_limit');
    expect(ex && { u: ex.utilization, r: ex.resetsAt, spend: ex.spend }).toEqual({
      u: 24.68,
      r: null,
      spend: { usedUsd: 12.34, limitUsd: 50, period: 'monthly' },
    });
    expect(
      parseUsageAnswer({
        ...oauth,
        extra_usage: { is_enabled: false, monthly_limit: null, used_credits: null },
      }).windows.map((w) => w.window),
    ).toEqual(['five_hour', 'seven_day', 'seven_day_opus']);
    // An older status line (2.1.251–2.1.283): a percentage and a reset, no dollars.
    const older = parseStatusLineRateLimits({ spend_limit: { used_percentage: 40, resets_at: 1767225600 } }).windows[0];
    expect(older?.spend).toEqual({ usedUsd: null, limitUsd: null, period: null });
  });

  it('evaluates the window from the latest reading: utilization past 100, dollars, period, reset, limited', () => {
    const e = evaluateAccount({
      now,
      settings,
      usage: [],
      officials: observed(parseStatusLineRateLimits(rateLimits).windows, now - 60_000, 'statusline'),
      events: [],
    });
    const w = e.windows.spend_limit;
    expect(
      w && {
        utilization: w.utilization,
        used_usd: w.used_usd,
        limit: w.limit,
        spend: w.spend,
        resets_at: new Date(w.resets_at).toISOString(),
        source: w.source,
        limited: w.limited,
      },
    ).toEqual({
      utilization: 104.2,
      used_usd: 520.98,
      limit: 500,
      spend: { usedUsd: 520.98, limitUsd: 500, period: 'monthly' },
      resets_at: '2027-01-01T00:00:00.000Z',
      source: 'official',
      limited: true,
    });
    expect(Object.keys(e.windows)).toEqual(['five_hour', 'seven_day', 'monthly', 'spend_limit']);
  });

  it('extra_usage has no reset: the calendar month; a reading past its reset shows 0 % until the next one', () => {
    const at = Date.parse('2026-12-03T08:00:00Z');
    const e = evaluateAccount({
      now,
      settings,
      usage: [],
      officials: observed(parseUsageAnswer(oauth).windows, at, 'oauth'),
      events: [],
    });
    const w = e.windows.spend_limit;
    expect(w && [w.utilization, new Date(w.window_start).toISOString(), new Date(w.resets_at).toISOString()]).toEqual([
      24.68,
      '2026-12-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
    const later = evaluateAccount({
      now: Date.parse('2027-01-02T00:00:00Z'),
      settings,
      usage: [],
      officials: observed(parseUsageAnswer(oauth).windows, at, 'oauth'),
      events: [],
    });
    expect(
      later.windows.spend_limit && [later.windows.spend_limit.utilization, later.windows.spend_limit.used_usd],
    ).toEqual([0, 0]);
  });

  it('raises limit_approaching and limit_hit for it, once', () => {
    const step = (pct: number, at: number) => {
      const officials = observed(
        parseStatusLineRateLimits({
          spend_limit: { ...(rateLimits.spend_limit as object), used_percentage: pct, used_usd: pct * 5 },
        }).windows,
        at,
        'statusline',
      );
      return evaluateAccount({ now: at + 1, settings, usage: [], officials, events: [] }).windows.spend_limit;
    };
    let state: Parameters<typeof windowAlerts>[0];
    const raised = [70, 85, 96, 104.2, 104.2].map((pct, i) => {
      const w = step(pct, now + i * 60_000);
      const r = windowAlerts(state, w as NonNullable<typeof w>, [80, 95], now + i * 60_000 + 1);
      state = r.next ?? undefined;
      return r.raised.map((a) => (a.type === 'limit_approaching' ? `${a.type}:${a.threshold}` : a.type));
    });
    expect(raised).toEqual([[], ['limit_approaching:80'], ['limit_approaching:95'], ['limit_hit'], []]);
  });
});
