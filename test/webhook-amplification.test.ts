import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { loadConfig } from '../src/config/config.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * Issue 22.5, webhook amplification: a member may not turn one limit event into hundreds of
 * signed POSTs. Endpoints per member (and per admin) are capped, /test and /replay are rate
 * limited (429 + Retry-After), and one event reaches at most a few endpoints on one host.
 * Small caps are configured here so the test stays short; the defaults are checked apart.
 */
describe('webhook amplification', () => {
  let takt: TestTakt;
  let receiver: WebhookReceiver;
  let alice: TestClient;
  let admin: TestClient;

  beforeAll(async () => {
    takt = await startTakt({
      env: {
        TAKT_WEBHOOK_ALLOW_HTTP: '1',
        TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        TAKT_WEBHOOK_MAX_ENDPOINTS: '3',
        TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN: '4',
        TAKT_WEBHOOK_SENDS_PER_MINUTE: '2',
        TAKT_WEBHOOK_MAX_PER_HOST: '2',
      },
    });
    receiver = await startReceiver();
    alice = new TestClient(takt.directUrl, takt.token);
    const root = await insertUser(takt.server.context.store.db, { email: 'root@example.com', role: 'admin' });
    admin = new TestClient(takt.directUrl, (await issueApiToken(takt.server.context.store.db, root.id, 'admin')).token);
  });
  afterAll(async () => {
    await receiver.close();
    await takt.stop();
  });

  it('defaults to 20 endpoints a member, 100 an admin, 10 sends a minute and 5 endpoints per host per event', () => {
    const c = loadConfig({ TAKT_HOME: '/tmp/takt-defaults' });
    expect([c.webhookMaxEndpoints, c.webhookMaxEndpointsAdmin, c.webhookSendsPerMinute, c.webhookMaxPerHost]).toEqual([
      20, 100, 10, 5,
    ]);
  });

  it('caps endpoints per member, and an admin higher', async () => {
    const make = (client: TestClient, n: number) =>
      client.call('POST', '/api/webhooks', { url: `${receiver.url}?n=${n}`, events: ['limit_hit'] });
    const members = [];
    for (let n = 0; n < 4; n++) members.push(await make(alice, n));
    const admins = [];
    for (let n = 0; n < 5; n++) admins.push(await make(admin, n));
    expect([members.map((r) => r.status), admins.map((r) => r.status), members[3]?.body.error]).toEqual([
      [201, 201, 201, 409],
      [201, 201, 201, 201, 409],
      {
        code: 'conflict',
        message:
          'you have 3 webhook endpoints, the most a member may have (TAKT_WEBHOOK_MAX_ENDPOINTS): delete one you no longer need (DELETE /api/webhooks/{id}) or send more events to one endpoint',
      },
    ]);
  });

  it('rate-limits /test and /replay together per user, with Retry-After', async () => {
    const list = await alice.call('GET', '/api/webhooks');
    const id = list.body.webhooks[0].id as string;
    receiver.secret = '';
    const first = await alice.call('POST', `/api/webhooks/${id}/test`);
    const second = await alice.call('POST', `/api/webhooks/${id}/deliveries/${first.body.delivery_id}/replay`);
    const third = await alice.call('POST', `/api/webhooks/${id}/test`);
    const fourth = await alice.call('POST', `/api/webhooks/${id}/deliveries/${first.body.delivery_id}/replay`);
    expect([
      first.status,
      second.status,
      third.status,
      Number(third.headers.get('retry-after')) > 0,
      fourth.status,
    ]).toEqual([200, 202, 429, true, 429]);
  });

  it('sends one event to at most TAKT_WEBHOOK_MAX_PER_HOST endpoints on one host', async () => {
    await alice.call('POST', '/api/official-usage', {
      source: 'statusline',
      account_uuid: 'acct-alice',
      rate_limits: { five_hour: { used_percentage: 100, resets_at: Math.floor(Date.now() / 1000) + 3600 } },
    });
    const db = takt.server.context.store.db;
    const deliveries = async () =>
      db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
        .select(['e.type', 'd.endpoint_id'])
        .where('e.type', '=', 'limit_hit')
        .execute();
    const until = Date.now() + 10_000;
    while ((await deliveries()).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    // Every delivery the hit raised is settled before counting them.
    await takt.server.context.webhooks.whenIdle();
    // Alice's 3 endpoints and the admin's 4 all cover her account and share one host: 2 deliveries.
    expect((await deliveries()).length).toBe(2);
  });
});
