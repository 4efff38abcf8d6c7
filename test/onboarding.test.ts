import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { mintInvites } from '../src/auth/invites.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

const SIX = [
  'CLAUDE_CODE_ENABLE_TELEMETRY',
  'OTEL_METRICS_EXPORTER',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_RESOURCE_ATTRIBUTES',
];

let takt: TestTakt;
let database: TestDatabase;
let admin: TestClient;
let anonymous: TestClient;

async function invite(count = 1): Promise<string[]> {
  const r = await admin.call('POST', '/auth/invite', { count });
  return r.body.codes;
}

async function sendUsage(token: string, host: string, value: number) {
  const now = Date.now();
  return fetch(`${takt.directUrl}/v1/metrics`, {
    method: 'POST',
    body: encodeMetrics(
      tokenMetrics({ host, sessionId: `s-${host}-${value}` }, [{ model: 'm', type: 'input', value }], {
        startMs: now - 1000,
        timeMs: now,
      }),
    ),
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
  });
}

/** Every flow, on SQLite and on a real PostgreSQL. */
describe.each(dialects)('onboarding on $name', ({ create }) => {
  beforeAll(async () => {
    database = await create();
    takt = await startTakt({
      // Every flow registers from 127.0.0.1; the default limit has its own test below.
      env: { TAKT_PUBLIC_URL: 'https://takt.example.com', TAKT_AUTH_RATE_LIMIT: '100' },
      ...(database.dialect === 'postgres' ? { databaseUrl: database.url } : {}),
    });
    const db = takt.server.context.store.db;
    const a = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
    admin = new TestClient(takt.directUrl, (await issueApiToken(db, a.id, 'admin')).token);
    anonymous = new TestClient(takt.directUrl);
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  describe('invites and registration', () => {
    it('lets an admin mint one-time codes, and nobody else', async () => {
      const member = new TestClient(takt.directUrl, takt.token);
      const [ok, none, notAdmin, bad] = await Promise.all([
        admin.call('POST', '/auth/invite', { count: 2, expires_in: 3600 }),
        anonymous.call('POST', '/auth/invite', { count: 1 }),
        member.call('POST', '/auth/invite', { count: 1 }),
        admin.call('POST', '/auth/invite', { count: 500 }),
      ]);
      expect([ok.status, ok.body.codes.length, none.status, notAdmin.status, bad.status]).toEqual([
        201, 2, 401, 403, 400,
      ]);
      expect(bad.body.error.message).toBe('count: count must be 1 to 100');
    });

    it('registers with an invite and returns a token and a complete setup payload', async () => {
      const [code] = await invite();
      const r = await anonymous.call('POST', '/auth/register', {
        email: 'New@Example.com',
        invite_code: code,
        machine: 'laptop-1',
      });
      expect(r.status).toBe(201);
      const setup = r.body.setup;
      expect(setup.variables).toEqual({
        CLAUDE_CODE_ENABLE_TELEMETRY: '1',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://takt.example.com/v1/metrics',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://takt.example.com/v1/logs',
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${r.body.token}`,
        OTEL_RESOURCE_ATTRIBUTES: 'host.name=laptop-1',
      });
      for (const name of SIX) {
        expect(setup.methods.powershell.command).toContain(`'${name}'`);
        expect(setup.methods.bash.command).toContain(`export ${name}=`);
        expect(Object.keys(setup.methods.settings_json.contents.env)).toContain(name);
      }
      expect((await sendUsage(r.body.token, 'laptop-1', 5)).status).toBe(200);
    });

    it('answers a spent, unknown or expired code and an existing email with what to do instead', async () => {
      const [code, second] = await invite(2);
      await anonymous.call('POST', '/auth/register', { email: 'twice@example.com', invite_code: code, machine: 'm1' });
      const spent = await anonymous.call('POST', '/auth/register', {
        email: 'other@example.com',
        invite_code: code,
        machine: 'm1',
      });
      const unknown = await anonymous.call('POST', '/auth/register', {
        email: 'x@example.com',
        invite_code: 'NOPE-NOPE-NOPE',
        machine: 'm1',
      });
      const existing = await anonymous.call('POST', '/auth/register', {
        email: 'twice@example.com',
        invite_code: second,
        machine: 'm2',
      });
      const badMachine = await anonymous.call('POST', '/auth/register', {
        email: 'y@example.com',
        invite_code: second,
        machine: 'no spaces',
      });
      const old = await mintInvites(takt.server.context.store.db, {
        count: 1,
        expiresInSeconds: 60,
        createdBy: null,
        now: Date.now() - 120_000,
      });
      const expired = await anonymous.call('POST', '/auth/register', {
        email: 'late@example.com',
        invite_code: old.codes[0],
        machine: 'm3',
      });
      expect([spent.status, unknown.status, existing.status, badMachine.status, expired.status]).toEqual([
        409, 400, 409, 400, 400,
      ]);
      expect(expired.body.error.message).toBe('this invite code has expired: ask your admin for a new one');
      expect(spent.body.error.message).toMatch(/already used: if it was you, fetch your token with POST \/auth\/token/);
      expect(unknown.body.error.message).toBe(
        'unknown invite code: check it for typos, or ask your admin for a new one',
      );
      expect(existing.body.error.message).toMatch(/already registered: fetch your token with POST \/auth\/token/);
    });

    it('re-fetches a token with email and invite code, and rotates a token', async () => {
      const [code] = await invite();
      const reg = await anonymous.call('POST', '/auth/register', {
        email: 'rot@example.com',
        invite_code: code,
        machine: 'desk',
      });
      const again = await anonymous.call('POST', '/auth/token', {
        email: 'ROT@example.com',
        invite_code: code,
        machine: 'desk',
      });
      const wrong = await anonymous.call('POST', '/auth/token', {
        email: 'rot@example.com',
        invite_code: 'AAAA-BBBB-CCCC',
      });
      const rotated = await new TestClient(takt.directUrl, again.body.token).call('POST', '/auth/rotate', {});
      const oldNow = await sendUsage(again.body.token, 'desk', 1);
      const newNow = await sendUsage(rotated.body.token, 'desk', 1);
      const firstStillWorks = await sendUsage(reg.body.token, 'desk', 2);
      expect([
        again.status,
        wrong.status,
        rotated.status,
        oldNow.status,
        newNow.status,
        firstStillWorks.status,
      ]).toEqual([200, 401, 200, 401, 200, 200]);
      expect(rotated.body.setup.variables.OTEL_RESOURCE_ATTRIBUTES).toBe('host.name=desk');
    });
  });

  describe('tokens', () => {
    it('lists a user its own tokens with labels and last use, and revokes them', async () => {
      const [code] = await invite();
      const reg = await anonymous.call('POST', '/auth/register', {
        email: 'tok@example.com',
        invite_code: code,
        machine: 'box',
      });
      const me = new TestClient(takt.directUrl, reg.body.token);
      const extra = await me.call('POST', '/auth/setup-additional', { machine: 'box' });
      await sendUsage(reg.body.token, 'box', 3);
      const listed = await me.call('GET', '/api/tokens');
      expect(extra.body.token_created).toBe(false);
      expect(
        listed.body.tokens.map((t: Record<string, unknown>) => [t.label, t.current, t.last_used_at !== null]),
      ).toEqual([['box', true, true]]);
      const revoked = await me.call('DELETE', `/api/tokens/${reg.body.token_id}`);
      const after = await sendUsage(reg.body.token, 'box', 1);
      expect([revoked.status, after.status]).toEqual([200, 401]);
    });
  });

  describe('passwords and sessions', () => {
    it('logs in with a cookie session that needs the CSRF token to write', async () => {
      const [code] = await invite();
      const reg = await anonymous.call('POST', '/auth/register', {
        email: 'web@example.com',
        invite_code: code,
        machine: 'web1',
      });
      const viaToken = new TestClient(takt.directUrl, reg.body.token);
      const set = await viaToken.call('POST', '/auth/password/set', { password: 'correct horse battery' });
      const browser = new TestClient(takt.directUrl);
      const login = await browser.call('POST', '/auth/login', {
        email: 'web@example.com',
        password: 'correct horse battery',
      });
      expect([set.status, login.status]).toEqual([200, 200]);
      expect(login.headers.get('set-cookie')).toMatch(
        /^takt_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
      const noCsrf = await browser.call('POST', '/auth/setup-additional', { machine: 'web2' });
      const withCsrf = await browser.call(
        'POST',
        '/auth/setup-additional',
        { machine: 'web2' },
        { 'x-csrf-token': login.body.csrf_token },
      );
      const read = await browser.call('GET', '/api/tokens');
      expect([noCsrf.status, withCsrf.status, withCsrf.body.token_created, read.status]).toEqual([403, 200, true, 200]);
      const out = await browser.call('POST', '/auth/logout', {}, { 'x-csrf-token': login.body.csrf_token });
      const afterLogout = await new TestClient(takt.directUrl).call('GET', '/api/tokens', undefined, {
        cookie: browser.cookie,
      });
      expect([out.status, afterLogout.status]).toEqual([200, 401]);
    });

    it('lets an admin set a password, not a member', async () => {
      const member = new TestClient(takt.directUrl, takt.token);
      const byMember = await member.call('POST', '/auth/password/admin-set', {
        email: 'web@example.com',
        password: 'x'.repeat(12),
      });
      const byAdmin = await admin.call('POST', '/auth/password/admin-set', {
        email: 'dev@example.com',
        password: 'y'.repeat(12),
      });
      const weak = await admin.call('POST', '/auth/password/admin-set', {
        email: 'dev@example.com',
        password: 'short',
      });
      expect([byMember.status, byAdmin.status, weak.status]).toEqual([403, 200, 400]);
    });
  });

  describe('rate limits', () => {
    it('gives the same answer for an unknown email and a wrong password, and limits attempts', async () => {
      // A server of its own: the limits count per address, and every test calls from 127.0.0.1.
      const own = await startTakt();
      const c = new TestClient(own.directUrl);
      const setPw = await new TestClient(own.directUrl, own.token).call('POST', '/auth/password/set', {
        password: 'correct horse battery',
      });
      expect(setPw.status).toBe(200);
      const unknown = await c.call('POST', '/auth/login', { email: 'ghost@example.com', password: 'whatever-123' });
      const wrong = await c.call('POST', '/auth/login', { email: 'dev@example.com', password: 'wrong-password' });
      expect([unknown.status, unknown.body, wrong.status, wrong.body]).toEqual([
        401,
        { error: { code: 'unauthenticated', message: 'email or password is wrong' } },
        401,
        { error: { code: 'unauthenticated', message: 'email or password is wrong' } },
      ]);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        statuses.push(
          (await c.call('POST', '/auth/login', { email: 'dev@example.com', password: `guess-${i}` })).status,
        );
      }
      const limited = await c.call('POST', '/auth/login', { email: 'dev@example.com', password: 'guess' });
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      await own.stop();
      expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
    });
  });

  describe('device flow', () => {
    async function browserFor(email: string, password: string) {
      const b = new TestClient(takt.directUrl);
      const login = await b.call('POST', '/auth/login', { email, password });
      b.csrf = login.body.csrf_token;
      return b;
    }
    async function verifyForm(b: TestClient, userCode: string, decision: 'approve' | 'deny', csrf = b.csrf) {
      const r = await fetch(`${takt.directUrl}/auth/device/verify`, {
        method: 'POST',
        headers: { cookie: b.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user_code: userCode, decision, csrf_token: csrf }),
      });
      return { status: r.status, html: await r.text() };
    }

    it('starts, waits, slows a fast poller down, and delivers the token once after approval', async () => {
      const start = await anonymous.call('POST', '/auth/device/start', { machine: 'new-box' });
      expect(start.status).toBe(201);
      expect(Object.keys(start.body).sort()).toEqual([
        'device_code',
        'expires_in',
        'interval',
        'resume_code',
        'user_code',
        'verification_uri',
        'verification_uri_complete',
        'verification_url',
      ]);
      expect(start.body.verification_url).toBe('https://takt.example.com/auth/device/verify');
      const pending = await anonymous.call('POST', '/auth/device/poll', { device_code: start.body.device_code });
      const tooFast = await anonymous.call('POST', '/auth/device/poll', { device_code: start.body.device_code });
      expect([pending.body.status, pending.body.error, tooFast.body.error, tooFast.body.interval]).toEqual([
        'pending',
        'authorization_pending',
        'slow_down',
        10,
      ]);
      const page = await fetch(
        `${takt.directUrl}${new URL(start.body.verification_uri_complete).pathname}?user_code=x`,
      );
      expect(await page.text()).toContain('Sign in to approve a machine.');

      const b = await browserFor('web@example.com', 'correct horse battery');
      const forged = await verifyForm(b, start.body.user_code, 'approve', 'not-the-token');
      const approved = await verifyForm(b, start.body.user_code.toLowerCase(), 'approve');
      expect([forged.status, approved.status]).toEqual([401, 200]);
      expect(approved.html).toContain('Approved: new-box will receive its token');

      const redeemed = await anonymous.call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code });
      const again = await anonymous.call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code });
      expect([redeemed.body.status, redeemed.body.setup.variables.OTEL_RESOURCE_ATTRIBUTES, again.status]).toEqual([
        'approved',
        'host.name=new-box',
        409,
      ]);
      expect((await sendUsage(redeemed.body.token, 'new-box', 9)).status).toBe(200);
    });

    it('tells the machine when the user denies', async () => {
      const start = await anonymous.call('POST', '/auth/device/start', { machine: 'suspicious' });
      const b = await browserFor('web@example.com', 'correct horse battery');
      await verifyForm(b, start.body.user_code, 'deny');
      const poll = await anonymous.call('POST', '/auth/device/poll', { device_code: start.body.device_code });
      const unknown = await anonymous.call('POST', '/auth/device/poll', { device_code: 'nope' });
      expect([poll.body.status, unknown.status]).toEqual(['denied', 404]);
    });
  });

  describe('/validate', () => {
    it('answers every tracking status with its next action', async () => {
      const [code] = await invite();
      const reg = await anonymous.call('POST', '/auth/register', {
        email: 'val@example.com',
        invite_code: code,
        machine: 'MyBox.local',
      });
      const me = new TestClient(takt.directUrl, reg.body.token);
      const noToken = await anonymous.call('POST', '/validate', { host_name: 'x' });
      const badToken = await new TestClient(takt.directUrl, 'takt_x').call('POST', '/validate', { host_name: 'x' });
      const noHost = await me.call('POST', '/validate', {});
      const never = await me.call('POST', '/validate', { host_name: 'MyBox.local' });
      await sendUsage(reg.body.token, 'MyBox.local', 1234);
      const active = await me.call('POST', '/validate', { host_name: 'MyBox.local' });
      const near = await me.call('POST', '/validate', { host_name: 'mybox' });
      const checklist = await anonymous.call('GET', '/validate');
      expect([noToken, badToken, noHost, never, active, near].map((r) => [r.status, r.body.tracking_status])).toEqual([
        [401, 'no_token'],
        [401, 'auth_invalid'],
        [200, 'no_host_supplied'],
        [200, 'host_never_seen'],
        [200, 'active'],
        [200, 'host_normalized'],
      ]);
      expect(active.body).toMatchObject({
        token: 'ok',
        host_name_ever_seen: true,
        tokens_24h_for_host: 1234,
        recent_machines_for_token: ['MyBox.local'],
        recent_accounts_for_token: [],
        next_action: 'Nothing to do: telemetry from this machine arrived in the last 5 minutes.',
      });
      expect(near.body.hostname_match_candidates).toEqual(['MyBox.local']);
      expect(checklist.body.checklist.length).toBeGreaterThan(3);
    });
  });

  describe('audit trail', () => {
    it('records every change, without secrets, for admins only', async () => {
      const member = new TestClient(takt.directUrl, takt.token);
      const events = await admin.call('GET', '/api/audit?limit=1000');
      const denied = await member.call('GET', '/api/audit');
      const actions = new Set(events.body.events.map((e: { action: string }) => e.action));
      expect(denied.status).toBe(403);
      expect([...actions].sort()).toEqual([
        'device.approve',
        'device.deny',
        'invite.create',
        'session.login',
        'session.logout',
        'token.create',
        'token.revoke',
        'token.rotate',
        'user.password_admin_set',
        'user.password_set',
        'user.register',
      ]);
      expect(JSON.stringify(events.body)).not.toMatch(/takt_[A-Za-z0-9]{12}_/);
      const filtered = await admin.call('GET', '/api/audit?action=user.register&limit=2');
      expect(filtered.body.events.map((e: { action: string }) => e.action)).toEqual(['user.register', 'user.register']);
    });
  });
});
