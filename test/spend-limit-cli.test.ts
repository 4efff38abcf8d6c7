import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 21.3 on the command line: the recorded status-line reading with `spend_limit` shows on
 * the status line, is kept in TAKT_HOME, and `takt watch --offline` prints a line for it.
 */
const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-spend-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const env = {
  PATH: process.env.PATH,
  HOME: scratch,
  TAKT_HOME: join(scratch, 'takt'),
  CLAUDE_CONFIG_DIR: join(scratch, 'claude'),
  TZ: 'UTC',
};
const recorded = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'limits', 'statusline-with-spend-limit.json'), 'utf8'),
) as { rate_limits: Record<string, Record<string, unknown>> };
const now = Date.now();
/** The recorded reading with its resets moved after now (the recorded ones are fixed instants). */
const resetsAt = Math.floor(now / 1000) + 20 * 86_400;
const input = {
  ...recorded,
  rate_limits: Object.fromEntries(
    Object.entries(recorded.rate_limits).map(([k, v]) => [k, { ...v, resets_at: resetsAt }]),
  ),
};
const takt = (args: string[], stdin?: string) =>
  spawnSync(process.execPath, [main, ...args], { env, input: stdin, encoding: 'utf8', timeout: 20_000 });

describe('spend limits in the status line and takt watch', () => {
  it('the status line shows the spend limit past 100 % with its dollars', () => {
    const r = takt(
      ['statusline', '--now', new Date(now).toISOString(), '--format', '5h {five_hour} | spend {spend_limit}'],
      JSON.stringify(input),
    );
    expect(r.stdout).toBe('5h 22% | spend 104% $520.98/$500.00\n');
  });

  it('without a spend limit the segment is left out', () => {
    const { spend_limit: _none, ...rest } = input.rate_limits;
    const r = takt(
      ['statusline', '--now', new Date(now).toISOString(), '--format', '5h {five_hour} | spend {spend_limit}'],
      JSON.stringify({ ...input, rate_limits: rest }),
    );
    expect(r.stdout).toBe('5h 22%\n');
  });

  it('takt watch --offline prints the spend limit hit from the kept reading', () => {
    takt(['statusline', '--now', new Date(now).toISOString()], JSON.stringify(input));
    const r = takt(['watch', '--offline', '--once', '--json', '--plan', 'max']);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.window === 'spend_limit')
      .map((e) => ({ type: e.type, window: e.window, used_pct: e.used_pct, resets_at: e.resets_at }));
    expect(events).toEqual([
      {
        type: 'USAGE_LIMIT_HIT',
        window: 'spend_limit',
        used_pct: 104.2,
        resets_at: new Date(resetsAt * 1000).toISOString(),
      },
    ]);
  });
});
