import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * `takt sync --watch --official claude-json` runs the official-usage poller beside the
 * transcript sync: Claude Code's cached utilisation in ~/.claude.json reaches the server as
 * an official observation of the signed-in account.
 */
const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-sync-official-'));
const home = join(scratch, 'home');
let takt: TestTakt;

beforeAll(async () => {
  mkdirSync(join(home, '.claude', 'projects'), { recursive: true });
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('takt sync --watch --official', () => {
  it('posts the cached official utilisation as an observation', async () => {
    const resetsAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({
        oauthAccount: { accountUuid: 'acct-polled-1' },
        cachedUsageUtilization: {
          fetchedAtMs: Date.now() - 60_000,
          accountUuid: 'acct-polled-1',
          utilization: { five_hour: { utilization: 37, resets_at: resetsAt }, seven_day: null },
        },
      }),
    );
    const child = spawn(
      process.execPath,
      [main, 'sync', '--watch', '--server', takt.directUrl, '--token', takt.token, '--official', 'claude-json'],
      { env: { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, '.takt') }, stdio: 'ignore' },
    );
    const me = async () => {
      const r = await fetch(`${takt.directUrl}/api/me/usage`, { headers: { authorization: `Bearer ${takt.token}` } });
      return (await r.json()) as {
        accounts: { uuid: string; windows: { five_hour: { official_utilization: number } } }[];
      };
    };
    const deadline = Date.now() + 15_000;
    let seen: number | undefined;
    while (seen === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      seen = (await me()).accounts.find((a) => a.uuid === 'acct-polled-1')?.windows.five_hour.official_utilization;
    }
    child.kill('SIGTERM');
    expect(seen).toBe(37);
  }, 30_000);
});
