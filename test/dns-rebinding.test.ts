import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/raw-http.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Issue 22.1: DNS rebinding. Where the socket address alone authorises (TAKT_LAN_ADMIN_CIDRS),
 * a page of another site whose name now resolves to this server sends its own name in Host
 * and Origin (and Sec-Fetch-Site: same-origin, since the browser believes it is). Only the
 * server's own names are served.
 */
let lan: TestTakt;
beforeAll(async () => {
  lan = await startTakt({
    env: { TAKT_LAN_ADMIN_CIDRS: '127.0.0.1/32', TAKT_ALLOWED_HOSTS: 'takt.home.arpa' },
  });
});
afterAll(() => lan.stop());

const port = () => new URL(lan.directUrl).port;
const rebind = () => ({
  host: `rebind.evil.test:${port()}`,
  origin: `http://rebind.evil.test:${port()}`,
  'sec-fetch-site': 'same-origin',
});
const json = { 'content-type': 'application/json' };
const messageOf = (a: { text: string }) => (JSON.parse(a.text) as { error: { message: string } }).error.message;

describe('DNS rebinding against LAN admin', () => {
  it('refuses a rebound Host on writes and reads that the address alone would authorise', async () => {
    const answers = await Promise.all([
      rawRequest(`${lan.directUrl}/api/admin/users`, {
        method: 'POST',
        headers: { ...json, ...rebind() },
        body: '{"email":"evil@example.com","role":"admin","password":"evil password 1"}',
      }),
      rawRequest(`${lan.directUrl}/auth/invite`, { method: 'POST', headers: { ...json, ...rebind() }, body: '{}' }),
      rawRequest(`${lan.directUrl}/api/admin/users`, { headers: rebind() }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403]);
    expect(messageOf(answers[2] as { text: string })).toBe(
      `Host rebind.evil.test:${port()} is not one of this server's names: open takt by its own address (localhost, the bound address, TAKT_PUBLIC_URL) or add the name to TAKT_ALLOWED_HOSTS`,
    );
  });

  it('refuses an Origin that is not one of the server’s names, even with an own Host', async () => {
    const r = await rawRequest(`${lan.directUrl}/auth/invite`, {
      method: 'POST',
      headers: { ...json, host: `localhost:${port()}`, origin: `http://rebind.evil.test:${port()}` },
      body: '{}',
    });
    expect(r.status).toBe(403);
  });

  it('serves the server’s own names: loopback, the bound address, a configured name, and curl', async () => {
    const answers = await Promise.all(
      [`localhost:${port()}`, `127.0.0.1:${port()}`, `takt.home.arpa:${port()}`, `[::1]:${port()}`].map((host) =>
        rawRequest(`${lan.directUrl}/api/admin/users`, { headers: { host } }),
      ),
    );
    const write = await rawRequest(`${lan.directUrl}/auth/invite`, {
      method: 'POST',
      headers: { ...json, host: `takt.home.arpa:${port()}`, origin: `http://takt.home.arpa:${port()}` },
      body: '{}',
    });
    const curl = await rawRequest(`${lan.directUrl}/auth/invite`, { method: 'POST', headers: json, body: '{}' });
    expect([...answers.map((a) => a.status), write.status, curl.status]).toEqual([200, 200, 200, 200, 201, 201]);
  });
});
