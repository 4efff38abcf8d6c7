import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRequestEvent, apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * GET /api/me/sessions, GET /api/me/machines and /api/usage's account and machine filters
 * and day,model grouping, over HTTP with per-request telemetry whose numbers are known.
 */
const MINUTE = 60_000;
let takt: TestTakt;
const now = Date.now();
let seq = 0;

async function send(
  host: string,
  sessionId: string,
  accountUuid: string,
  requests: Omit<ApiRequestEvent, 'sequence'>[],
) {
  const logs = apiRequestLogs(
    { host, sessionId, accountUuid },
    requests.map((r) => ({ ...r, sequence: ++seq })),
  );
  const r = await fetch(`${takt.directUrl}/v1/logs`, {
    method: 'POST',
    body: encodeLogs(logs),
    headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
  });
  expect(r.status).toBe(200);
}

const get = async (path: string) => {
  const r = await fetch(`${takt.directUrl}${path}`, { headers: { authorization: `Bearer ${takt.token}` } });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

const request = (
  model: string,
  minutesAgo: number,
  input: number,
  output: number,
  cacheRead: number,
  cacheCreation: number,
) => ({
  model,
  requestId: `req_${minutesAgo}_${input}_${model}`,
  input,
  output,
  cacheRead,
  cacheCreation,
  costUsd: 0.25,
  timeMs: now - minutesAgo * MINUTE,
});

beforeAll(async () => {
  takt = await startTakt();
  await send('laptop', 's-one', 'acct-a', [
    request('claude-sonnet-4-5', 4, 1_000, 500, 10_000, 2_000),
    request('claude-sonnet-4-5', 2, 3_000, 700, 150_000, 5_000),
  ]);
  await send('desk', 's-long', 'acct-b', [request('claude-sonnet-4-5[1m]', 3, 100, 50, 300_000, 0)]);
  await send('old-box', 's-old', 'acct-a', [request('claude-opus-4-1', 90, 10, 20, 0, 0)]);
}, 60_000);
afterAll(() => takt.stop());

describe('sessions and machines', () => {
  it('lists recent sessions, newest activity first, with context-window use for the active ones', async () => {
    const r = await get('/api/me/sessions');
    expect(r.status).toBe(200);
    const [one, long, old] = r.body.sessions;
    expect(r.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(['s-one', 's-long', 's-old']);
    expect({ ...one, accounts: one.accounts.map((a: { label: string }) => a.label) }).toEqual({
      session_id: 's-one',
      project: null,
      cwd: null,
      started_at: new Date(now - 4 * MINUTE).toISOString(),
      last_activity_at: new Date(now - 2 * MINUTE).toISOString(),
      duration_seconds: 120,
      status: 'active',
      machines: ['laptop'],
      accounts: ['acct-a'],
      models: ['claude-sonnet-4-5'],
      tokens: 172_200,
      input_tokens: 4_000,
      output_tokens: 1_200,
      cache_read_tokens: 160_000,
      cache_creation_tokens: 7_000,
      cache_creation_5m_tokens: 0,
      cache_creation_1h_tokens: 0,
      cost_usd: 0.5,
      // Sonnet 4.5 list: (4000·3 + 1200·15 + 160,000·0.30 + 7000·3.75) / 1e6.
      list_cost_usd: 0.10425,
      context: {
        model: 'claude-sonnet-4-5',
        at: new Date(now - 2 * MINUTE).toISOString(),
        used_tokens: 158_000,
        window_tokens: 200_000,
        utilization: 79,
        window_rule: 'standard',
      },
    });
    expect(long.context).toEqual({
      model: 'claude-sonnet-4-5[1m]',
      at: new Date(now - 3 * MINUTE).toISOString(),
      used_tokens: 300_100,
      window_tokens: 1_000_000,
      utilization: 30.01,
      window_rule: 'model_name',
    });
    expect([old.status, old.context]).toEqual(['stale', null]);
  });

  it('lists machines with tracking status, last data time and tokens today', async () => {
    const r = await get('/api/me/machines?tz=UTC');
    const byName = Object.fromEntries(
      r.body.machines.map((m: { host_name: string }) => [m.host_name, m] as const),
    ) as Record<string, { tracking_status: string; tokens_today: number; last_seen_at: string }>;
    expect(Object.keys(byName).sort()).toEqual(['desk', 'laptop', 'old-box']);
    // Today is the server's UTC day at the time of the call: from 00:00 to 00:04 UTC some of the
    // requests of 2–4 minutes ago were yesterday's (the test failed then when it expected them all).
    const todayFrom = Date.parse(r.body.today_from);
    expect(r.body.today_from).toBe(`${String(r.body.as_of).slice(0, 10)}T00:00:00.000Z`);
    const today = (minutesAgo: number, tokens: number) => (now - minutesAgo * MINUTE >= todayFrom ? tokens : 0);
    expect([byName.laptop?.tracking_status, byName.laptop?.tokens_today, byName.desk?.tokens_today]).toEqual([
      'active',
      today(4, 13_500) + today(2, 158_700),
      today(3, 300_150),
    ]);
    expect(Date.now() - Date.parse(byName.laptop?.last_seen_at ?? '')).toBeLessThan(60_000);
    expect((await get('/api/me/machines?tz=Mars/Olympus')).status).toBe(400);
  });

  it('filters /api/usage by account and machine, and groups by day and model in one call', async () => {
    const from = new Date(now - 2 * 60 * MINUTE).toISOString();
    const to = new Date(now + MINUTE).toISOString();
    const q = (extra: string) => get(`/api/usage?from=${from}&to=${to}&tz=UTC${extra}`);
    const tokens = (t: Record<string, number>) =>
      (t.input_tokens ?? 0) + (t.output_tokens ?? 0) + (t.cache_read_tokens ?? 0) + (t.cache_creation_tokens ?? 0);
    expect(tokens((await q('&account=acct-a')).body.totals)).toBe(172_230);
    expect(tokens((await q('&machine=desk')).body.totals)).toBe(300_150);
    expect(tokens((await q('&account=acct-a&machine=old-box')).body.totals)).toBe(30);
    expect(tokens((await q('&machine=nowhere')).body.totals)).toBe(0);
    const grouped = (await q('&group_by=day,model')).body.groups as { key: string; keys: Record<string, string> }[];
    // One group per UTC day and model of the requests: s-one's two (4 and 2 minutes ago) are two
    // days' when UTC midnight falls between them (00:02 to 00:04 UTC).
    const cell = (minutesAgo: number, model: string) =>
      JSON.stringify({ day: new Date(now - minutesAgo * MINUTE).toISOString().slice(0, 10), model });
    expect(grouped.map((g) => JSON.stringify(g.keys)).sort()).toEqual(
      [
        ...new Set([
          cell(90, 'claude-opus-4-1'),
          cell(4, 'claude-sonnet-4-5'),
          cell(2, 'claude-sonnet-4-5'),
          cell(3, 'claude-sonnet-4-5[1m]'),
        ]),
      ].sort(),
    );
    expect((await q('&group_by=day,day')).status).toBe(400);
  });
  it('names the project of each session from the working directory that takt sync uploaded', async () => {
    const line = (sessionId: string, id: string, minutesAgo: number, cwd: string) => ({
      message_id: id,
      session_id: sessionId,
      timestamp: now - minutesAgo * MINUTE,
      model: 'claude-sonnet-4-5',
      input_tokens: 10,
      output_tokens: 5,
      cwd,
    });
    const up = await fetch(`${takt.directUrl}/api/transcript-usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        host_name: 'laptop',
        records: [
          line('s-unix', 'msg_1', 6, '/home/dev/src/takt'),
          line('s-unix', 'msg_2', 5, '/home/dev/src/takt/web'),
          line('s-win', 'msg_3', 7, 'C:\\Users\\dev\\work\\api'),
        ],
      }),
    });
    const r = await get('/api/me/sessions');
    const byId = new Map(r.body.sessions.map((s: { session_id: string }) => [s.session_id, s]));
    const pick = (id: string) => {
      const s = byId.get(id) as { project: string | null; cwd: string | null };
      return [s.project, s.cwd];
    };
    expect(up.status).toBe(201);
    expect([pick('s-unix'), pick('s-win'), pick('s-one')]).toEqual([
      ['takt/web', '/home/dev/src/takt/web'],
      ['work/api', 'C:\\Users\\dev\\work\\api'],
      [null, null],
    ]);
  });
});
