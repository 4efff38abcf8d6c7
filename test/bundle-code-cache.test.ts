import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assistant, claudeDir, jsonl } from './support/transcript-lines.ts';

/**
 * takt.cjs loads the report and status-line bundles with a V8 code cache in TAKT_HOME
 * (src/takt.cts, issue 24.2): written after the first run, taken as it is by the next, and
 * written again when V8 rejects it. The built CLI, as a user runs it.
 */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const root = claudeDir({
    'proj/s1.jsonl': jsonl(
      assistant({ id: 'msg_1', session: 's1', at: '2026-11-20T09:30:00.000Z', input: 1000, output: 500 }),
    ),
  });
  const home = mkdtempSync(join(tmpdir(), 'takt-code-cache-'));
  scratch.push(root, home);
  const env = { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, 'takt'), CLAUDE_CONFIG_DIR: root, TZ: 'UTC' };
  const report = () => {
    const r = spawnSync(process.execPath, [main, 'report', 'daily', '--json', '--now', '2026-11-21T00:00:00Z'], {
      encoding: 'utf8',
      timeout: 20_000,
      env,
    });
    return { code: r.status, stderr: r.stderr, totals: JSON.parse(r.stdout).totals };
  };
  return { cacheDir: join(home, 'takt', 'code-cache'), report };
}

describe('the code cache of the bundles', () => {
  it('is written by the first report, taken by the next, and rewritten when it does not fit', () => {
    const { cacheDir, report } = setup();
    const first = report();
    expect(first).toMatchObject({ code: 0, stderr: '', totals: { input_tokens: 1000, output_tokens: 500 } });
    const files = readdirSync(cacheDir);
    expect(files).toEqual([expect.stringMatching(/^report\.cjs-\d+-\d+-v\d+\.\d+\.\d+\.v8$/)]);
    const cache = join(cacheDir, files[0] as string);
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);
    expect(written.mode & 0o777).toBe(0o600);

    // Taken as it is: the same figures, the file not written again.
    expect(report()).toEqual(first);
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);

    // A cache V8 rejects (not one of its own): the report is as before, and a good cache replaces it.
    writeFileSync(cache, Buffer.alloc(4096, 7));
    expect(report()).toEqual(first);
    expect(readdirSync(cacheDir)).toEqual(files);
    const rewritten = statSync(cache);
    expect(rewritten.size).toBeGreaterThan(10_000);
    expect(report()).toEqual(first);
    expect(statSync(cache).mtimeMs).toBe(rewritten.mtimeMs); // V8 took the new one
  });
});
