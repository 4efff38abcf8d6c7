import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assistant, claudeDir, jsonl } from './support/transcript-lines.ts';

/**
 * Seed 004's fetch-pro-usage.sh through the built CLI (issue 19.4): `takt usage official
 * --format short` prints `five_hour:seven_day` (36:20), `--debug` says each step on stderr
 * (the URL, the HTTP status, the answer; never the credential), and code.session_tokens is
 * filled on a machine where no transcript index was ever built.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
let fake: Server;
let fakeUrl: string;
let root: string;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  fake = createServer((req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer sk-ant-oat01-short' ? 200 : 401, {
      'content-type': 'application/json',
    });
    res.end(
      JSON.stringify({
        five_hour: { utilization: 36.0, resets_at: '2099-01-01T13:00:00+00:00' },
        seven_day: { utilization: 19.6, resets_at: '2099-01-05T09:00:00+00:00' },
      }),
    );
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  // Two sessions; the newest (s2) is the one whose tokens the cache names.
  root = claudeDir({
    'proj/s1.jsonl': jsonl(assistant({ id: 'm1', session: 's1', at: '2026-11-20T09:00:00Z', input: 5000, output: 5 })),
    'proj/s2.jsonl': jsonl(
      assistant({ id: 'm2', session: 's2', at: '2026-11-20T10:00:00Z', input: 1200, output: 300, cacheRead: 40 }),
      assistant({ id: 'm3', session: 's2', at: '2026-11-20T10:01:00Z', input: 10, output: 2, cacheWrite5m: 7 }),
    ),
  });
  writeFileSync(
    join(root, '.credentials.json'),
    JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-short', expiresAt: Date.parse('2099-01-01') } }),
  );
  home = mkdtempSync(join(tmpdir(), 'takt-official-short-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TAKT_HOME: join(home, 'takt'),
    CLAUDE_CONFIG_DIR: root,
    TAKT_ANTHROPIC_BASE_URL: fakeUrl,
  };
});
afterAll(async () => {
  await new Promise<void>((r) => fake.close(() => r()));
  rmSync(root, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

it('prints 36:20 with --format short, each step with --debug, and the session tokens without a prior index', async () => {
  const out = await run(process.execPath, [main, 'usage', 'official', '--format', 'short', '--debug', '--no-post'], {
    env,
  });
  expect(out.stdout).toBe('36:20\n');
  const steps = out.stderr.trimEnd().split('\n');
  expect(steps).toEqual([
    `Source: oauth (auto: Claude Code's sign-in is in ${join(root, '.credentials.json')})`,
    `Fetching: ${fakeUrl}/api/oauth/usage`,
    'HTTP 200',
    `Response: {"five_hour":{"utilization":36,"resets_at":"2099-01-01T13:00:00+00:00"},"seven_day":{"utilization":19.6,"resets_at":"2099-01-05T09:00:00+00:00"}}`,
    'Windows: five_hour 36%, seven_day 19.6%',
    `Session tokens: 1559 (session s2), from 2 transcript files in ${join(root, 'projects')}`,
    `Cache: wrote ${join(home, 'takt', 'usage-cache.json')}`,
    'Server: not sent (--no-post)',
  ]);
  expect(out.stderr).not.toContain('sk-ant-oat01');
  expect(JSON.parse(readFileSync(join(home, 'takt', 'usage-cache.json'), 'utf8')).code).toEqual({
    session_tokens: 1559,
  });

  // Within three minutes nothing is fetched again, and --debug says so.
  const again = await run(process.execPath, [main, 'usage', 'official', '--format', 'json', '--debug', '--no-post'], {
    env,
  });
  expect({
    json: JSON.parse(again.stdout).code,
    cached: /^Not fetching: asked less than 3 minutes ago/m.test(again.stderr),
    fetched: again.stderr.includes('Fetching:'),
  }).toEqual({ json: { session_tokens: 1559 }, cached: true, fetched: false });
});

it('refuses an unknown --format with exit 2 and names the choices', async () => {
  const failed = await run(process.execPath, [main, 'usage', 'official', '--format', 'csv', '--no-post'], {
    env,
  }).catch((e: { code: number; stderr: string }) => e);
  expect({ code: (failed as { code: number }).code, stderr: (failed as { stderr: string }).stderr }).toEqual({
    code: 2,
    stderr: expect.stringContaining('--format is text, json or short (got csv)'),
  });
});
