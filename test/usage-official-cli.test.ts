import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { telemetryEnv } from '../src/install/setup-payload.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { assistant, claudeDir, jsonl } from './support/transcript-lines.ts';

/**
 * `takt usage official --json` through the built CLI: Claude Code's credentials and a
 * local fake of the OAuth usage endpoint; the reading is printed with seed 004's fields,
 * kept in TAKT_HOME/usage-cache.json, and posted to a real takt server as an `oauth`
 * observation of the signed-in account.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
let takt: TestTakt;
let fake: Server;
let fakeUrl: string;
let calls = 0;
const scratch: string[] = [];

beforeAll(async () => {
  takt = await startTakt();
  fake = createServer((req, res) => {
    calls++;
    res.writeHead(req.headers.authorization === 'Bearer sk-ant-oat01-cli' ? 200 : 401, {
      'content-type': 'application/json',
    });
    res.end(
      JSON.stringify({
        five_hour: { utilization: 36, resets_at: '2099-01-01T13:00:00.422966+00:00' },
        seven_day: { utilization: 20, resets_at: '2099-01-05T09:00:00+00:00' },
        seven_day_opus: { utilization: 3, resets_at: null },
      }),
    );
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await takt.stop();
  await new Promise<void>((r) => fake.close(() => r()));
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

it('prints, caches and posts the official figures; a second run within three minutes calls nothing', async () => {
  const root = claudeDir({
    'proj/s1.jsonl': jsonl(
      assistant({ id: 'm1', session: 's1', at: new Date(Date.now() - 60_000).toISOString(), input: 1200, output: 300 }),
    ),
  });
  const home = mkdtempSync(join(tmpdir(), 'takt-official-cli-'));
  scratch.push(root, home);
  writeFileSync(
    join(root, '.credentials.json'),
    JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-cli', expiresAt: Date.now() + 3_600_000 } }),
  );
  writeFileSync(join(root, '.claude.json'), JSON.stringify({ oauthAccount: { accountUuid: 'acc-official-1' } }));
  // The server and token: what takt setup applied to ~/.claude/settings.json.
  mkdirSync(join(home, '.claude'));
  writeFileSync(
    join(home, '.claude', 'settings.json'),
    JSON.stringify({ env: telemetryEnv(takt.directUrl, takt.token, 'box') }),
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TAKT_HOME: join(home, 'takt'),
    CLAUDE_CONFIG_DIR: root,
    TAKT_ANTHROPIC_BASE_URL: fakeUrl,
  };
  await run(process.execPath, [main, 'report', 'daily', '--json'], { env }); // the transcript index
  const first = JSON.parse((await run(process.execPath, [main, 'usage', 'official', '--json'], { env })).stdout);
  expect(first).toMatchObject({
    source: 'oauth',
    account_uuid: 'acc-official-1',
    five_hour_pct: 36,
    five_hour_resets_at: '2099-01-01T13:00:00.422Z',
    seven_day_pct: 20,
    seven_day_resets_at: '2099-01-05T09:00:00.000Z',
    from_cache: false,
    code: { session_tokens: 1500 },
    windows: [
      { window: 'five_hour', pct: 36, resets_at: '2099-01-01T13:00:00.422Z' },
      { window: 'seven_day', pct: 20, resets_at: '2099-01-05T09:00:00.000Z' },
      { window: 'seven_day_opus', pct: 3, resets_at: null },
    ],
    posted_to: `${takt.directUrl} (201)`,
  });
  expect(JSON.parse(readFileSync(join(home, 'takt', 'usage-cache.json'), 'utf8'))).toEqual({
    code: { session_tokens: 1500 },
    pro: {
      five_hour_pct: 36,
      five_hour_resets_at: '2099-01-01T13:00:00.422Z',
      seven_day_pct: 20,
      seven_day_resets_at: '2099-01-05T09:00:00.000Z',
    },
    updated_at: first.updated_at,
    source: 'oauth',
  });
  const stored = await takt.server.context.store.db
    .selectFrom('official_observations')
    .innerJoin('accounts', 'accounts.id', 'official_observations.account_id')
    .select(['window', 'source', 'accounts.account_uuid'])
    .orderBy('window')
    .execute();
  expect(stored).toEqual([
    { window: 'five_hour', source: 'oauth', account_uuid: 'acc-official-1' },
    { window: 'seven_day', source: 'oauth', account_uuid: 'acc-official-1' },
    { window: 'seven_day_opus', source: 'oauth', account_uuid: 'acc-official-1' },
  ]);

  const second = JSON.parse(
    (await run(process.execPath, [main, 'usage', 'official', '--json', '--no-post'], { env })).stdout,
  );
  expect({ from_cache: second.from_cache, updated_at: second.updated_at, calls }).toEqual({
    from_cache: true,
    updated_at: first.updated_at,
    calls: 1,
  });
});
