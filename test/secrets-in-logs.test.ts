import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/lib/log.ts';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';

/**
 * A full run at TAKT_LOG_LEVEL=debug — first-run setup, invites, registration, sign-in
 * (right and wrong), the device flow, password change, exports with good and bad tokens,
 * official usage carrying a claude.ai sessionKey, sign-out — then every secret it used is
 * looked for in every log line and in every answer's error message. None may appear.
 */
const home = mkdtempSync(join(tmpdir(), 'takt-logs-'));
const lines: string[] = [];
let server: RunningServer;
afterAll(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});
beforeAll(async () => {
  const capture = (line: string) => {
    lines.push(line);
  };
  const config = loadConfig({ TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0', TAKT_LOG_LEVEL: 'debug' });
  server = await startServer(config, { log: createLogger('debug', { out: capture, err: capture }) });
});

it('no token, password, code, session id or sessionKey in any log line or error message', async () => {
  const url = server.httpUrl;
  const secrets: string[] = [];
  const errors: string[] = [];
  const keep = <T extends { status: number; body: unknown }>(r: T): T => {
    if (r.status >= 400) errors.push(JSON.stringify(r.body));
    return r;
  };
  const setupCode = server.context.setupCode as string;
  const adminPassword = 'correct horse battery staple';
  secrets.push(setupCode, adminPassword);

  const admin = new TestClient(url);
  keep(
    await admin.call('POST', '/auth/setup', {
      setup_code: 'WRONG-CODE-0000',
      email: 'a@example.com',
      password: adminPassword,
    }),
  );
  const setup = keep(
    await admin.call('POST', '/auth/setup', { setup_code: setupCode, email: 'a@example.com', password: adminPassword }),
  );
  admin.csrf = setup.body.csrf_token;
  secrets.push(admin.cookie.split('=')[1] as string, admin.csrf);
  const invite = keep(await admin.call('POST', '/auth/invite', { count: 2 }, { 'x-csrf-token': admin.csrf }));
  const [code1, code2] = invite.body.codes as string[];
  secrets.push(code1 as string, code2 as string);

  const anon = new TestClient(url);
  keep(await anon.call('POST', '/auth/register', { email: 'm@example.com', invite_code: 'nope-nope', machine: 'm1' }));
  const reg = keep(
    await anon.call('POST', '/auth/register', { email: 'm@example.com', invite_code: code1, machine: 'm1' }),
  );
  const memberToken = reg.body.token as string;
  secrets.push(memberToken);
  const viaToken = keep(
    await anon.call('POST', '/auth/register', { email: 'm2@example.com', invite_code: code2, machine: 'm2' }),
  );
  secrets.push(viaToken.body.token as string);

  keep(await anon.call('POST', '/auth/login', { email: 'a@example.com', password: 'wrong password here' }));
  secrets.push('wrong password here');
  const browser = new TestClient(url);
  const login = keep(await browser.call('POST', '/auth/login', { email: 'a@example.com', password: adminPassword }));
  browser.csrf = login.body.csrf_token;
  secrets.push(browser.cookie.split('=')[1] as string, browser.csrf);

  const start = keep(await anon.call('POST', '/auth/device/start', { machine: 'dev-box' }));
  secrets.push(start.body.device_code, start.body.user_code, start.body.resume_code);
  keep(await anon.call('POST', '/auth/device/poll', { device_code: start.body.device_code }));
  const verify = await fetch(`${url}/auth/device/verify`, {
    method: 'POST',
    headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: start.body.user_code, decision: 'approve', csrf_token: browser.csrf }),
  });
  await fetch(`${url}/auth/device/verify?user_code=${start.body.user_code}`, { headers: { cookie: browser.cookie } });
  const redeemed = keep(await anon.call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code }));
  secrets.push(redeemed.body.token);
  keep(await anon.call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code }));

  const member = new TestClient(url, memberToken);
  const newPassword = 'another long passphrase';
  secrets.push(newPassword);
  keep(await member.call('POST', '/auth/password/set', { password: newPassword }));
  const sessionKey = 'sk-ant-sid01-SECRETSESSIONKEYVALUE0123456789';
  secrets.push(sessionKey);
  keep(
    await member.call('POST', '/api/official-usage', {
      source: 'claude_ai',
      sessionKey,
      session_key: sessionKey,
      captured_at: new Date().toISOString(),
      usage: { five_hour: { utilization: 'not a number' } },
    }),
  );
  const now = Date.now();
  const body = encodeMetrics(
    tokenMetrics({ host: 'm1', sessionId: 's1' }, [{ model: 'm', type: 'input', value: 3 }], {
      startMs: now - 1000,
      timeMs: now,
    }),
  );
  const badToken = `${memberToken.slice(0, -4)}zzzz`;
  secrets.push(badToken);
  for (const token of [memberToken, badToken, 'takt_completely-made-up-token-value']) {
    await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    });
  }
  secrets.push('takt_completely-made-up-token-value');
  keep(await browser.call('POST', '/auth/logout', {}, { 'x-csrf-token': browser.csrf }));
  keep(await member.call('POST', '/auth/rotate', {}));

  const leaks = secrets.flatMap((s) =>
    [...lines, ...errors].filter((l) => l.includes(s)).map((l) => `${s.slice(0, 6)}… in: ${l.slice(0, 160)}`),
  );
  expect(verify.status).toBe(200);
  expect(secrets.map((s, i) => (typeof s === 'string' && s.length >= 8 ? 'ok' : `${i}: ${s}`))).toEqual(
    secrets.map(() => 'ok'),
  );
  expect(lines.length).toBeGreaterThan(20);
  expect(errors.length).toBeGreaterThan(4);
  expect(leaks).toEqual([]);
});
