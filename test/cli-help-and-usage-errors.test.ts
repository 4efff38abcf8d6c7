import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commandSummaries } from '../src/cli/command-list.ts';

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

  it('a command missing what it needs says what to give, in one line with the help to read, exit 2', async () => {
    const answers = await Promise.all([run(['setup']), run(['token', 'create']), run(['track'])]);
    expect(answers).toEqual([
      {
        code: 2,
        stdout: '',
        stderr:
          'takt setup: say where usage goes: --server URL (a takt server, e.g. http://takt.lan:4318), or --local (one person, this machine, no server elsewhere); see `takt setup --help`\n',
      },
      {
        code: 2,
        stdout: '',
        stderr: 'takt token create: whose token? --email is required, e.g. --email you@example.com\n',
      },
      {
        code: 2,
        stdout: '',
        stderr:
          'takt track: give the numbers: takt track <input> <output> [cache-read] [cache-creation], e.g. takt track 5420 2100; see `takt track --help`\n',
      },
    ]);
  });

  it('takt --help names every report, not only the daily, weekly and monthly ones', async () => {
    expect((await run(['--help'])).stdout).toContain(
      '\n  report      usage and cost per day, week, month, session or 5-hour block from local transcripts (no server)\n',
    );
  });

  it('generated help names the shared token flags', async () => {
    const help = await run(['watch', '--help']);
    expect(help.stdout).toContain('--token-file PATH');
    expect(help.stdout).toContain('--token-stdin');
    expect(help.stdout).not.toMatch(/[Ss]eed/);
  });

  const commands = Object.keys(commandSummaries);

  it('takt --help lists every command, each with its one line', async () => {
    const help = await run(['--help']);
    for (const [name, summary] of Object.entries(commandSummaries))
      expect(help.stdout).toContain(`\n  ${name.padEnd(12)}${summary}\n`);
  });

  it('every command has generated help: its usage, its one line, its options, no internal words', async () => {
    const helps = await Promise.all(commands.map((c) => run([c, '--help'])));
    for (const [i, c] of commands.entries()) {
      const h = helps[i];
      expect({ c, code: h?.code, stderr: h?.stderr }).toEqual({ c, code: 0, stderr: '' });
      expect(h?.stdout.startsWith(`takt ${c} `)).toBe(true);
      expect(h?.stdout).toContain(`\n${commandSummaries[c as keyof typeof commandSummaries]}.\n`);
      expect(h?.stdout).toContain('\nOptions:\n');
      expect(h?.stdout).toContain('  --help, -h');
      expect(h?.stdout).not.toMatch(/[Ss]eed|StopFailure|observation/);
    }
  });

  it('an unknown option is one line and exit 2 for every command', async () => {
    // The subcommand where one is needed, so that the option is what is wrong.
    const words: Record<string, string[]> = {
      usage: ['usage', 'official'],
      hooks: ['hooks', 'install'],
      service: ['service', 'status'],
      token: ['token', 'create'],
      admin: ['admin', 'invite'],
      pricing: ['pricing', 'show'],
      report: ['report', 'daily'],
    };
    const answers = await Promise.all(commands.map((c) => run([...(words[c] ?? [c]), '--frobnicate'])));
    for (const [i, c] of commands.entries())
      expect({ c, ...answers[i] }).toEqual({
        c,
        code: 2,
        stdout: '',
        stderr: `takt ${c}: unknown option '--frobnicate'; see \`takt ${c} --help\`\n`,
      });
  });

  it('an unknown or missing subcommand is one line and exit 2', async () => {
    expect(await run(['hooks', 'frob'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "takt hooks: unknown subcommand 'frob'; see `takt hooks --help`\n",
    });
    expect(await run(['admin', 'webhooks', 'frob'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "takt admin webhooks: unknown subcommand 'frob'; see `takt admin webhooks --help`\n",
    });
    expect(await run(['service'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'takt service: name a subcommand: install, uninstall or status; see `takt service --help`\n',
    });
  });

  it('every command that takes --token says in its help that ps shows it, and takes a file or stdin', async () => {
    const withToken = ['watch', 'validate', 'usage', 'sync', 'track', 'hooks', 'setup'];
    const helps = await Promise.all([
      ...withToken.map((c) => run([c, '--help'])),
      run(['admin', 'webhooks', '--help']),
    ]);
    for (const h of helps) {
      expect(h.stdout).toContain('--token T');
      expect(h.stdout).toContain('visible to every user of this machine in ps');
      expect(h.stdout).toContain('--token-file PATH');
      expect(h.stdout).toContain('--token-stdin');
    }
  });
});
