import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST_TIMEOUT_MS } from '../src/cli/hooks/post-to-server.ts';
import { telemetryEnv } from '../src/install/setup-payload.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { assistant, claudeDir, jsonl } from './support/transcript-lines.ts';
import { runningProcesses, waitFor } from './support/wait-for.ts';

/**
 * The status line as a source (issue 13, item 5) and seed 004's view, through the built
 * bin: Claude Code's rate_limits reach a real takt server from a detached process, at
 * most once a minute, and a server that never answers does not slow the line.
 */
const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'takt-sl-home-'));
  scratch.push(home);
  return home;
}

function statusline(home: string, root: string, env: Record<string, string>, args: string[], input: unknown) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [main, 'statusline', ...args], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TAKT_HOME: join(home, 'takt'),
      CLAUDE_CONFIG_DIR: root,
      TZ: 'UTC',
      ...env,
    },
  });
  return { code: r.status, stdout: r.stdout, ms: Date.now() - started };
}

const rateLimits = (five: number, seven: number) => ({
  five_hour: { used_percentage: five, resets_at: Math.floor(Date.now() / 1000) + 3600 },
  seven_day: { used_percentage: seven, resets_at: Math.floor(Date.now() / 1000) + 86400 },
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe("seed 004's view: {session_tokens} and {official}", () => {
  const root = claudeDir({
    'proj/s9.jsonl': jsonl(
      assistant({
        id: 'm1',
        session: 's9',
        at: '2026-11-21T10:00:00.000Z',
        input: 1_000_000,
        output: 2_000,
        cacheRead: 5_000_000,
      }),
      assistant({
        id: 'm2',
        session: 's9',
        at: '2026-11-21T11:00:00.000Z',
        input: 500_000,
        output: 498_000,
        cacheWrite5m: 1_000,
      }),
    ),
  });
  scratch.push(root);
  const transcript = join(root, 'projects', 'proj', 's9.jsonl');
  const format = ['--now', '2026-11-21T12:00:00Z', '--format', 'Code: {session_tokens} | Pro {official}'];

  it("shows the session's tokens and Claude Code's own percentages", () => {
    const home = scratchHome();
    spawnSync(process.execPath, [main, 'report', 'daily', '--json'], {
      env: { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, 'takt'), CLAUDE_CONFIG_DIR: root },
    });
    const r = statusline(home, root, {}, format, {
      session_id: 's9',
      transcript_path: transcript,
      cost: { total_cost_usd: 1 },
      rate_limits: { five_hour: { used_percentage: 36.2 }, seven_day: { used_percentage: 19.6 } },
    });
    expect(r).toMatchObject({ code: 0, stdout: 'Code: 7.0M | Pro 5h:36% 7d:20%\n' });
  });

  it('without rate_limits, shows the latest kept observation (takt usage official’s cache)', () => {
    const home = scratchHome();
    mkdirSync(join(home, 'takt'), { recursive: true });
    writeFileSync(
      join(home, 'takt', 'usage-cache.json'),
      JSON.stringify({
        code: { session_tokens: 1 },
        pro: {
          five_hour_pct: 41,
          five_hour_resets_at: '2026-11-21T13:00:00Z',
          seven_day_pct: 21,
          seven_day_resets_at: '2026-11-25T09:00:00Z',
        },
        updated_at: '2026-11-21T11:58:00Z',
      }),
    );
    const r = statusline(home, root, {}, ['--now', '2026-11-21T12:00:00Z', '--format', '{model} | Pro {official}'], {
      model: { display_name: 'Opus' },
    });
    expect(r).toMatchObject({ code: 0, stdout: 'Opus | Pro 5h:41% 7d:21%\n' });
    const later = statusline(
      home,
      root,
      {},
      ['--now', '2026-11-21T13:30:00Z', '--format', '{model} | Pro {official}'],
      {
        model: { display_name: 'Opus' },
      },
    );
    expect(later.stdout).toBe('Opus | Pro 7d:21%\n'); // the 5-hour window has reset since
  });
});

describe('the status line forwards rate_limits to the server', () => {
  let takt: TestTakt;
  beforeAll(async () => {
    takt = await startTakt();
  });
  afterAll(async () => {
    await takt.stop();
  });
  // What takt setup applies: the server and token are in settings.json (Claude Code does not pass OTEL_* on).
  const setUp = (home: string, server: string, token: string) => {
    mkdirSync(join(home, '.claude'), { recursive: true });
    writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ env: telemetryEnv(server, token, 'box') }));
  };
  const observations = () =>
    takt.server.context.store.db
      .selectFrom('official_observations')
      .select(['window', 'source', 'utilization'])
      .orderBy('window')
      .execute();

  it('in the background, once a minute, as a statusline observation of the signed-in account', async () => {
    const home = scratchHome();
    const root = claudeDir({});
    scratch.push(root);
    // A signed-in Claude Code knows its account ($CLAUDE_CONFIG_DIR/.claude.json): the observation names it.
    writeFileSync(join(root, '.claude.json'), JSON.stringify({ oauthAccount: { accountUuid: 'acc-statusline-1' } }));
    setUp(home, takt.directUrl, takt.token);
    const r = statusline(home, root, {}, ['--format', '{model} | {five_hour}'], {
      session_id: 'sess-fwd',
      model: { display_name: 'Sonnet' },
      rate_limits: rateLimits(42, 17),
    });
    expect(r).toMatchObject({ code: 0, stdout: 'Sonnet | 42%\n' });
    const rows = await until(observations, (v) => v.length >= 2);
    expect(rows.map((o) => ({ ...o, utilization: Number(o.utilization) }))).toEqual([
      { window: 'five_hour', source: 'statusline', utilization: 42 },
      { window: 'seven_day', source: 'statusline', utilization: 17 },
    ]);
    const account = await takt.server.context.store.db.selectFrom('accounts').select('account_uuid').execute();
    expect(account).toEqual([{ account_uuid: 'acc-statusline-1' }]);

    // Within the minute: shown, kept, not sent again.
    statusline(home, root, {}, [], { session_id: 'sess-fwd', rate_limits: rateLimits(55, 18) });
    // A forwarder, had the status line started one, was spawned before it exited: once no
    // `takt hooks post` of this home runs, whatever it would have sent has arrived.
    await waitFor(
      'the forwarders of this home to end',
      () => runningProcesses(['hooks', 'post'], `TAKT_HOME=${join(home, 'takt')}`).length,
      (n) => n === 0,
    );
    expect((await observations()).length).toBe(2);
  });

  it('a server that never answers does not slow the status line', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer(() => {}); // accepts, never answers
    silent.on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const home = scratchHome();
    const root = claudeDir({});
    scratch.push(root);
    setUp(home, url, 'takt_abcdefghijkl_secret');
    const r = statusline(home, root, {}, ['--format', '{model} | {five_hour}'], {
      model: { display_name: 'Sonnet' },
      rate_limits: rateLimits(42, 17),
    });
    await until(
      async () => sockets.length,
      (n) => n > 0,
    );
    // Waiting for the silent server would take the forwarder's whole timeout: the status line
    // ends before it (a fixed 1.5 s budget failed on a loaded two-core machine).
    expect({ code: r.code, stdout: r.stdout, tried: sockets.length, fast: r.ms < POST_TIMEOUT_MS }).toEqual({
      code: 0,
      stdout: 'Sonnet | 42%\n',
      tried: 1,
      fast: true,
    });
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
