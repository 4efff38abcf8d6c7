import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * A timeline over HTTP with a known true capacity: an account whose 5-hour window holds
 * 1,000,000 tokens. Usage is exported over OTLP with timestamps across the last three hours,
 * the status line's official percentages are posted with past captured_at (one an outlier),
 * and the answers must follow: calibrated capacity, utilisation after further usage,
 * forecast, pace, /stats and `takt watch --once`.
 */
const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';
const MAX = 'acct-max-0001';
const TEAM = 'acct-team-0002';
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);

describe.each(dialects)('limits over HTTP on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  const now = Date.now();
  const at = (minutesAgo: number) => now - minutesAgo * MINUTE;
  const resetsAt = now + 120 * MINUTE;
  const weekAnchor = new Date(now - 24 * 60 * MINUTE);
  let seq = 0;

  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${takt.directUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${takt.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const use = async (account: string, minutesAgo: number, tokens: number) => {
    seq++;
    const logs = apiRequestLogs({ host: 'laptop', sessionId: `s-${account}`, accountUuid: account }, [
      {
        model: MODEL,
        requestId: `req_${account}_${seq}`,
        input: tokens * 0.6,
        output: tokens * 0.4,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0,
        timeMs: at(minutesAgo),
        sequence: seq,
      },
    ]);
    const r = await fetch(`${takt.directUrl}/v1/logs`, {
      method: 'POST',
      body: encodeLogs(logs),
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
    });
    expect(r.status).toBe(200);
  };
  const observe = (minutesAgo: number, fiveHourPct: number, jitterMs = 0, sevenDayPct?: number) =>
    call('POST', '/api/official-usage', {
      source: 'statusline',
      captured_at: new Date(at(minutesAgo)).toISOString(),
      account_uuid: MAX,
      rate_limits: {
        five_hour: { used_percentage: fiveHourPct, resets_at: (resetsAt + jitterMs) / 1000 },
        ...(sevenDayPct === undefined
          ? {}
          : { seven_day: { used_percentage: sevenDayPct, resets_at: (now + 3 * 86_400_000) / 1000 } }),
      },
    });

  beforeAll(async () => {
    db = await create();
    takt = await startTakt({ databaseUrl: db.url });
    // The true capacity is 1,000,000 tokens per five hours; the window resets in two hours.
    await use(MAX, 170, 100_000);
    expect((await observe(150, 10, 1000)).status).toBe(201);
    await use(MAX, 120, 150_000);
    expect((await observe(100, 25, -1500)).status).toBe(201);
    await use(MAX, 60, 250_000);
    expect((await observe(50, 50)).status).toBe(201);
    // An outlier: 80% of what was 500,000 tokens implies 625,000 — far from the rest.
    const outlier = await observe(45, 80, 2000);
    expect(outlier.body.calibration_rejected).toHaveLength(1);
    await use(MAX, 30, 100_000);
    expect((await observe(20, 60, 0, 7)).status).toBe(201);
    await use(MAX, 10, 100_000);
    await use(TEAM, 60, 500_000);

    const accounts = (await call('GET', '/api/accounts')).body.accounts as { id: string; uuid: string }[];
    const idOf = (uuid: string) => accounts.find((a) => a.uuid === uuid)?.id as string;
    expect(
      (await call('PATCH', `/api/accounts/${idOf(MAX)}`, { label: 'Personal Max', plan: 'max5', unit: 'tokens' }))
        .status,
    ).toBe(200);
    expect(
      (
        await call('PATCH', `/api/accounts/${idOf(TEAM)}`, {
          label: 'Team seat',
          plan: 'team',
          unit: 'tokens',
          limits: { five_hour: 1_000_000, seven_day: 5_000_000 },
          // Its week began a day ago (not a fixed weekday, which made the pick depend on the day
          // the suite ran): 10% used of a week 24–25 h gone is 4.3–4.9% slack; Max's is 4/7 − 8.17% = 48.97%.
          weekly_reset: { weekday: weekAnchor.getUTCDay(), hour: weekAnchor.getUTCHours(), time_zone: 'UTC' },
        })
      ).status,
    ).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await takt.stop();
    await db.drop();
  });

  it('calibrates the capacity from the official percentages and rejects the outlier', async () => {
    const accounts = (await call('GET', '/api/accounts')).body.accounts as { id: string; uuid: string }[];
    const max = accounts.find((a) => a.uuid === MAX)?.id;
    const cal = (await call('GET', `/api/accounts/${max}/calibration`)).body;
    expect({
      unit: cal.unit,
      estimate: Math.round(cal.estimate),
      statuses: cal.samples
        .filter((s: { window: string }) => s.window === 'five_hour')
        .map((s: { status: string }) => s.status),
    }).toEqual({
      unit: 'tokens',
      estimate: 1_000_000,
      statuses: ['accepted', 'accepted', 'accepted', 'rejected', 'accepted'],
    });
    expect(cal.samples[3].reason).toMatch(/implied capacity 625000 tokens is .* scaled MADs from the median 1000000/);
  });

  it('says how much is used: the latest official percentage plus the usage since, over the calibrated capacity', async () => {
    const me = (await call('GET', '/api/me/usage')).body;
    const max = me.accounts.find((a: { uuid: string }) => a.uuid === MAX);
    const five = max.windows.five_hour;
    expect({
      label: max.label,
      unit: max.unit,
      used: five.used,
      used_tokens: five.used_tokens,
      limit: five.limit,
      limit_source: five.limit_source,
      utilization: five.utilization,
      source: five.source,
      official_utilization: five.official_utilization,
      window_source: five.window_source,
      resets_in_jitter: Math.abs(Date.parse(five.resets_at) - resetsAt) < 60_000,
      seven_day: max.windows.seven_day.utilization,
      windows: Object.entries(max.windows).map(([k, w]) => [k, (w as { label: string }).label]),
      plan: max.plan,
      plan_label: max.plan_label,
    }).toEqual({
      label: 'Personal Max',
      unit: 'tokens',
      used: 700_000,
      used_tokens: 700_000,
      limit: 1_000_000,
      limit_source: 'calibrated',
      utilization: 70,
      source: 'official',
      official_utilization: 60,
      window_source: 'official',
      resets_in_jitter: true,
      // 7% when 600,000 tokens were used implies 8,571,429 a week; 100,000 since adds 1.17 points.
      seven_day: 8.17,
      windows: [
        ['five_hour', '5-hour window'],
        ['seven_day', 'Week (all models)'],
        ['monthly', 'Month'],
      ],
      // Sent as max5 (the id before the rename of 2026-10-30): kept as max.
      plan: 'max',
      plan_label: 'Max (formerly Max 5x)',
    });
  });

  it('forecasts the cap before the reset at the recent burn rate', async () => {
    const f = (await call('GET', '/api/forecast')).body;
    const five = f.accounts.find((a: { uuid: string }) => a.uuid === MAX).windows.five_hour;
    const hitsIn = (Date.parse(five.hits_cap_at) - Date.now()) / MINUTE;
    expect({ verdict: five.verdict, resets_first: five.resets_first, soon: hitsIn > 5 && hitsIn < 120 }).toEqual({
      verdict: 'will_hit_cap',
      resets_first: false,
      soon: true,
    });
    // Someone worked 10 minutes ago: a time, with its band around it (three hours of history, not
    // a day: the default width). Usage is kept per minute: the last call's minute.
    const [p10, point, p90] = [five.hits_cap_at_p10, five.hits_cap_at, five.hits_cap_at_p90].map(Date.parse);
    expect({
      basis: five.basis,
      band_source: five.band_source,
      if_resumed: five.if_resumed,
      ordered: (p10 as number) <= (point as number) && (point as number) <= (p90 as number),
      last_used_at: five.last_used_at,
    }).toEqual({
      basis: 'active_pace',
      band_source: 'default',
      if_resumed: null,
      ordered: true,
      last_used_at: new Date(Math.floor(at(10) / MINUTE) * MINUTE).toISOString(),
    });
    // The Team seat's last call was an hour ago: no time, only the work left if work resumes —
    // 500,000 tokens at its pace: one call (as large as what is left) and no history before it,
    // spread over the minimum span of 15 active minutes: 15 minutes of work.
    const team = f.accounts.find((a: { uuid: string }) => a.uuid === TEAM).windows.five_hour;
    const me = (await call('GET', '/api/me/usage')).body;
    const teamUsage = me.accounts.find((a: { uuid: string }) => a.uuid === TEAM).windows.five_hour.forecast;
    expect({
      basis: team.basis,
      hits_cap_at: team.hits_cap_at,
      band: [team.hits_cap_at_p10, team.hits_cap_at_p90],
      if_resumed: team.if_resumed,
    }).toEqual({
      basis: 'if_resumed',
      hits_cap_at: null,
      band: [null, null],
      if_resumed: { work_minutes_to_cap: 15, work_minutes_to_cap_p10: 9, work_minutes_to_cap_p90: 30 },
    });
    expect(teamUsage).toMatchObject({ basis: 'if_resumed', if_resumed: team.if_resumed, hits_cap_at: null });
  });

  it('answers seed 001 /stats for the busiest account', async () => {
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    const monthTokens = [
      [170, 100_000],
      [120, 150_000],
      [60, 250_000],
      [30, 100_000],
      [10, 100_000],
    ]
      .filter(([m]) => at(m as number) >= monthStart)
      .reduce((sum, [, t]) => sum + (t as number), 0);
    const stats = (await call('GET', '/app/claude-usage/stats/')).body;
    // Seed 002 calls /api/usage bare: the current month (the Team seat's 500,000 count too).
    const bare = (await call('GET', '/api/usage')).body;
    expect({ from: bare.from, tokens: bare.totals.input_tokens + bare.totals.output_tokens }).toEqual({
      from: new Date(monthStart).toISOString(),
      tokens: monthTokens + (at(60) >= monthStart ? 500_000 : 0),
    });
    expect({
      keys: Object.keys(stats).slice(0, 6),
      total_tokens: stats.total_tokens,
      current_window_tokens: stats.current_window_tokens,
      is_within_active_window: stats.is_within_active_window,
      human: /^\d+h \d+m remaining$/.test(stats.time_until_reset_human),
      account: stats.account.uuid,
    }).toEqual({
      keys: [
        'total_tokens',
        'current_window_tokens',
        'next_reset_at',
        'time_until_reset_seconds',
        'time_until_reset_human',
        'is_within_active_window',
      ],
      total_tokens: monthTokens,
      current_window_tokens: 700_000,
      is_within_active_window: true,
      human: true,
      account: MAX,
    });
  });

  it('recommends the account with the most weekly slack, never a blocked one; takt watch says so', async () => {
    const before = (await call('GET', '/api/me/pace')).body;
    const slack = (uuid: string) =>
      Math.floor(before.accounts.find((a: { uuid: string }) => a.uuid === uuid).weekly_slack_pct);
    expect([before.recommended_account.uuid, slack(MAX), slack(TEAM)]).toEqual([MAX, 48, 4]);
    // A hit in the 5-hour window blocks the Max account until the reset; two reports of it are one event.
    const hit = { kind: 'hit_limit', window: 'five_hour', account_uuid: MAX, source: 'hook' };
    const first = await call('POST', '/api/limit-events', hit);
    const again = await call('POST', '/api/limit-events', { ...hit, source: 'transcript', resets_at: resetsAt / 1000 });
    expect([first.status, again.status, again.body.id === first.body.id]).toEqual([201, 200, true]);
    const after = (await call('GET', '/api/me/pace')).body;
    const maxPace = after.accounts.find((a: { uuid: string }) => a.uuid === MAX);
    expect({
      recommended: after.recommended_account.uuid,
      blocked: maxPace.blocked,
      until: Math.abs(Date.parse(maxPace.blocked_until) - resetsAt) < 60_000,
    }).toEqual({ recommended: TEAM, blocked: true, until: true });

    const home = mkdtempSync(join(tmpdir(), 'takt-watch-'));
    const watched = await run(
      process.execPath,
      [main, 'watch', '--server', takt.directUrl, '--token', takt.token, '--once'],
      {
        env: { ...process.env, TAKT_HOME: home },
      },
    );
    const lines = watched.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes(MAX) && l.includes('window=five_hour'))).toEqual([
      expect.stringMatching(
        /^USAGE_LIMIT_HIT account=acct-max-0001 label="Personal Max" window=five_hour used=\d+(\.\d+)?% resets_at=\S+/,
      ),
    ]);
    expect(lines.at(-1)).toBe('PACE_SWITCH from=none to="Team seat"');
    const state = JSON.parse(readFileSync(join(home, 'pace-current.json'), 'utf8'));
    expect(state.recommended_account.uuid).toBe(TEAM);
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses what it cannot use, saying what to send', async () => {
    const noAccount = await call('POST', '/api/official-usage', {
      source: 'statusline',
      rate_limits: { five_hour: { used_percentage: 5, resets_at: resetsAt / 1000 } },
    });
    const future = await call('POST', '/api/official-usage', {
      source: 'oauth',
      account_uuid: MAX,
      captured_at: new Date(now + 3_600_000).toISOString(),
      usage: { five_hour: { utilization: 5 } },
    });
    const both = await call('POST', '/api/official-usage', {
      source: 'oauth',
      account_uuid: MAX,
      usage: {},
      rate_limits: {},
    });
    const resent = await observe(20, 60, 0, 7);
    expect([noAccount.status, future.status, both.status, resent.status, resent.body.duplicates]).toEqual([
      422, 400, 400, 200, 2,
    ]);
    expect(noAccount.body.error.message).toMatch(/send account_uuid/);
  });
});
