import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { startReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * The webhook endpoints' contract and permissions: members manage their own endpoints for
 * their own accounts, admins every endpoint; the secret is shown once and rotates; every
 * change is audited without the secret; `takt admin webhooks list|test` over HTTP.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);

describe('webhook endpoints over HTTP', () => {
  let takt: TestTakt;
  let receiver: WebhookReceiver;
  let alice: TestClient;
  let bob: TestClient;
  let admin: TestClient;
  let adminToken = '';

  beforeAll(async () => {
    takt = await startTakt({ env: { TAKT_WEBHOOK_ALLOW_HTTP: '1', TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' } });
    receiver = await startReceiver();
    alice = new TestClient(takt.directUrl, takt.token);
    bob = new TestClient(takt.directUrl, (await takt.addUser('bob@example.com')).token);
    const root = await insertUser(takt.server.context.store.db, { email: 'root@example.com', role: 'admin' });
    adminToken = (await issueApiToken(takt.server.context.store.db, root.id, 'admin')).token;
    admin = new TestClient(takt.directUrl, adminToken);
    // Alice's account, as her telemetry would create it.
    await alice.call('POST', '/api/official-usage', {
      source: 'statusline',
      account_uuid: 'acct-alice',
      rate_limits: { five_hour: { used_percentage: 10, resets_at: Date.now() / 1000 + 3600 } },
    });
  });
  afterAll(async () => {
    await receiver.close();
    await takt.stop();
  });

  it('creates with the secret shown once, keeps members to their own, lets admins see all, audits every change', async () => {
    const created = await alice.call('POST', '/api/webhooks', {
      url: receiver.url,
      events: ['limit_hit', 'limit_approaching'],
      account_uuids: ['acct-alice'],
      thresholds: [90, 50],
      description: 'my phone',
    });
    const id = created.body.id as string;
    receiver.secret = created.body.secret;
    const shown = await alice.call('GET', `/api/webhooks/${id}`);
    const refused = await Promise.all([
      bob.call('POST', '/api/webhooks', { url: receiver.url, events: ['limit_hit'], account_uuids: ['acct-alice'] }),
      bob.call('GET', `/api/webhooks/${id}`),
      bob.call('PATCH', `/api/webhooks/${id}`, { enabled: false }),
      bob.call('DELETE', `/api/webhooks/${id}`),
      alice.call('POST', '/api/webhooks', { url: 'ftp://127.0.0.1/x', events: ['limit_hit'] }),
      alice.call('POST', '/api/webhooks', { url: 'http://[::1]:9/x', events: ['limit_hit'] }),
      alice.call('POST', '/api/webhooks', { url: receiver.url, events: ['everything'] }),
      new TestClient(takt.directUrl).call('GET', '/api/webhooks'),
      new TestClient(takt.directUrl).call('POST', `/api/webhooks/${id}/test`),
    ]);
    const patched = await alice.call('PATCH', `/api/webhooks/${id}`, { events: ['limit_hit'], enabled: false });
    const lists = [
      (await alice.call('GET', '/api/webhooks')).body.webhooks.length,
      (await bob.call('GET', '/api/webhooks')).body.webhooks.length,
      (await admin.call('GET', '/api/webhooks')).body.webhooks.map((w: { id: string }) => w.id),
    ];
    expect({
      created: [created.status, created.body.secret.startsWith('whsec_'), created.body.thresholds, created.body.format],
      shown: [shown.status, 'secret' in shown.body, shown.body.account_uuids, shown.body.description],
      refused: refused.map((r) => `${r.status} ${r.body.error.code}`),
      patched: [patched.status, patched.body.events, patched.body.enabled, patched.body.disabled_reason],
      lists,
    }).toEqual({
      created: [201, true, [50, 90], 'standard'],
      shown: [200, false, ['acct-alice'], 'my phone'],
      refused: [
        '404 not_found',
        '404 not_found',
        '404 not_found',
        '404 not_found',
        '400 bad_request',
        '400 bad_request',
        '400 bad_request',
        '401 unauthenticated',
        '401 unauthenticated',
      ],
      patched: [200, ['limit_hit'], false, 'disabled by its owner'],
      lists: [1, 0, [id]],
    });
    expect(refused[5]?.body.error.message).toBe(
      'url: ::1 is a loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
    );

    // Rotation: the next delivery verifies with the new secret only.
    await alice.call('PATCH', `/api/webhooks/${id}`, { enabled: true });
    const rotated = await alice.call('POST', `/api/webhooks/${id}/rotate-secret`);
    const old = receiver.secret;
    receiver.secret = rotated.body.secret;
    const test = await alice.call('POST', `/api/webhooks/${id}/test`);
    expect([
      rotated.body.secret === old,
      test.body.status,
      test.body.attempts[0].status_code,
      receiver.delivered().length,
    ]).toEqual([false, 'delivered', 204, 1]);

    // Replay: the same webhook-id again.
    const log = await alice.call('GET', `/api/webhooks/${id}/deliveries`);
    const replay = await admin.call('POST', `/api/webhooks/${id}/deliveries/${log.body.deliveries[0].id}/replay`);
    await receiver.waitFor(() => receiver.delivered().length === 2);
    expect([replay.status, receiver.delivered()[1]?.id]).toEqual([202, test.body.event_id]);

    const deleted = await admin.call('DELETE', `/api/webhooks/${id}`);
    const audit = await admin.call('GET', '/api/audit?limit=50');
    const actions = (audit.body.events as { action: string; target_id: string; before: unknown; after: unknown }[])
      .filter((e) => e.action.startsWith('webhook.'))
      .map((e) => e.action)
      .reverse();
    const text = JSON.stringify(audit.body);
    expect([deleted.status, actions, text.includes(rotated.body.secret), text.includes('/hook')]).toEqual([
      200,
      [
        'webhook.create',
        'webhook.update',
        'webhook.update',
        'webhook.rotate_secret',
        'webhook.test',
        'webhook.replay',
        'webhook.delete',
      ],
      false,
      false,
    ]);
  });

  it('takt admin webhooks add, list and test talk to the server', async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, [main, 'admin', 'webhooks', ...args, '--server', takt.directUrl, '--token', adminToken], {
        env: { ...process.env, HOME: '/nonexistent' },
      });
    const added = await cli('add', '--url', receiver.url, '--events', 'limit_hit', '--format', 'discord');
    const secret = /signing secret \(shown this once, keep it in your receiver\): (whsec_\S+)/.exec(added.stdout)?.[1];
    receiver.secret = secret ?? '';
    const id = /^added (ep_[0-9a-f]+) /.exec(added.stdout)?.[1] ?? '';
    const listed = JSON.parse((await cli('list', '--json')).stdout) as { webhooks: { id: string; format: string }[] };
    const tested = await cli('test', id);
    expect([
      listed.webhooks.map((w) => `${w.id}:${w.format}`),
      /^test event msg_[0-9a-f]+: delivered \(204, \d+ ms\)\n$/.test(tested.stdout),
      (receiver.delivered().at(-1) as { verified: { content: string } }).verified.content,
    ]).toEqual([
      [`${id}:discord`],
      true,
      `takt: a test event. This endpoint receives takt alerts.\nhttp://127.0.0.1:${new URL(takt.directUrl).port}/`,
    ]);
  });

  it('evaluates a user right after their telemetry is committed, not only on the timer', async () => {
    const accounts = (await alice.call('GET', '/api/accounts')).body.accounts as { id: string; uuid: string }[];
    const account = accounts.find((x) => x.uuid === 'acct-alice')?.id;
    await alice.call('PATCH', `/api/accounts/${account}`, { unit: 'tokens', limits: { monthly: 10_000 } });
    const created = await alice.call('POST', '/api/webhooks', { url: receiver.url, events: ['limit_approaching'] });
    receiver.secret = created.body.secret;
    const before = receiver.delivered().length;
    // A minute ago, in this calendar month (UTC, the account's default zone): in the first minute
    // of a month a minute ago was last month's, the monthly window held nothing, and no event came.
    const now = Date.now();
    const at = Math.max(now - 60_000, Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1));
    const logs = apiRequestLogs({ host: 'laptop', sessionId: 's-alice', accountUuid: 'acct-alice' }, [
      {
        model: 'claude-sonnet-4-5-20250929',
        requestId: 'req_alice_1',
        input: 5000,
        output: 3500,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0,
        timeMs: at,
        sequence: 1,
      },
    ]);
    const exported = await fetch(`${takt.directUrl}/v1/logs`, {
      method: 'POST',
      body: encodeLogs(logs),
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
    });
    // The timer runs every 60 s here: only the commit can raise it this soon.
    const monthly = () =>
      receiver
        .delivered()
        .slice(before)
        .map((q) => q.verified as { type: string; data: Record<string, unknown> })
        .find((v) => v.data.window === 'monthly');
    await receiver.waitFor(() => monthly() !== undefined, 10_000);
    const event = monthly() as { type: string; data: Record<string, unknown> };
    expect([exported.status, event.type, event.data.window, event.data.threshold, event.data.used]).toEqual([
      200,
      'limit_approaching',
      'monthly',
      80,
      8500,
    ]);
  });
});
