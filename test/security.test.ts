import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/log.ts';
import { rawRequest, streamUntilAnswered } from './support/raw-http.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

const METRICS_TOKEN = 'metrics-secret-0123456789abcdef';
const MB = 1024 * 1024;

/** A takt whose loopback callers are LAN admins (TAKT_LAN_ADMIN_CIDRS), with a /metrics token. */
let lan: TestTakt;
/** A takt with /metrics explicitly closed. */
let closed: TestTakt;
const logLines: string[] = [];

beforeAll(async () => {
  const capture = (line: string) => {
    logLines.push(line);
  };
  [lan, closed] = await Promise.all([
    startTakt({
      env: { TAKT_LAN_ADMIN_CIDRS: '127.0.0.1/32', TAKT_METRICS_TOKEN: METRICS_TOKEN },
      log: createLogger('debug', { out: capture, err: capture }),
    }),
    startTakt({ env: { TAKT_METRICS_PUBLIC: '0' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([lan.stop(), closed.stop()]);
});

const json = { 'content-type': 'application/json' };
const post = (path: string, headers: Record<string, string>, body: string) =>
  rawRequest(`${lan.directUrl}${path}`, { method: 'POST', headers, body });
const messageOf = (a: { text: string }) => (JSON.parse(a.text) as { error: { message: string } }).error.message;

describe('body limits on the JSON and form endpoints (64 kB, 413)', () => {
  it('refuses a large body announced by Content-Length on every body-reading endpoint', async () => {
    const big = 'x'.repeat(MB);
    const answers = await Promise.all([
      post('/auth/login', json, `{"email":"a@example.com","password":"${big}"}`),
      post('/auth/register', json, `{"email":"a@example.com","invite_code":"${big}","machine":"m"}`),
      post('/validate', { ...json, authorization: `Bearer ${lan.token}` }, `{"host_name":"${big}"}`),
      post('/auth/device/verify', { 'content-type': 'application/x-www-form-urlencoded' }, `user_code=${big}`),
    ]);
    expect(answers.map((a) => [a.status, a.headers.connection])).toEqual([
      [413, 'close'],
      [413, 'close'],
      [413, 'close'],
      [413, 'close'],
    ]);
    expect(messageOf(answers[0] as { text: string })).toBe(
      'the body is larger than 65536 bytes: API requests are small: send only the documented fields (docs/api.md)',
    );
  });

  it('stops reading a streamed body without Content-Length as soon as it passes the limit', async () => {
    const [verify, login] = await Promise.all([
      streamUntilAnswered(
        `${lan.directUrl}/auth/device/verify`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        64 * MB,
      ),
      streamUntilAnswered(`${lan.directUrl}/auth/login`, json, 64 * MB),
    ]);
    expect([verify.status, login.status]).toEqual([413, 413]);
    // The server answered after a few chunks, not after reading 64 MB.
    expect(verify.sentBytes).toBeLessThan(8 * MB);
    expect(login.sentBytes).toBeLessThan(8 * MB);
  });
});

describe('CSRF through TAKT_LAN_ADMIN_CIDRS', () => {
  it('refuses cross-site and non-JSON admin writes, and accepts same-origin pages and curl', async () => {
    const own = `http://${new URL(lan.directUrl).host}`;
    const evil = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const plain = { 'content-type': 'text/plain' };
    const invite = '{"count":1}';
    const answers = await Promise.all([
      // A <form enctype="text/plain"> on another site, as a browser sends it.
      post('/auth/invite', { ...plain, ...evil }, invite),
      post('/auth/password/admin-set', { ...plain, ...evil }, '{"email":"dev@example.com","password":"x"}'),
      // The same body without browser headers: the media type alone is refused.
      post('/auth/invite', plain, invite),
      post('/auth/invite', { ...json, 'sec-fetch-site': 'cross-site' }, invite),
      post('/auth/invite', { ...json, 'sec-fetch-site': 'same-site' }, invite),
      post('/auth/invite', { ...json, origin: 'http://evil.example' }, invite),
      post('/auth/invite', { ...json, origin: 'null' }, invite),
      // takt's own page, a browser without Fetch Metadata on the same origin, and curl.
      post('/auth/invite', { ...json, origin: own, 'sec-fetch-site': 'same-origin' }, invite),
      post('/auth/invite', { ...json, origin: own }, invite),
      post('/auth/invite', json, invite),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 415, 403, 403, 403, 403, 201, 201, 201]);
    expect([0, 2, 5].map((i) => messageOf(answers[i] as { text: string }))).toEqual([
      "this write came from another site (Sec-Fetch-Site: cross-site): use takt's own pages, a bearer token, or a client without a browser such as curl or takt",
      'Content-Type text/plain is not accepted: send the body as JSON with Content-Type: application/json',
      "this write came from another site (Origin: http://evil.example): use takt's own pages, a bearer token, or a client without a browser such as curl or takt",
    ]);
  });

  it('answers 415 with the error set code for a JSON endpoint posted as a form', async () => {
    const r = await post(
      '/auth/login',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'email=a%40example.com&password=x',
    );
    expect([r.status, JSON.parse(r.text)]).toEqual([
      415,
      {
        error: {
          code: 'unsupported_media_type',
          message:
            'Content-Type application/x-www-form-urlencoded is not accepted: send the body as JSON with Content-Type: application/json',
        },
      },
    ]);
  });
});

describe('security headers', () => {
  const expected = {
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  const pick = (h: Record<string, unknown>) => Object.fromEntries(Object.keys(expected).map((k) => [k, h[k]]));

  it('are on HTML, JSON, error and OTLP answers alike', async () => {
    const answers = await Promise.all([
      rawRequest(`${lan.directUrl}/auth/device/verify?user_code=ABCD-EFGH`),
      rawRequest(`${lan.directUrl}/healthz`),
      rawRequest(`${lan.directUrl}/api/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`, {
        headers: { authorization: `Bearer ${lan.token}` },
      }),
      rawRequest(`${lan.directUrl}/api/no/such/route`),
      post('/v1/logs', { 'content-type': 'application/x-protobuf' }, ''),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 404, 401]);
    expect(answers.map((a) => pick(a.headers))).toEqual([expected, expected, expected, expected, expected]);
  });

  it('leave the verify page nothing inline that the policy would block, and serve its style and script', async () => {
    const [page, css, js] = await Promise.all([
      rawRequest(`${lan.directUrl}/auth/device/verify`),
      rawRequest(`${lan.directUrl}/auth/device/verify.css`),
      rawRequest(`${lan.directUrl}/auth/device/verify.js`),
    ]);
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(page.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
    expect(page.text).toContain('<script src="/auth/device/verify.js" defer></script>');
    expect(page.text).toContain('<link rel="stylesheet" href="/auth/device/verify.css">');
    expect([css.status, css.headers['content-type'], js.status, js.headers['content-type']]).toEqual([
      200,
      'text/css; charset=utf-8',
      200,
      'text/javascript; charset=utf-8',
    ]);
    expect(js.text).toContain("fetch('/auth/login'");
  });
});

describe('GET /metrics', () => {
  it('needs the bearer TAKT_METRICS_TOKEN when one is set', async () => {
    const url = `${lan.directUrl}/metrics`;
    const [none, wrong, right] = await Promise.all([
      rawRequest(url),
      rawRequest(url, { headers: { authorization: 'Bearer metrics-secret-wrong-guess' } }),
      rawRequest(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
    ]);
    expect([none.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    expect(messageOf(none)).toBe(
      'GET /metrics needs Authorization: Bearer <TAKT_METRICS_TOKEN> (bearer_token in a Prometheus scrape config)',
    );
    expect(right.text).toContain('takt_otlp_exports_total');
  });

  it('is closed by TAKT_METRICS_PUBLIC=0, saying how to open it', async () => {
    const r = await rawRequest(`${closed.directUrl}/metrics`);
    expect([r.status, messageOf(r)]).toEqual([
      403,
      'GET /metrics is closed on a non-loopback bind (127.0.0.1): set TAKT_METRICS_TOKEN and scrape with that bearer token, or TAKT_METRICS_PUBLIC=1 to open it',
    ]);
  });
});

describe('the server log (TAKT_LOG_LEVEL=debug)', () => {
  it('logs requests and prints no token, password, invite code or session', async () => {
    const password = 'correct horse battery staple 42';
    const minted = await post('/auth/invite', json, '{"count":1}');
    const code = (JSON.parse(minted.text) as { codes: string[] }).codes[0] as string;
    const set = await post('/auth/password/admin-set', json, JSON.stringify({ email: 'dev@example.com', password }));
    const login = await post('/auth/login', json, JSON.stringify({ email: 'dev@example.com', password }));
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const registered = await post(
      '/auth/register',
      json,
      JSON.stringify({ email: 'new@example.com', invite_code: code, machine: 'box' }),
    );
    const usage = await rawRequest(`${lan.directUrl}/api/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`, {
      headers: { authorization: `Bearer ${lan.token}`, cookie },
    });
    expect([minted.status, set.status, login.status, registered.status, usage.status]).toEqual([
      201, 200, 200, 201, 200,
    ]);
    const log = logLines.join('');
    expect(log).toContain('debug request method=POST path=/auth/login status=200 ms=');
    const secrets = [
      password,
      code,
      lan.token,
      METRICS_TOKEN,
      cookie.split('=')[1] as string,
      (JSON.parse(registered.text) as { token: string }).token,
    ];
    expect(secrets.filter((s) => log.includes(s))).toEqual([]);
  });
});
