import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * Capacity history and change detection over HTTP, on both databases (issue 21.6): a generated
 * history of 5-hour windows whose capacity halves after four windows is recorded as one change
 * with the exact before and after, raises one `capacity_changed` (verified with
 * `standardwebhooks`), and stays one change when later windows arrive; an account whose windows
 * only wobble within their spread records none; the admin's view pools the change per plan.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MODEL = 'claude-sonnet-4-5-20250929';
const STEPPED = 'acct-stepped-0001';
const STEADY = 'acct-steady-0002';

const env = {
  TAKT_WEBHOOK_ALLOW_HTTP: '1',
  TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  TAKT_WEBHOOK_RETRY_SCHEDULE: '0.05,0.05,0.05',
  TAKT_PUBLIC_URL: 'https://takt.example.test',
};

describe.each(dialects)('capacity changes on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  let receiver: WebhookReceiver;
  let api: TestClient;
  let admin: TestClient;
  const now = Date.now();
  /** Window w (0 to 10) starts (11 − w) × 6 hours ago: all in the past, all in the last 3 days. */
  const windowStart = (w: number) => now - (11 - w) * 6 * HOUR;
  let seq = 0;

  const use = async (account: string, at: number, tokens: number) => {
    seq++;
    const logs = apiRequestLogs({ host: 'laptop', sessionId: `s-${account}`, accountUuid: account }, [
      {
        model: MODEL,
        requestId: `req_${seq}`,
        input: tokens * 0.6,
        output: tokens * 0.4,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0,
        timeMs: at,
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
  const observe = async (account: string, at: number, pct: number, resetsAt: number) => {
    const r = await api.call('POST', '/api/official-usage', {
      source: 'statusline',
      captured_at: new Date(at).toISOString(),
      account_uuid: account,
      rate_limits: { five_hour: { used_percentage: pct, resets_at: resetsAt / 1000 } },
    });
    expect(r.status).toBe(201);
  };
  /** One window: 100,000 tokens, the official percentage they are of `capacity`; then 100,000 more. */
  const window = async (account: string, w: number, capacity: number) => {
    const start = windowStart(w);
    const resetsAt = start + 5 * HOUR;
    await use(account, start + 10 * MINUTE, 100_000);
    await observe(account, start + 20 * MINUTE, (100_000 * 100) / capacity, resetsAt);
    await use(account, start + 30 * MINUTE, 100_000);
    await observe(account, start + 40 * MINUTE, (200_000 * 100) / capacity, resetsAt);
  };
  const accountId = async (uuid: string) => {
    const accounts = await api.call('GET', '/api/accounts');
    return accounts.body.accounts.find((a: { uuid: string }) => a.uuid === uuid).id as string;
  };

  beforeAll(async () => {
    db = await create();
    takt = await startTakt({ databaseUrl: db.url, env });
    api = new TestClient(takt.directUrl, takt.token);
    const store = takt.server.context.store.db;
    const boss = await insertUser(store, { email: 'admin@example.com', role: 'admin' });
    admin = new TestClient(takt.directUrl, (await issueApiToken(store, boss.id, 'admin')).token);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await takt.stop();
    await receiver.close();
    await db.drop();
  });

  it('records a 50 % step once, with exact figures, and raises one signed capacity_changed', async () => {
    // The accounts exist (and count in tokens, as the Max plan) before the evidence arrives.
    await use(STEPPED, windowStart(0), 10);
    await use(STEADY, windowStart(0), 10);
    for (const uuid of [STEPPED, STEADY]) {
      const r = await api.call('PATCH', `/api/accounts/${await accountId(uuid)}`, { unit: 'tokens', plan: 'max' });
      expect(r.status).toBe(200);
    }
    const hook = await api.call('POST', '/api/webhooks', { url: receiver.url, events: ['capacity_changed'] });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body.secret;

    // Four windows at 1,000,000 tokens, four at 500,000.
    for (let w = 1; w <= 8; w++) await window(STEPPED, w, w <= 4 ? 1_000_000 : 500_000);
    // The steady account wobbles by up to ±8 % from window to window: within its spread.
    const wobble = [1, 0.94, 1.08, 0.97, 1.05, 0.92, 1.03, 0.99];
    for (let w = 1; w <= 8; w++) await window(STEADY, w, 1_000_000 * (wobble[w - 1] as number));

    await receiver.waitFor(() => receiver.delivered().length >= 1);
    await takt.server.context.webhooks.whenIdle();
    const stepped = await accountId(STEPPED);
    const since = new Date(windowStart(5) + 20 * MINUTE).toISOString();
    expect(receiver.delivered().map((q) => q.verified)).toEqual([
      {
        type: 'capacity_changed',
        timestamp: expect.any(String),
        data: {
          account: { id: stepped, uuid: STEPPED, label: STEPPED },
          window: 'five_hour',
          unit: 'tokens',
          before: 1_000_000,
          after: 500_000,
          change_pct: -50,
          since,
          confidence: 'medium',
          dashboard_url: 'https://takt.example.test/',
        },
      },
    ]);

    // The history: one point per window, 2 samples each, the step between windows 4 and 5.
    const history = await api.call('GET', `/api/accounts/${stepped}/capacity-history`);
    expect(history.status).toBe(200);
    const points = history.body.windows.five_hour.tokens;
    expect(
      points.map((p: { capacity: number; samples: number; spread: number }) => [p.capacity, p.samples, p.spread]),
    ).toEqual([...Array(4).fill([1_000_000, 2, 0]), ...Array(4).fill([500_000, 2, 0])]);
    expect(points[0].at).toBe(new Date(windowStart(1) + 20 * MINUTE).toISOString());
    expect(history.body.changes).toEqual([
      {
        window: 'five_hour',
        unit: 'tokens',
        before: 1_000_000,
        after: 500_000,
        change_pct: -50,
        since,
        confidence: 'medium',
        windows_before: 4,
        windows_after: 4,
        recorded_at: expect.any(String),
      },
    ]);

    // Calibration starts afresh at the change: the estimate is the new capacity, not the old one.
    const calibration = await api.call('GET', `/api/accounts/${stepped}/calibration`);
    expect([calibration.body.windows.five_hour.estimate, calibration.body.windows.five_hour.unit]).toEqual([
      500_000,
      'tokens',
    ]);

    // No change in the steady account's wobble, though its history has all eight windows.
    const steady = await api.call('GET', `/api/accounts/${await accountId(STEADY)}/capacity-history`);
    expect([steady.body.windows.five_hour.tokens.length, steady.body.changes]).toEqual([8, []]);

    // Two more windows at the new capacity: the same change, still once; no second event.
    await window(STEPPED, 9, 500_000);
    await window(STEPPED, 10, 500_000);
    await takt.server.context.webhooks.whenIdle();
    const again = await api.call('GET', `/api/accounts/${stepped}/capacity-history`);
    expect([again.body.changes.length, again.body.windows.five_hour.tokens.length, receiver.requests.length]).toEqual([
      1, 10, 1,
    ]);

    // The admin's view pools it per plan: one of the two Max accounts changed.
    const pooled = await admin.call('GET', '/api/admin/capacity-changes');
    expect(pooled.body.plans).toEqual([
      {
        plan: 'max',
        plan_label: expect.stringMatching(/^Max/),
        window: 'five_hour',
        change_pct: -50,
        since,
        accounts: 1,
        of: 2,
        account_ids: [stepped],
      },
    ]);
    expect((await api.call('GET', '/api/admin/capacity-changes')).status).toBe(403);
  });
});
