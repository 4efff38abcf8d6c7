import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollOfficialUsage, readOfficialUsage } from './read-official-usage.ts';

/** A local fake of both official endpoints: each path answers what the test queued. */
interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
const answers = new Map<string, Answer>();
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    seen.push({ path, headers: req.headers });
    const a = answers.get(path) ?? { status: 404, body: '{}' };
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let dir: string;
let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-official-'));
  home = join(dir, 'takt');
  mkdirSync(join(dir, '.claude'));
  env = { HOME: dir, TAKT_ANTHROPIC_BASE_URL: base, TAKT_CLAUDE_AI_BASE_URL: base };
  answers.clear();
  seen.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-12-01T12:00:00Z');
const flat = JSON.stringify({
  five_hour: { utilization: 36, resets_at: '2026-12-01T15:00:00.422966+00:00' },
  seven_day: { utilization: 20, resets_at: '2026-12-05T09:00:00+00:00' },
  seven_day_opus: null,
  extra_usage: { is_enabled: false },
});
const list = JSON.stringify({
  limits: [
    { type: 'five_hour', used_percentage: 41, resets_at: 1796137200 },
    { type: 'weekly', utilization: 21.5, resetsAt: '2026-12-05T09:00:00Z' },
  ],
});
const credentials = (expiresAt: number) =>
  writeFileSync(
    join(dir, '.claude', '.credentials.json'),
    JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-abc', refreshToken: 'r', expiresAt } }),
  );
const windowsOf = (r: { windows: { window: string; utilization: number; resetsAt: number | null }[] }) =>
  r.windows.map((w) => [w.window, w.utilization, w.resetsAt === null ? null : new Date(w.resetsAt).toISOString()]);

describe('official usage: the OAuth endpoint', () => {
  it('reads the flat shape with the token and beta header, then answers from the cache for three minutes', async () => {
    credentials(NOW + 3_600_000);
    answers.set('/api/oauth/usage', { status: 200, body: flat });
    const first = await readOfficialUsage({ source: 'oauth', env, home, now: NOW });
    expect(windowsOf(first)).toEqual([
      ['five_hour', 36, '2026-12-01T15:00:00.422Z'],
      ['seven_day', 20, '2026-12-05T09:00:00.000Z'],
    ]);
    expect(first.from_cache).toBe(false);
    expect(seen.map((s) => [s.path, s.headers.authorization, s.headers['anthropic-beta']])).toEqual([
      ['/api/oauth/usage', 'Bearer sk-ant-oat01-abc', 'oauth-2025-04-20'],
    ]);
    const again = await readOfficialUsage({ source: 'oauth', env, home, now: NOW + 179_000 });
    expect({ from_cache: again.from_cache, calls: seen.length, fetched: again.fetched_at }).toEqual({
      from_cache: true,
      calls: 1,
      fetched: NOW,
    });
    const later = await readOfficialUsage({ source: 'oauth', env, home, now: NOW + 181_000 });
    expect({ from_cache: later.from_cache, calls: seen.length }).toEqual({ from_cache: false, calls: 2 });
  });

  it('reads the limits[] shape', async () => {
    credentials(NOW + 3_600_000);
    answers.set('/api/oauth/usage', { status: 200, body: list });
    expect(windowsOf(await readOfficialUsage({ source: 'oauth', env, home, now: NOW }))).toEqual([
      ['five_hour', 41, '2026-12-01T15:00:00.000Z'],
      ['seven_day', 21.5, '2026-12-05T09:00:00.000Z'],
    ]);
  });

  it('says in words that the token expired, and calls nothing', async () => {
    credentials(NOW - 1000);
    await expect(readOfficialUsage({ source: 'oauth', env, home, now: NOW })).rejects.toThrow(
      "Claude Code's sign-in token expired at 2026-12-01T11:59:59.000Z: start Claude Code once (it renews its own token; takt does not), then try again",
    );
    expect(seen).toEqual([]);
  });

  it('a 401 is an expired or revoked token', async () => {
    credentials(NOW + 3_600_000);
    answers.set('/api/oauth/usage', { status: 401, body: '{"type":"error"}' });
    await expect(readOfficialUsage({ source: 'oauth', env, home, now: NOW })).rejects.toMatchObject({
      code: 'unauthenticated',
      message: expect.stringContaining('expired or revoked'),
    });
  });

  it('honours Retry-After on a 429: no call before it, one after', async () => {
    credentials(NOW + 3_600_000);
    answers.set('/api/oauth/usage', { status: 429, body: '{}', headers: { 'retry-after': '600' } });
    await expect(readOfficialUsage({ source: 'oauth', env, home, now: NOW })).rejects.toMatchObject({
      code: 'rate_limited',
      message: 'Anthropic answered 429: no call before 2026-12-01T12:10:00.000Z: try again after that',
    });
    await expect(readOfficialUsage({ source: 'oauth', env, home, now: NOW + 300_000 })).rejects.toMatchObject({
      code: 'rate_limited',
    });
    expect(seen.length).toBe(1);
    answers.set('/api/oauth/usage', { status: 200, body: flat });
    const after = await readOfficialUsage({ source: 'oauth', env, home, now: NOW + 601_000 });
    expect({ calls: seen.length, five: after.windows[0]?.utilization }).toEqual({ calls: 2, five: 36 });
  });

  it('a malformed answer gives a clear message and stores nothing', async () => {
    credentials(NOW + 3_600_000);
    answers.set('/api/oauth/usage', { status: 200, body: '<html>maintenance</html>' });
    await expect(readOfficialUsage({ source: 'oauth', env, home, now: NOW })).rejects.toThrow(
      'the OAuth usage endpoint answered something that is not JSON ("<html>maintenance</html>"): nothing was stored',
    );
    answers.set('/api/oauth/usage', { status: 200, body: '{"five_hour":{"utilization":"lots"}}' });
    await expect(readOfficialUsage({ source: 'oauth', env, home, now: NOW + 1 })).rejects.toThrow(
      'the OAuth usage endpoint answered JSON takt cannot read (usage.five_hour: the percentage must be a number from 0 to 1000, got "lots")',
    );
    expect(existsSync(join(home, 'official-usage.json'))).toBe(false);
    expect(seen.length).toBe(2); // a bad answer is not cached: the next run asks again
  });
});

describe('official usage: claude.ai with a sessionKey', () => {
  const keyFile = () => join(dir, 'session-key');

  it('reads the organisation usage with the cookie from a 0600 file (seed 004 .env lines)', async () => {
    writeFileSync(
      keyFile(),
      'CLAUDE_SESSION_KEY=sk-ant-sid01-xyz\nCLAUDE_ORG_ID=0b5c9a4e-1111-2222-3333-444455556666\n',
      {
        mode: 0o600,
      },
    );
    answers.set('/api/organizations/0b5c9a4e-1111-2222-3333-444455556666/usage', { status: 200, body: list });
    const r = await readOfficialUsage({ source: 'claude_ai', env, home, now: NOW, sessionKeyFile: keyFile() });
    expect({ account: r.account_uuid, windows: windowsOf(r), cookie: seen[0]?.headers.cookie }).toEqual({
      account: '0b5c9a4e-1111-2222-3333-444455556666',
      windows: [
        ['five_hour', 41, '2026-12-01T15:00:00.000Z'],
        ['seven_day', 21.5, '2026-12-05T09:00:00.000Z'],
      ],
      cookie: 'sessionKey=sk-ant-sid01-xyz',
    });
  });

  it('finds the organisation when none is given (a file with the key alone)', async () => {
    writeFileSync(keyFile(), 'sk-ant-sid01-xyz\n', { mode: 0o600 });
    answers.set('/api/organizations', { status: 200, body: '[{"uuid":"org-1","name":"Mine"}]' });
    answers.set('/api/organizations/org-1/usage', { status: 200, body: flat });
    const r = await readOfficialUsage({ source: 'claude_ai', env, home, now: NOW, sessionKeyFile: keyFile() });
    expect({ account: r.account_uuid, paths: seen.map((s) => s.path) }).toEqual({
      account: 'org-1',
      paths: ['/api/organizations', '/api/organizations/org-1/usage'],
    });
  });

  it('refuses a sessionKey file others can read', async () => {
    writeFileSync(keyFile(), 'sk-ant-sid01-xyz\n');
    chmodSync(keyFile(), 0o644);
    await expect(
      readOfficialUsage({ source: 'claude_ai', env, home, now: NOW, sessionKeyFile: keyFile(), org: 'org-1' }),
    ).rejects.toThrow(
      `${keyFile()} can be read by others (mode 644): the sessionKey is as good as your password — run chmod 600 ${keyFile()}`,
    );
    expect(seen).toEqual([]);
  });

  it('a refused sessionKey says to copy a fresh one', async () => {
    writeFileSync(keyFile(), 'sk-ant-sid01-old\n', { mode: 0o600 });
    answers.set('/api/organizations/org-1/usage', { status: 403, body: '{"error":"permission_error"}' });
    await expect(
      readOfficialUsage({ source: 'claude_ai', env, home, now: NOW, sessionKeyFile: keyFile(), org: 'org-1' }),
    ).rejects.toThrow(
      `claude.ai answered 403: claude.ai refused the sessionKey (expired, or blocked as automated): sign in on claude.ai and copy a fresh sessionKey cookie into ${keyFile()}`,
    );
  });
});

describe('official usage: ~/.claude.json', () => {
  it("reads Claude Code's cached answer and says how old it is", async () => {
    writeFileSync(
      join(dir, '.claude.json'),
      JSON.stringify({
        oauthAccount: { accountUuid: 'acc-1' },
        cachedUsageUtilization: { fetchedAtMs: NOW - 10 * 60_000, accountUuid: 'acc-1', utilization: JSON.parse(flat) },
      }),
    );
    const r = await readOfficialUsage({ source: 'claude_json', env, home, now: NOW });
    expect({ account: r.account_uuid, windows: windowsOf(r).length, notes: r.notes, calls: seen.length }).toEqual({
      account: 'acc-1',
      windows: 2,
      notes: ['Claude Code cached this 10 minutes ago; it may be stale'],
      calls: 0,
    });
    expect(readFileSync(join(dir, '.claude.json'), 'utf8')).toContain('cachedUsageUtilization');
  });
});

describe('official usage: polled from a long-running process', () => {
  it('hands each fresh reading to the caller and stops when told', async () => {
    credentials(Date.now() + 3_600_000);
    answers.set('/api/oauth/usage', { status: 200, body: flat });
    const readings: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const poller = pollOfficialUsage({
        source: 'oauth',
        env,
        home,
        onReading: (r) => {
          readings.push(r.windows.length);
          poller.stop();
          resolve();
        },
        onError: reject,
      });
    });
    expect({ readings, calls: seen.length }).toEqual({ readings: [2], calls: 1 });
  });
});
