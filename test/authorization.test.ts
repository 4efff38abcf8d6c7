import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * The authorization matrix: a member (Bob) tries every endpoint against another
 * member's (Alice's) data and against admin functions. Nothing of Alice's may be
 * read or changed, and the answers must not reveal whether her things exist.
 */
let takt: TestTakt;
let alice: TestClient;
let bob: TestClient;
let aliceTokenId: string;
const T = Date.UTC(2026, 10, 10, 12);

beforeAll(async () => {
  takt = await startTakt();
  const db = takt.server.context.store.db;
  const a = await insertUser(db, { email: 'alice@example.com' });
  const b = await insertUser(db, { email: 'bob@example.com' });
  const at = await issueApiToken(db, a.id, 'alice-laptop');
  aliceTokenId = at.id;
  alice = new TestClient(takt.directUrl, at.token);
  bob = new TestClient(takt.directUrl, (await issueApiToken(db, b.id, 'bob-laptop')).token);
  const r = await fetch(`${takt.directUrl}/v1/metrics`, {
    method: 'POST',
    body: encodeMetrics(
      tokenMetrics(
        { host: 'alice-laptop', sessionId: 'alice-session', email: 'alice@anthropic-account.com' },
        [{ model: 'm', type: 'input', value: 777 }],
        {
          startMs: Date.now() - 1000,
          timeMs: Date.now(),
        },
      ),
    ),
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${at.token}` },
  });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await takt.stop();
});

describe("one user never sees or changes another user's data", () => {
  it('reads: usage, tokens, validate, audit', async () => {
    const range = `from=${new Date(T - 86_400_000 * 30).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const [aliceUsage, bobUsage, bobByMachine, bobTokens, bobValidate, bobAudit] = await Promise.all([
      alice.call('GET', `/api/usage?${range}`),
      bob.call('GET', `/api/usage?${range}`),
      bob.call('GET', `/api/usage?${range}&group_by=machine`),
      bob.call('GET', '/api/tokens'),
      bob.call('POST', '/validate', { host_name: 'alice-laptop' }),
      bob.call('GET', '/api/audit'),
    ]);
    expect(aliceUsage.body.totals.input_tokens).toBe(777);
    expect(bobUsage.body.totals.input_tokens).toBe(0);
    expect(bobByMachine.body.groups).toEqual([]);
    expect(bobTokens.body.tokens.map((t: { label: string }) => t.label)).toEqual(['bob-laptop']);
    expect([
      bobValidate.body.tracking_status,
      bobValidate.body.recent_machines_for_token,
      bobValidate.body.recent_accounts_for_token,
    ]).toEqual(['host_never_seen', [], []]);
    expect(bobAudit.status).toBe(403);
  });

  it('writes: revoking, rotating, admin functions', async () => {
    const revoke = await bob.call('DELETE', `/api/tokens/${aliceTokenId}`);
    const missing = await bob.call('DELETE', '/api/tokens/00000000-0000-0000-0000-000000000000');
    const invite = await bob.call('POST', '/auth/invite', { count: 1 });
    const adminSet = await bob.call('POST', '/auth/password/admin-set', {
      email: 'alice@example.com',
      password: 'p'.repeat(12),
    });
    const rotate = await bob.call('POST', '/auth/rotate', {});
    const aliceStill = await alice.call('GET', '/api/tokens');
    expect([revoke.status, missing.status, invite.status, adminSet.status, rotate.status, aliceStill.status]).toEqual([
      404, 404, 403, 403, 200, 200,
    ]);
    expect(revoke.body.error.message).toBe(`you have no token ${aliceTokenId}: GET /api/tokens lists yours`);
    expect(aliceStill.body.tokens.map((t: { revoked_at: string | null }) => t.revoked_at)).toEqual([null]);
  });

  it('refuses everything without credentials', async () => {
    const anon = new TestClient(takt.directUrl);
    const results = await Promise.all([
      anon.call('GET', '/api/usage?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z'),
      anon.call('GET', '/api/tokens'),
      anon.call('DELETE', `/api/tokens/${aliceTokenId}`),
      anon.call('POST', '/auth/rotate', {}),
      anon.call('POST', '/auth/setup-additional', { machine: 'x' }),
      anon.call('POST', '/auth/password/set', { password: 'p'.repeat(12) }),
      anon.call('POST', '/auth/invite', { count: 1 }),
      anon.call('GET', '/api/audit'),
      anon.call('POST', '/validate', { host_name: 'alice-laptop' }),
    ]);
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401]);
  });
});

describe('LAN admin is opt-in and judged by the socket address', () => {
  it('does not trust X-Forwarded-For from an untrusted peer', async () => {
    const lan = await startTakt({ env: { TAKT_LAN_ADMIN_CIDRS: '10.0.0.0/8' } });
    const anon = new TestClient(lan.directUrl);
    const spoofed = await anon.call('POST', '/auth/invite', { count: 1 }, { 'x-forwarded-for': '10.1.2.3' });
    await lan.stop();
    const proxied = await startTakt({ env: { TAKT_LAN_ADMIN_CIDRS: '10.0.0.0/8', TAKT_TRUSTED_PROXIES: '127.0.0.1' } });
    const viaProxy = await new TestClient(proxied.directUrl).call(
      'POST',
      '/auth/invite',
      { count: 1 },
      { 'x-forwarded-for': '10.1.2.3' },
    );
    const outsider = await new TestClient(proxied.directUrl).call(
      'POST',
      '/auth/invite',
      { count: 1 },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    await proxied.stop();
    const loopback = await startTakt({ env: { TAKT_LAN_ADMIN_CIDRS: '127.0.0.0/8' } });
    const local = await new TestClient(loopback.directUrl).call('POST', '/auth/invite', { count: 1 });
    await loopback.stop();
    expect([spoofed.status, viaProxy.status, outsider.status, local.status]).toEqual([401, 201, 401, 201]);
  });
});
