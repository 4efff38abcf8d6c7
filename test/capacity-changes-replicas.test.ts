import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { loadConfig } from '../src/config/config.ts';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { insertUser } from '../src/store/users.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { postgresDatabase, type TestDatabase } from './support/test-databases.ts';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * Two replicas on one PostgreSQL receive the evidence that completes a capacity step at the
 * same moment (issue 21.6): the change is recorded once and `capacity_changed` delivered once.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const UUID = 'acct-replicated';
const homes: string[] = [];

async function replica(url: string): Promise<RunningServer> {
  const home = mkdtempSync(join(tmpdir(), 'takt-replica-'));
  homes.push(home);
  const env = {
    TAKT_HOME: home,
    TAKT_HTTP_PORT: '0',
    TAKT_GRPC: '0',
    TAKT_LOG_LEVEL: 'silent',
    TAKT_WEBHOOK_ALLOW_HTTP: '1',
    TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  };
  return startServer(loadConfig(env, { databaseUrl: url }));
}

describe('capacity changes across replicas', () => {
  let db: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let receiver: WebhookReceiver;
  let token: string;
  beforeAll(async () => {
    db = await postgresDatabase();
    a = await replica(db.url);
    b = await replica(db.url);
    const user = await insertUser(a.context.store.db, { email: 'dev@example.com' });
    token = (await issueApiToken(a.context.store.db, user.id, 'test')).token;
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await receiver?.close();
    await db.drop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('records the step once and delivers one capacity_changed', async () => {
    const now = Date.now();
    const start = (w: number) => now - (9 - w) * 6 * HOUR;
    const call = (s: RunningServer, method: string, path: string, body?: unknown) =>
      fetch(`${s.httpUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then(async (r) => ({
        status: r.status,
        // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
        body: (await r.json()) as any,
      }));
    let seq = 0;
    const use = async (at: number, tokens: number) => {
      seq++;
      const logs = apiRequestLogs({ host: 'laptop', sessionId: 's-1', accountUuid: UUID }, [
        {
          model: 'claude-sonnet-4-5-20250929',
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
      const r = await fetch(`${a.httpUrl}/v1/logs`, {
        method: 'POST',
        body: encodeLogs(logs),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
      });
      expect(r.status).toBe(200);
    };
    const observe = (s: RunningServer, w: number, minute: number, pct: number) =>
      call(s, 'POST', '/api/official-usage', {
        source: 'statusline',
        captured_at: new Date(start(w) + minute * MINUTE).toISOString(),
        account_uuid: UUID,
        rate_limits: { five_hour: { used_percentage: pct, resets_at: (start(w) + 5 * HOUR) / 1000 } },
      });

    await use(start(0), 10);
    const account = (await call(a, 'GET', '/api/accounts')).body.accounts[0];
    expect((await call(a, 'PATCH', `/api/accounts/${account.id}`, { unit: 'tokens' })).status).toBe(200);
    const hook = await call(a, 'POST', '/api/webhooks', { url: receiver.url, events: ['capacity_changed'] });
    receiver.secret = hook.body.secret;
    // Seven windows of 100,000 tokens: 10 % four times, then 20 % three times (not yet a step).
    for (let w = 1; w <= 7; w++) {
      await use(start(w) + 10 * MINUTE, 100_000);
      expect((await observe(a, w, 20, w <= 4 ? 10 : 20)).status).toBe(201);
    }
    expect((await call(b, 'GET', `/api/accounts/${account.id}/capacity-history`)).body.changes).toEqual([]);
    // The eighth window's readings reach both replicas at once: each completes the evidence.
    await use(start(8) + 10 * MINUTE, 100_000);
    const both = await Promise.all([observe(a, 8, 20, 20), observe(b, 8, 21, 20)]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);

    await receiver.waitFor(() => receiver.delivered().length >= 1);
    await Promise.all([a.context.webhooks.whenIdle(), b.context.webhooks.whenIdle()]);
    const history = await call(b, 'GET', `/api/accounts/${account.id}/capacity-history`);
    expect(
      history.body.changes.map((c: { before: number; after: number; change_pct: number }) => [
        c.before,
        c.after,
        c.change_pct,
      ]),
    ).toEqual([[1_000_000, 500_000, -50]]);
    expect(receiver.requests.map((q) => (q.verified as { type: string } | null)?.type)).toEqual(['capacity_changed']);
  });
});
