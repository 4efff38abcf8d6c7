import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryEnv } from '../src/install/setup-payload.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * The token from the command line, a file or standard input, through the built CLI against a
 * real server; `takt watch --once` with nothing to warn about; `--token` given alone.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
let takt: TestTakt;
let home: string;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
function run(args: string[], o: { stdin?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [main, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TAKT_HOME: join(home, 'takt'), ...o.env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin?.end(o.stdin ?? '');
  });
}

beforeAll(async () => {
  takt = await startTakt();
  home = mkdtempSync(join(tmpdir(), 'takt-cli-tokens-'));
  writeFileSync(join(home, 'watch-token'), `${takt.token}\n`, { mode: 0o600 });
});
/** Long-running commands a test started: stopped even when the test failed before stopping them. */
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill();
  await takt.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('the token, read each way', () => {
  it('--token-file reads the first line of the file; a wrong token there is refused (exit 4)', async () => {
    const good = join(home, 'good-token');
    const bad = join(home, 'bad-token');
    writeFileSync(good, `${takt.token}\nsecond line ignored\n`, { mode: 0o600 });
    writeFileSync(bad, 'takt_not-a-real-token\n', { mode: 0o600 });
    const ok = await run(['watch', '--once', '--server', takt.directUrl, '--token-file', good]);
    const refused = await run(['watch', '--once', '--server', takt.directUrl, '--token-file', bad]);
    expect(ok).toEqual({ code: 0, stdout: 'USAGE_OK no limits known yet\n', stderr: '' });
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
    // What to do from a terminal, not "sign in again" (there is nothing to sign in to here).
    expect(refused.stderr).toBe(
      'takt watch: the bearer token or session is unknown, revoked or expired: get a new token: run takt setup again on this machine (takt setup --local on a one-person server), or pass a working one with --token-file PATH\n',
    );
  });

  it('--token-stdin and --token - read the first line of standard input', async () => {
    const viaStdin = await run(['watch', '--once', '--server', takt.directUrl, '--token-stdin'], {
      stdin: `${takt.token}\n`,
    });
    const viaDash = await run(['watch', '--once', '--json', '--server', takt.directUrl, '--token', '-'], {
      stdin: `${takt.token}\n`,
    });
    const wrong = await run(['watch', '--once', '--server', takt.directUrl, '--token-stdin'], { stdin: 'nope\n' });
    expect(viaStdin).toEqual({ code: 0, stdout: 'USAGE_OK no limits known yet\n', stderr: '' });
    expect(viaDash.code).toBe(0);
    expect(JSON.parse(viaDash.stdout)).toMatchObject({ type: 'USAGE_OK', windows: 0 });
    expect(wrong.code).toBe(4);
  });

  it('an empty file, an empty standard input or two ways at once are bad usage (exit 2), one line', async () => {
    const empty = join(home, 'empty-token');
    writeFileSync(empty, '\n');
    expect(await run(['watch', '--once', '--server', takt.directUrl, '--token-file', empty])).toEqual({
      code: 2,
      stdout: '',
      stderr: `takt watch: --token-file ${empty} is empty: put the token on its first line\n`,
    });
    expect((await run(['watch', '--once', '--server', takt.directUrl, '--token-stdin'])).code).toBe(2);
    expect(await run(['watch', '--once', '--server', takt.directUrl, '--token', 'a', '--token-file', empty])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'takt watch: give the token one way: --token, --token-file or --token-stdin; see `takt watch --help`\n',
    });
  });

  it('takt track takes --token-file too (every command with --token does)', async () => {
    const good = join(home, 'good-token');
    const r = await run(['track', '100', '20', '--json', '--server', takt.directUrl, '--token-file', good]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ input: 100, output: 20 });
  });
});

describe('takt watch', () => {
  it('without --once it says on stderr what it watches, so a quiet watch does not look hung', async () => {
    const child = spawn(
      process.execPath,
      [main, 'watch', '--server', takt.directUrl, '--token-file', join(home, 'watch-token'), '--interval', '3600'],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TAKT_HOME: join(home, 'takt') } },
    );
    children.push(child);
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const said = await waitFor(
      'the first line on stderr',
      () => stderr,
      (s) => s.endsWith('\n'),
    );
    expect([said, stdout]).toEqual([
      'takt watch: USAGE_OK no limits known yet; checking every 3600 s, a line at each change (Ctrl-C stops)\n',
      '',
    ]);
  });

  it('--token alone is honoured: the server from the saved settings, the token given (not the saved one)', async () => {
    const claude = join(home, '.claude');
    mkdirSync(claude, { recursive: true });
    // What takt setup would have written, but with a token the server no longer accepts.
    writeFileSync(
      join(claude, 'settings.json'),
      JSON.stringify({ env: telemetryEnv(takt.directUrl, 'takt_revoked-long-ago', 'box') }),
    );
    const saved = await run(['watch', '--once']);
    const given = await run(['watch', '--once', '--token', takt.token]);
    rmSync(claude, { recursive: true, force: true });
    expect(saved.code).toBe(4);
    expect(given).toEqual({ code: 0, stdout: 'USAGE_OK no limits known yet\n', stderr: '' });
  });
});
