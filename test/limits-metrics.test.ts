import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { usersWithCachedHours } from '../src/queries/recent-usage-rows.ts';
import { insertUser } from '../src/store/users.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { parseScrape, type Sample, samplesOf } from './support/prometheus-text.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * Issue 23.1: GET /metrics serves every account's limits, forecasts, tokens and costs and every
 * machine's last data time, in OpenMetrics text, to the metrics token or an admin's token. The
 * scrape is parsed with a real Prometheus text-format parser and checked against what was
 * recorded: exact tokens, the official percentage and reset, the windows the JSON API says apply
 * (an Ultra account has no 5-hour window: no series, not 0), and a member's token is refused.
 */
const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';
const MAX = 'acct-max-metrics-1';
const ULTRA = 'acct-ultra-metrics-2';
const METRICS_TOKEN = 'metrics-token-of-32-characters-or-more';

describe.each(dialects)('limits as Prometheus metrics on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  let adminToken: string;
  const now = Date.now();
  // Whole seconds: the status line sends resets_at in seconds.
  const resetsAt = Math.floor(now / 1000) * 1000 + 120 * MINUTE;
  let seq = 0;

  const call = async (method: string, path: string, body?: unknown, token = takt.token) => {
    const r = await fetch(`${takt.directUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const use = async (account: string, host: string, minutesAgo: number, t: [number, number, number, number]) => {
    seq++;
    const logs = apiRequestLogs({ host, sessionId: `s-${account}`, accountUuid: account }, [
      {
        model: MODEL,
        requestId: `req_${account}_${seq}`,
        input: t[0],
        output: t[1],
        cacheRead: t[2],
        cacheCreation: t[3],
        costUsd: 0.25,
        timeMs: now - minutesAgo * MINUTE,
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
  const scrape = async (token: string) => {
    const r = await fetch(`${takt.directUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  };
  const limitSamples = async (): Promise<Sample[]> => parseScrape((await scrape(adminToken)).text);

  beforeAll(async () => {
    db = await create();
    takt = await startTakt({ databaseUrl: db.url, env: { TAKT_METRICS_TOKEN: METRICS_TOKEN } });
    const admin = await insertUser(takt.server.context.store.db, { email: 'boss@example.com', role: 'admin' });
    adminToken = (await issueApiToken(takt.server.context.store.db, admin.id, 'prometheus')).token;

    await use(MAX, 'laptop', 30, [600, 400, 5_000, 2_000]);
    await use(MAX, 'laptop', 20, [60, 40, 500, 0]);
    await use(ULTRA, 'desktop', 15, [1_000, 3_000, 0, 7]);
    const official = await call('POST', '/api/official-usage', {
      source: 'statusline',
      captured_at: new Date(now - 10 * MINUTE).toISOString(),
      account_uuid: MAX,
      rate_limits: { five_hour: { used_percentage: 42, resets_at: resetsAt / 1000 } },
    });
    expect(official.status).toBe(201);
    const accounts = (await call('GET', '/api/accounts')).body.accounts as { id: string; uuid: string }[];
    const ultraId = accounts.find((a) => a.uuid === ULTRA)?.id;
    const maxId = accounts.find((a) => a.uuid === MAX)?.id;
    expect((await call('PATCH', `/api/accounts/${ultraId}`, { plan: 'ultra', label: 'Big one' })).status).toBe(200);
    expect((await call('PATCH', `/api/accounts/${maxId}`, { plan: 'max' })).status).toBe(200);
  });
  afterAll(async () => {
    await takt?.stop();
    await db?.drop();
  });

  // First: no dashboard request has filled the read model's caches yet.
  it('computes the scrape beside the dashboard’s read-model caches, never in them', async () => {
    await waitFor('the Ultra account in a scrape', limitSamples, (s) =>
      s.some((x) => x.name === 'takt_usage_tokens_total' && x.labels.account === ULTRA),
    );
    expect(usersWithCachedHours(takt.server.context.store.db)).toEqual([]);
    expect((await call('GET', '/api/me/usage')).status).toBe(200);
    expect(usersWithCachedHours(takt.server.context.store.db)).toEqual([takt.userId]);
  });

  it('counts each account’s tokens and reported cost exactly, counted once, with the account’s labels', async () => {
    const samples = await waitFor('the Ultra account’s tokens in a scrape', limitSamples, (s) =>
      s.some((x) => x.name === 'takt_usage_tokens_total' && x.labels.account === ULTRA),
    );
    expect(samplesOf(samples, 'takt_usage_tokens_total')).toEqual(
      [
        ...(
          [
            ['input', 660],
            ['output', 440],
            ['cache_read', 5_500],
            ['cache_creation', 2_000],
          ] as const
        ).map(([type, value]) => ({ account: MAX, label: MAX, plan: 'max', type, value })),
        ...(
          [
            ['input', 1_000],
            ['output', 3_000],
            ['cache_read', 0],
            ['cache_creation', 7],
          ] as const
        ).map(([type, value]) => ({ account: ULTRA, label: 'Big one', plan: 'ultra', type, value })),
      ]
        .map((s) => ({ ...s, user: 'dev@example.com', model: MODEL, source: 'event' }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    expect(
      samplesOf(samples, 'takt_cost_usd_total', ['label', 'plan', 'user'])
        .filter((s) => s.kind === 'reported')
        .map((s) => [s.account, s.value]),
    ).toEqual([
      [MAX, 0.5],
      [ULTRA, 0.25],
    ]);
    expect(
      samplesOf(samples, 'takt_cost_usd_total').filter((s) => s.kind === 'list' && Number(s.value) > 0).length,
    ).toBe(2);
  });

  it('gives the official percentage and reset, and only the windows that apply (Ultra: no 5-hour window)', async () => {
    const samples = await waitFor('Ultra’s plan in a scrape', limitSamples, (s) =>
      s.some((x) => x.name === 'takt_limit_resets_at_seconds' && x.labels.plan === 'ultra'),
    );
    const api = (await call('GET', '/api/me/usage')).body.accounts as {
      uuid: string;
      windows: Record<string, { applies: boolean; resets_at?: string }>;
    }[];
    const applying = (uuid: string) =>
      Object.entries(api.find((a) => a.uuid === uuid)?.windows ?? {})
        .filter(([, w]) => w.applies)
        .map(([k]) => k)
        .sort();
    const windowsOf = (name: string, uuid: string) =>
      samplesOf(samples, name)
        .filter((s) => s.account === uuid)
        .map((s) => s.window)
        .sort();

    expect(applying(ULTRA)).not.toContain('five_hour');
    expect(windowsOf('takt_limit_resets_at_seconds', ULTRA)).toEqual(applying(ULTRA));
    expect(windowsOf('takt_limit_resets_at_seconds', MAX)).toEqual(applying(MAX));
    expect(samples.filter((s) => s.labels.account === ULTRA && s.labels.window === 'five_hour')).toEqual([]);
    expect(
      samplesOf(samples, 'takt_limit_utilization_percent', ['label', 'plan', 'user']).filter(
        (s) => s.window === 'five_hour',
      ),
    ).toEqual([{ account: MAX, window: 'five_hour', source: 'official', value: 42 }]);
    expect(
      samplesOf(samples, 'takt_limit_resets_at_seconds', ['label', 'plan', 'user']).filter(
        (s) => s.window === 'five_hour',
      ),
    ).toEqual([{ account: MAX, window: 'five_hour', value: resetsAt / 1000 }]);
    // Every applying window has exactly one current verdict.
    const current = samplesOf(samples, 'takt_forecast_verdict').filter((s) => s.value === 1);
    expect(current.map((s) => `${s.account} ${s.window}`).sort()).toEqual(
      [...applying(MAX).map((w) => `${MAX} ${w}`), ...applying(ULTRA).map((w) => `${ULTRA} ${w}`)].sort(),
    );
    expect(samplesOf(samples, 'takt_forecast_verdict').length).toBe(current.length * 5);
  });

  it('gives each machine’s last data time, as the JSON API does', async () => {
    const samples = await limitSamples();
    const machines = (await call('GET', '/api/me/machines')).body.machines as {
      host_name: string;
      last_seen_at: string;
    }[];
    expect(samplesOf(samples, 'takt_machine_last_seen_seconds')).toEqual(
      machines
        .map((m) => ({ machine: m.host_name, user: 'dev@example.com', value: Date.parse(m.last_seen_at) / 1000 }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    expect(machines.map((m) => m.host_name).sort()).toEqual(['desktop', 'laptop']);
  });

  it('follows new usage: the counter grows by exactly what was recorded', async () => {
    const input = () =>
      limitSamples().then(
        (s) => samplesOf(s, 'takt_usage_tokens_total').find((x) => x.account === ULTRA && x.type === 'input')?.value,
      );
    expect(await waitFor('Ultra’s input tokens', input, (v) => v === 1_000)).toBe(1_000);
    await use(ULTRA, 'desktop', 1, [234, 1, 0, 0]);
    expect(await waitFor('Ultra’s input tokens after more usage', input, (v) => v === 1_234)).toBe(1_234);
  });

  it('serves OpenMetrics to the metrics token and an admin, the health counters alone to nobody else', async () => {
    const [byMetricsToken, byAdmin, byMember, byNobody] = await Promise.all([
      scrape(METRICS_TOKEN),
      scrape(adminToken),
      scrape(takt.token),
      fetch(`${takt.directUrl}/metrics`).then(async (r) => ({ status: r.status, text: await r.text() })),
    ]);
    expect([byMetricsToken.status, byAdmin.status, byMember.status, byNobody.status]).toEqual([200, 200, 403, 401]);
    expect(byAdmin.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    // Prometheus asks for gzip (fetch does too); without it the same text comes as it is.
    const identity = await fetch(`${takt.directUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}`, 'accept-encoding': 'identity' },
    });
    expect(identity.headers.get('content-encoding')).toBeNull();
    const families = (text: string) =>
      parseScrape(text).filter((x) => /^takt_(limit_|forecast_|usage_tokens|cost_usd|machine_)/.test(x.name));
    expect(families(await identity.text())).toEqual(families(byAdmin.text));
    expect(families(byAdmin.text).length).toBeGreaterThan(10);
    expect(byAdmin.text.endsWith('# EOF\n')).toBe(true);
    expect(parseScrape(byMetricsToken.text).some((s) => s.name === 'takt_limit_utilization_percent')).toBe(true);
    expect(JSON.parse(byMember.text).error.message).toBe(
      'GET /metrics shows every account and machine: a member’s token cannot read it; scrape with TAKT_METRICS_TOKEN or an admin’s token',
    );
    expect(byMember.text).not.toContain('takt_');
    expect(byNobody.text).not.toContain(MAX);
  });
});
