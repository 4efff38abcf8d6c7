import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** The built CLI's help and its answers to a bad command line: one line naming the problem, exit 2. */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [main, ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('takt help and usage errors', () => {
  it('lists every command with one line, in the user’s words', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\n {2}watch +watch your accounts' limits and say when to wrap up\n/);
    expect(help.stdout).not.toMatch(/[Ss]eed/);
  });

  it('an unknown option or command is one line and exit 2', async () => {
    expect(await run(['watch', '--nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "takt watch: unknown option '--nope'; see `takt watch --help`\n",
    });
    expect(await run(['frobnicate'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "takt: unknown command 'frobnicate'; see `takt --help`\n",
    });
  });

  it('generated help names the shared token flags', async () => {
    const help = await run(['watch', '--help']);
    expect(help.stdout).toContain('--token-file PATH');
    expect(help.stdout).toContain('--token-stdin');
    expect(help.stdout).not.toMatch(/[Ss]eed/);
  });
});
