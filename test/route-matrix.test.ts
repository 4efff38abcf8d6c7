import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { createApp } from '../src/server/app.ts';
import { CONTENT_SECURITY_POLICY } from '../src/server/security-headers.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Every route of the app (Hono's route table), each with what a caller without credentials
 * and what a member who is not the owner (or not an admin) must get. The table must list
 * exactly the routes the app has: a new route fails here until it is placed in the matrix.
 * Every answer, HTML or JSON, success or error, carries the security headers.
 */
let takt: TestTakt;
let alice: TestClient;
let bob: TestClient;
let anon: TestClient;
const ids = { token: '', account: '', limitEvent: '', alice: '', manualEntry: '', webhook: '' };

beforeAll(async () => {
  // Webhooks to loopback allowed, so that Alice can own an endpoint (the guard has its own tests).
  takt = await startTakt({ env: { TAKT_WEBHOOK_ALLOW_HTTP: '1', TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' } });
  const db = takt.server.context.store.db;
  const a = await insertUser(db, { email: 'alice@example.com' });
  ids.alice = a.id;
  const b = await insertUser(db, { email: 'bob@example.com' });
  const at = await issueApiToken(db, a.id, 'alice-laptop');
  ids.token = at.id;
  alice = new TestClient(takt.directUrl, at.token);
  bob = new TestClient(takt.directUrl, (await issueApiToken(db, b.id, 'bob-laptop')).token);
  anon = new TestClient(takt.directUrl);
  const exported = await fetch(`${takt.directUrl}/v1/metrics`, {
    method: 'POST',
    body: encodeMetrics(
      tokenMetrics(
        { host: 'alice-laptop', sessionId: 'alice-s', accountUuid: 'acct-alice' },
        [{ model: 'm', type: 'input', value: 5 }],
        { startMs: Date.now() - 2000, timeMs: Date.now() - 1000 },
      ),
    ),
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${at.token}` },
  });
  expect(exported.status).toBe(200);
  const accounts = await alice.call('GET', '/api/accounts');
  ids.account = accounts.body.accounts[0].id;
  const event = await alice.call('POST', '/api/limit-events', {
    kind: 'hit_limit',
    window: 'five_hour',
    account_uuid: 'acct-alice',
    source: 'dashboard',
  });
  ids.limitEvent = event.body.id;
  const entry = await alice.call('POST', '/api/manual-entries', { input: 10, output: 5, note: 'by hand' });
  ids.manualEntry = entry.body.id;
  const hook = await alice.call('POST', '/api/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['limit_hit'] });
  ids.webhook = hook.body.id;
  expect([entry.status, hook.status]).toEqual([201, 201]);
});
afterAll(async () => {
  await takt.stop();
});

type Row = {
  /** The request sent (a resource of Alice's where the route has an :id). */
  request: () => [method: string, path: string, body?: unknown];
  /** Without credentials. */
  anon: number;
  /** Bob, a member: 403 on admin functions, 404 on Alice's resources; omitted when Bob may. */
  bob?: number;
};
const range = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';

const MATRIX: Record<string, Row> = {
  'GET /healthz': { request: () => ['GET', '/healthz'], anon: 200 },
  // For load balancers: ready once migrations ran (and, on PostgreSQL, LISTEN is up).
  'GET /readyz': { request: () => ['GET', '/readyz'], anon: 200 },
  // Loopback callers may read /metrics' health counters unless a token or TAKT_METRICS_PUBLIC=0
  // closes it (security.test.ts); a member's token never reads the team's figures (limits-metrics.test.ts).
  'GET /metrics': { request: () => ['GET', '/metrics'], anon: 200, bob: 403 },
  'GET /api/usage': { request: () => ['GET', `/api/usage?${range}`], anon: 401 },
  'POST /auth/invite': { request: () => ['POST', '/auth/invite', { count: 1 }], anon: 401, bob: 403 },
  // Public by design: they take credentials in the body (a wrong one is 401, an empty body 400).
  'POST /auth/register': { request: () => ['POST', '/auth/register', {}], anon: 400 },
  'POST /auth/token': { request: () => ['POST', '/auth/token', {}], anon: 400 },
  'POST /auth/rotate': { request: () => ['POST', '/auth/rotate', {}], anon: 401 },
  'POST /auth/setup-additional': { request: () => ['POST', '/auth/setup-additional', { machine: 'x' }], anon: 401 },
  'POST /auth/login': { request: () => ['POST', '/auth/login', {}], anon: 400 },
  'GET /auth/session': { request: () => ['GET', '/auth/session'], anon: 401 },
  'POST /auth/logout': { request: () => ['POST', '/auth/logout', {}], anon: 401 },
  'POST /auth/logout-everywhere': { request: () => ['POST', '/auth/logout-everywhere', {}], anon: 401 },
  'POST /auth/password/set': { request: () => ['POST', '/auth/password/set', { password: 'p'.repeat(12) }], anon: 401 },
  'POST /auth/password/admin-set': {
    request: () => ['POST', '/auth/password/admin-set', { email: 'alice@example.com', password: 'p'.repeat(12) }],
    anon: 401,
    bob: 403,
  },
  'GET /api/tokens': { request: () => ['GET', '/api/tokens'], anon: 401 },
  'DELETE /api/tokens/:id': { request: () => ['DELETE', `/api/tokens/${ids.token}`], anon: 401, bob: 404 },
  // The device flow starts without credentials; poll and redeem need the device's secret code.
  'POST /auth/device/start': { request: () => ['POST', '/auth/device/start', {}], anon: 400 },
  'POST /auth/device/poll': { request: () => ['POST', '/auth/device/poll', {}], anon: 400 },
  'POST /auth/device/redeem': { request: () => ['POST', '/auth/device/redeem', {}], anon: 400 },
  'GET /auth/device/verify.css': { request: () => ['GET', '/auth/device/verify.css'], anon: 200 },
  'GET /auth/device/verify.js': { request: () => ['GET', '/auth/device/verify.js'], anon: 200 },
  // The page asks to sign in; approving (the POST) needs a session.
  'GET /auth/device/verify': { request: () => ['GET', '/auth/device/verify'], anon: 200 },
  'POST /auth/device/verify': { request: () => ['POST', '/auth/device/verify', {}], anon: 415 },
  // The setup checklist, the same for everyone.
  'GET /validate': { request: () => ['GET', '/validate'], anon: 200 },
  'POST /validate': { request: () => ['POST', '/validate', { host_name: 'alice-laptop' }], anon: 401 },
  'GET /api/audit': { request: () => ['GET', '/api/audit'], anon: 401, bob: 403 },
  'GET /api/accounts': { request: () => ['GET', '/api/accounts'], anon: 401 },
  'PATCH /api/accounts/:id': {
    request: () => ['PATCH', `/api/accounts/${ids.account}`, { label: 'mine now' }],
    anon: 401,
    bob: 404,
  },
  'GET /api/accounts/:id/calibration': {
    request: () => ['GET', `/api/accounts/${ids.account}/calibration`],
    anon: 401,
    bob: 404,
  },
  'GET /api/accounts/:id/capacity-history': {
    request: () => ['GET', `/api/accounts/${ids.account}/capacity-history`],
    anon: 401,
    bob: 404,
  },
  'GET /api/admin/capacity-changes': { request: () => ['GET', '/api/admin/capacity-changes'], anon: 401, bob: 403 },
  'POST /api/official-usage': { request: () => ['POST', '/api/official-usage', {}], anon: 401 },
  'POST /api/limit-events': { request: () => ['POST', '/api/limit-events', {}], anon: 401 },
  'DELETE /api/limit-events/:id': {
    request: () => ['DELETE', `/api/limit-events/${ids.limitEvent}`],
    anon: 401,
    bob: 404,
  },
  'GET /api/me/usage': { request: () => ['GET', '/api/me/usage'], anon: 401 },
  'GET /api/forecast': { request: () => ['GET', '/api/forecast'], anon: 401 },
  'GET /api/me/pace': { request: () => ['GET', '/api/me/pace'], anon: 401 },
  'GET /api/admin/usage': { request: () => ['GET', '/api/admin/usage'], anon: 401, bob: 403 },
  'GET /stats': { request: () => ['GET', '/stats'], anon: 401 },
  'GET /app/claude-usage/stats': { request: () => ['GET', '/app/claude-usage/stats'], anon: 401 },
  'GET /app/claude-usage/stats/': { request: () => ['GET', '/app/claude-usage/stats/'], anon: 401 },
  // First run: says whether it is needed; completing it is refused once users exist.
  'GET /auth/setup': { request: () => ['GET', '/auth/setup'], anon: 200 },
  'POST /auth/setup': {
    request: () => [
      'POST',
      '/auth/setup',
      { setup_code: 'ABCD-EFGH-JKLM', email: 'x@example.com', password: 'p'.repeat(12) },
    ],
    anon: 409,
  },
  'GET /api/events': { request: () => ['GET', '/api/events'], anon: 401 },
  'GET /api/me/sessions': { request: () => ['GET', '/api/me/sessions'], anon: 401 },
  // Own usage for anyone signed in; scope=team only for admins.
  'GET /api/export': { request: () => ['GET', `/api/export?${range}&scope=team`], anon: 401, bob: 403 },
  'GET /api/me/activity': { request: () => ['GET', `/api/me/activity?${range}&scope=team`], anon: 401, bob: 403 },
  'GET /api/me/machines': { request: () => ['GET', '/api/me/machines'], anon: 401 },
  'GET /api/admin/users': { request: () => ['GET', '/api/admin/users'], anon: 401, bob: 403 },
  'POST /api/admin/users': {
    request: () => ['POST', '/api/admin/users', { email: 'carol@example.com', password: 'p'.repeat(12) }],
    anon: 401,
    bob: 403,
  },
  'PATCH /api/admin/users/:id': {
    request: () => ['PATCH', `/api/admin/users/${ids.alice}`, { role: 'admin' }],
    anon: 401,
    bob: 403,
  },
  'POST /api/admin/users/:id/password': {
    request: () => ['POST', `/api/admin/users/${ids.alice}/password`, { password: 'p'.repeat(12) }],
    anon: 401,
    bob: 403,
  },
  'GET /api/admin/tokens': { request: () => ['GET', '/api/admin/tokens'], anon: 401, bob: 403 },
  'DELETE /api/admin/tokens/:id': { request: () => ['DELETE', `/api/admin/tokens/${ids.token}`], anon: 401, bob: 403 },
  'GET /api/admin/prices': { request: () => ['GET', '/api/admin/prices'], anon: 401, bob: 403 },
  'PUT /api/admin/prices': {
    request: () => ['PUT', '/api/admin/prices', { models: {}, residency_factor: 1.1 }],
    anon: 401,
    bob: 403,
  },
  // Transcript uploads and manual entries (seed 002's /api/session and /api/delete-session too).
  'POST /api/transcript-usage': { request: () => ['POST', '/api/transcript-usage', { records: [] }], anon: 401 },
  // Seed 001's refresh reads the server machine's transcripts: only on a one-person local server.
  'POST /app/claude-usage/refresh': { request: () => ['POST', '/app/claude-usage/refresh'], anon: 401, bob: 403 },
  'POST /app/claude-usage/refresh/': { request: () => ['POST', '/app/claude-usage/refresh/'], anon: 401, bob: 403 },
  'GET /api/manual-entries': { request: () => ['GET', '/api/manual-entries'], anon: 401 },
  'POST /api/manual-entries': { request: () => ['POST', '/api/manual-entries', { input: 1, output: 1 }], anon: 401 },
  'DELETE /api/manual-entries/:id': {
    request: () => ['DELETE', `/api/manual-entries/${ids.manualEntry}`],
    anon: 401,
    bob: 404,
  },
  'POST /api/session': { request: () => ['POST', '/api/session', { input: 1, output: 1 }], anon: 401 },
  'POST /api/delete-session': { request: () => ['POST', '/api/delete-session', { index: 0 }], anon: 401 },
  // Webhooks: members manage their own endpoints only.
  'GET /api/webhooks': { request: () => ['GET', '/api/webhooks'], anon: 401 },
  'POST /api/webhooks': {
    request: () => ['POST', '/api/webhooks', { url: 'http://127.0.0.1:9/x', events: ['limit_hit'] }],
    anon: 401,
  },
  'GET /api/webhooks/:id': { request: () => ['GET', `/api/webhooks/${ids.webhook}`], anon: 401, bob: 404 },
  'PATCH /api/webhooks/:id': {
    request: () => ['PATCH', `/api/webhooks/${ids.webhook}`, { description: 'mine now' }],
    anon: 401,
    bob: 404,
  },
  'DELETE /api/webhooks/:id': { request: () => ['DELETE', `/api/webhooks/${ids.webhook}`], anon: 401, bob: 404 },
  'POST /api/webhooks/:id/test': {
    request: () => ['POST', `/api/webhooks/${ids.webhook}/test`, {}],
    anon: 401,
    bob: 404,
  },
  'POST /api/webhooks/:id/rotate-secret': {
    request: () => ['POST', `/api/webhooks/${ids.webhook}/rotate-secret`, {}],
    anon: 401,
    bob: 404,
  },
  'GET /api/webhooks/:id/deliveries': {
    request: () => ['GET', `/api/webhooks/${ids.webhook}/deliveries`],
    anon: 401,
    bob: 404,
  },
  'POST /api/webhooks/:id/deliveries/:delivery/replay': {
    request: () => ['POST', `/api/webhooks/${ids.webhook}/deliveries/none/replay`, {}],
    anon: 401,
    bob: 404,
  },
  // OTLP/HTTP under any base path; other POSTs are 404.
  'POST /*': { request: () => ['POST', '/v1/metrics', {}], anon: 401 },
  // The dashboard's page for every other GET (client-side routes), signing in by itself.
  'GET /*': { request: () => ['GET', '/'], anon: 200 },
  'HEAD /*': { request: () => ['HEAD', '/'], anon: 200 },
};

function routeTable(): string[] {
  const app = createApp(takt.server.context);
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort();
}

describe('the route table, every route in the matrix', () => {
  it('lists exactly the routes the app has', () => {
    expect(routeTable()).toEqual(Object.keys(MATRIX).sort());
  });

  it('without credentials: the answer of the matrix, with the security headers', async () => {
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const [route, row] of Object.entries(MATRIX)) {
      const [method, path, body] = row.request();
      const r = await anon.call(method, path, body);
      got[route] = [r.status, r.headers.get('content-security-policy'), r.headers.get('x-content-type-options')];
      want[route] = [row.anon, CONTENT_SECURITY_POLICY, 'nosniff'];
      got[`${route} (headers)`] = [
        r.headers.get('referrer-policy'),
        r.headers.get('x-frame-options'),
        CONTENT_SECURITY_POLICY.includes("frame-ancestors 'none'"),
      ];
      want[`${route} (headers)`] = ['no-referrer', 'DENY', true];
    }
    expect(got).toEqual(want);
  });

  it("a member: 403 on admin functions, 404 on another user's resources", async () => {
    const rows = Object.entries(MATRIX).filter(([, row]) => row.bob !== undefined);
    const got: Record<string, number> = {};
    for (const [route, row] of rows) {
      const [method, path, body] = row.request();
      got[route] = (await bob.call(method, path, body)).status;
    }
    expect(got).toEqual(Object.fromEntries(rows.map(([route, row]) => [route, row.bob])));
    // And Alice's things are still there, unchanged.
    const tokens = await alice.call('GET', '/api/tokens');
    const accounts = await alice.call('GET', '/api/accounts');
    expect(tokens.body.tokens.map((t: { revoked_at: string | null }) => t.revoked_at)).toEqual([null]);
    expect(accounts.body.accounts.map((a: { label: string | null }) => a.label)).not.toContain('mine now');
  });
});
