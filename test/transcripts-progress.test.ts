import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The first build of a large index (over 64 MB) shows progress on a terminal and stays
 * quiet when stderr is piped. The terminal is a real pseudo-terminal: util-linux `script`.
 */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs'); // the package's bin
const generator = join(import.meta.dirname, 'support', 'gen-transcripts.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-progress-'));
const root = join(scratch, 'claude');

beforeAll(() => {
  execFileSync(process.execPath, [generator, '--out', root, '--size-mb', '72', '--seed', '3', '--quiet']);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const env = (home: string) => ({
  PATH: process.env.PATH,
  HOME: home,
  TAKT_HOME: join(home, 'takt'),
  CLAUDE_CONFIG_DIR: root,
  TZ: 'UTC',
});

describe('progress of the first build', () => {
  it('is shown on a terminal', () => {
    const home = mkdtempSync(join(scratch, 'tty-'));
    const r = spawnSync('script', ['-qec', `"${process.execPath}" "${main}" report monthly`, '/dev/null'], {
      encoding: 'utf8',
      env: env(home),
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/indexing transcripts: \d+% \(\d+ files, \d+ MB\)/);
    expect(r.stdout).toMatch(/Total/);
  });

  it('is not shown when stderr is piped', () => {
    const home = mkdtempSync(join(scratch, 'pipe-'));
    const r = spawnSync(process.execPath, [main, 'report', 'monthly'], { encoding: 'utf8', env: env(home) });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/Total/);
  });
});
