import { execFile } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintInvites } from '../src/auth/invites.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Issue 22.15: the CLI's edits of the person's own files. A symlinked settings.json is
 * written through (the link stays a link), `--append` keeps the bearer token out of the
 * rc file, and `takt setup --invite` checks settings.json before spending the invite.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'takt-edits-'));
let takt: TestTakt;

beforeAll(async () => {
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function cli(home: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  return run(process.execPath, [main, ...args], { env: { ...env, HOME: home, TAKT_HOME: join(home, 'takt') } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

async function invite(): Promise<string> {
  const minted = await mintInvites(takt.server.context.store.db, { count: 1, expiresInSeconds: 3600, createdBy: null });
  return minted.codes[0] as string;
}

describe('takt hooks install through a symlinked settings.json', () => {
  it('writes the link target and leaves the link a link', async () => {
    const home = join(scratch, 'link');
    mkdirSync(join(home, '.claude'), { recursive: true });
    mkdirSync(join(home, 'dotfiles'));
    const target = join(home, 'dotfiles', 'claude-settings.json');
    writeFileSync(target, JSON.stringify({ model: 'opus' }));
    const link = join(home, '.claude', 'settings.json');
    symlinkSync(target, link);
    const r = await cli(home, ['hooks', 'install', '--json']);
    const written = JSON.parse(readFileSync(target, 'utf8'));
    expect([
      r.code,
      lstatSync(link).isSymbolicLink(),
      readlinkSync(link),
      written.model,
      written.hooks.StopFailure.length,
    ]).toEqual([0, true, target, 'opus', 1]);
  });
});

describe('takt setup --method bash --append', () => {
  it('puts the token in a 0600 file the rc file sources, never in the rc file', async () => {
    const home = join(scratch, 'append');
    mkdirSync(home, { recursive: true });
    const rc = join(home, '.bashrc');
    writeFileSync(rc, 'alias ll="ls -l"\n', { mode: 0o644 });
    const r = await cli(home, [
      'setup',
      '--server',
      takt.directUrl,
      '--invite',
      await invite(),
      '--email',
      'append-user@example.com',
      '--machine',
      'append-box',
      '--method',
      'bash',
      '--append',
      rc,
      '--json',
    ]);
    const token = (JSON.parse(r.stdout) as { token: string }).token;
    const envFile = join(home, 'takt', 'shell-env.sh');
    const rcText = readFileSync(rc, 'utf8');
    expect([r.code, rcText.includes(token), readFileSync(envFile, 'utf8').includes(`Bearer ${token}`)]).toEqual([
      0,
      false,
      true,
    ]);
    expect(rcText).toBe(
      `alias ll="ls -l"\n# >>> takt telemetry >>>\n[ -f '${envFile}' ] && . '${envFile}'\n# <<< takt telemetry <<<\n`,
    );
    expect(statSync(envFile).mode & 0o777).toBe(0o600);

    // Again: the block is replaced, not stacked.
    await cli(home, ['setup', '--server', takt.directUrl, '--token', token, '--method', 'bash', '--append', rc]);
    expect(readFileSync(rc, 'utf8').split('# >>> takt telemetry >>>').length).toBe(2);
  });
});

describe('takt setup --invite with a malformed settings.json', () => {
  it('stops with exit 2 before calling the server, so the invite still works once the file is fixed', async () => {
    const home = join(scratch, 'malformed');
    mkdirSync(join(home, '.claude'), { recursive: true });
    const settings = join(home, '.claude', 'settings.json');
    writeFileSync(settings, '{"model": "opus",');
    const code = await invite();
    const args = ['setup', '--server', takt.directUrl, '--invite', code, '--email', 'malformed@example.com'];
    const broken = await cli(home, [...args, '--machine', 'malformed-box']);
    expect([broken.code, broken.stderr.includes(`${settings} is not valid JSON`)]).toEqual([2, true]);
    writeFileSync(settings, '{"model": "opus"}');
    const fixed = await cli(home, [...args, '--machine', 'malformed-box']);
    expect([fixed.code, fixed.stderr]).toEqual([0, '']);
  });
});

describe('takt setup when writing fails after the server issued the token', () => {
  it('prints the token with what to do next, exit 2', async () => {
    const home = join(scratch, 'unwritable');
    mkdirSync(home, { recursive: true });
    const rc = join(home, 'no-such-folder', '.bashrc');
    const args = ['setup', '--server', takt.directUrl, '--invite', await invite(), '--email', 'unwritable@example.com'];
    const r = await cli(home, [...args, '--machine', 'unwritable-box', '--method', 'bash', '--append', rc]);
    const token = /your token is (takt_\S+):/.exec(r.stderr)?.[1] ?? 'none';
    expect([
      r.code,
      r.stderr.startsWith('takt setup: the token was issued but writing failed (ENOENT'),
      // What to run next keeps the token out of ps (22.16): standard input, not --token.
      r.stderr.endsWith(
        `: fix that, then run takt setup --server ${takt.directUrl} --token-stdin again and paste it there\n`,
      ),
    ]).toEqual([2, true, true]);
    const again = await cli(home, ['setup', '--server', takt.directUrl, '--token', token, '--method', 'print']);
    expect(again.code).toBe(0);
  });
});
