import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * Webhooks raised by real flows, over HTTP: usage over OTLP and official observations crossing
 * 80% and 95%, a rejected calibration, a hit, a new window, a silent machine. A loopback
 * receiver verifies every delivery with the `standardwebhooks` package; each event arrives
 * once, in order.
 */
const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';
const MAX = 'acct-max-0001';

const env = {
  TAKT_WEBHOOK_ALLOW_HTTP: '1',
  TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  TAKT_ALERT_INTERVAL: '0.5',
  TAKT_STALE_MACHINE_MINUTES: '0.2',
  TAKT_WEBHOOK_RETRY_SCHEDULE: '0.05,0.05,0.05',
  TAKT_PUBLIC_URL: 'https://takt.example.test',
};

describe.each(dialects)('webhooks from real flows on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  let receiver: WebhookReceiver;
  let chat: WebhookReceiver;
  let forecast: WebhookReceiver;
  let api: TestClient;
  const now = Date.now();
  const at = (minutesAgo: number) => now - minutesAgo * MINUTE;
  const resetsAt = now + 120 * MINUTE;
  let seq = 0;

  const use = async (minutesAgo: number, tokens: number) => {
    seq++;
    const logs = apiRequestLogs({ host: 'laptop', sessionId: 's-max', accountUuid: MAX }, [
      {
        model: MODEL,
        requestId: `req_${seq}`,
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
  const observe = async (minutesAgo: number, fiveHourPct: number) => {
    const r = await api.call('POST', '/api/official-usage', {
      source: 'statusline',
      captured_at: new Date(at(minutesAgo)).toISOString(),
      account_uuid: MAX,
      rate_limits: { five_hour: { used_percentage: fiveHourPct, resets_at: resetsAt / 1000 } },
    });
    expect(r.status).toBe(201);
    return r.body;
  };
  const types = () => receiver.delivered().map((q) => (q.verified as { type: string }).type);
  const settle = async (count: number) => {
    await receiver.waitFor(() => receiver.delivered().length >= count);
    // Nothing more arrives for this step: every change evaluated, every delivery settled.
    await takt.server.context.webhooks.whenIdle();
  };

  beforeAll(async () => {
    db = await create();
    takt = await startTakt({ databaseUrl: db.url, env });
    api = new TestClient(takt.directUrl, takt.token);
    receiver = await startReceiver();
    chat = await startReceiver();
    forecast = await startReceiver();
  });
  afterAll(async () => {
    await takt.stop();
    await receiver.close();
    await chat.close();
    await forecast.close();
    await db.drop();
  });

  it('delivers each event once, signed, in order, with the payload contract', async () => {
    // Calibration ground truth first: the 5-hour window holds 1,000,000 tokens.
    await use(170, 100_000);
    await observe(150, 10);
    await use(120, 150_000);
    await observe(100, 25);
    await use(60, 250_000);
    await observe(50, 50);
    await api.call('PATCH', `/api/accounts/${(await api.call('GET', '/api/accounts')).body.accounts[0].id}`, {
      unit: 'tokens',
    });

    const created = await api.call('POST', '/api/webhooks', {
      url: receiver.url,
      events: ['limit_approaching', 'limit_hit', 'window_reset', 'calibration_rejected', 'telemetry_stale'],
      description: 'team alerts',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    receiver.secret = created.body.secret;
    const slack = await api.call('POST', '/api/webhooks', {
      url: chat.url,
      events: ['limit_hit'],
      format: 'slack',
      account_uuids: [MAX],
    });
    chat.secret = slack.body.secret;
    const predict = await api.call('POST', '/api/webhooks', { url: forecast.url, events: ['limit_predicted'] });
    forecast.secret = predict.body.secret;

    // Usage over OTLP takes the window past 80%: 500,000 + 320,000 of 1,000,000 tokens.
    await use(5, 320_000);
    await settle(1);
    // An outlier: 60% of 820,000 tokens implies 1,366,667 — rejected; then 96% officially.
    const outlier = await observe(3, 60);
    expect(outlier.calibration_rejected).toHaveLength(1);
    await settle(2);
    await observe(1, 96);
    await settle(3);
    const hit = await api.call('POST', '/api/limit-events', {
      kind: 'hit_limit',
      window: 'five_hour',
      source: 'hook',
      account_uuid: MAX,
    });
    expect(hit.status).toBe(201);
    // The hit is ground truth too: the capacity it implies is far from the others, and rejected.
    await settle(5);
    const mark = await api.call('POST', '/api/limit-events', {
      kind: 'new_window',
      window: 'five_hour',
      source: 'dashboard',
      account_uuid: MAX,
    });
    expect(mark.status).toBe(201);
    await settle(6);
    // Nothing has come from the laptop since its last export: after 12 s it is stale.
    await settle(7);

    const delivered = receiver.delivered();
    expect({
      types: types(),
      thresholds: delivered
        .filter((q) => (q.verified as { type: string }).type === 'limit_approaching')
        .map((q) => (q.verified as { data: { threshold: number } }).data.threshold),
      unverified: receiver.requests.filter((q) => q.verified === null).length,
      ids: new Set(delivered.map((q) => q.id)).size,
    }).toEqual({
      types: [
        'limit_approaching',
        'calibration_rejected',
        'limit_approaching',
        'limit_hit',
        'calibration_rejected',
        'window_reset',
        'telemetry_stale',
      ],
      thresholds: [80, 95],
      unverified: 0,
      ids: 7,
    });
    const first = delivered[0]?.verified as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(first.data).toMatchObject({
      account: { uuid: MAX },
      window: 'five_hour',
      unit: 'tokens',
      threshold: 80,
      resets_at: new Date(resetsAt).toISOString(),
      dashboard_url: 'https://takt.example.test/',
    });
    expect([(first.data.utilization as number) >= 80, first.data.limit, typeof first.data.used]).toEqual([
      true,
      expect.any(Number),
      'number',
    ]);
    const headers = delivered[0]?.headers ?? {};
    expect([headers['webhook-id'], headers['webhook-signature']?.toString().startsWith('v1,')]).toEqual([
      delivered[0]?.id,
      true,
    ]);
    const stale = delivered[6]?.verified as { data: Record<string, unknown> };
    expect(stale.data).toMatchObject({ machine: { host_name: 'laptop' }, account: { uuid: MAX }, source: 'telemetry' });

    // The chat endpoint got the hit in Slack's shape, with the numbers and the reset time.
    await chat.waitFor(() => chat.delivered().length >= 1);
    const text = (chat.delivered()[0] as { verified: { text: string } }).verified.text;
    expect(text).toMatch(
      /hit its five_hour limit \(\d+(\.\d)?%, [\d,]+ tokens of [\d,]+ tokens\); resets \d{4}-\d\d-\d\d \d\d:\d\d UTC\./,
    );

    // The forecast saw the cap coming before the reset once the burn passed 80%; a window predicts
    // again only when the predicted time moves by more than 30 minutes.
    const predictions = forecast
      .delivered()
      .map((q) => (q.verified as { data: { window_start: string; hits_cap_at: string; resets_at: string } }).data);
    const repeats = predictions.filter(
      (p, i) =>
        i > 0 &&
        p.window_start === predictions[i - 1]?.window_start &&
        Math.abs(Date.parse(p.hits_cap_at) - Date.parse(predictions[i - 1]?.hits_cap_at ?? '')) <= 30 * MINUTE,
    );
    expect([
      predictions.length >= 1,
      Date.parse(predictions[0]?.hits_cap_at ?? '') < Date.parse(predictions[0]?.resets_at ?? ''),
      repeats,
    ]).toEqual([true, true, []]);
    // The delivery log shows each delivery and its attempt.
    const log = await api.call('GET', `/api/webhooks/${created.body.id}/deliveries`);
    expect(log.body.deliveries.map((d: { type: string; status: string }) => `${d.type}:${d.status}`)).toEqual([
      'telemetry_stale:delivered',
      'window_reset:delivered',
      'calibration_rejected:delivered',
      'limit_hit:delivered',
      'limit_approaching:delivered',
      'calibration_rejected:delivered',
      'limit_approaching:delivered',
    ]);
  });
});
