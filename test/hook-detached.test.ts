import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { detachedHookCommand, STOP_FAILURE_ARGS } from '../src/install/claude-hooks.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * What Claude Code 2.1.330 does to a StopFailure hook in `claude -p` (measured with a probe
 * hook): it runs `/bin/sh -c COMMAND` and, as the run ends, sends SIGTERM to every process
 * of that tree — 10–50 ms after the start, before Node has run a line of takt. This test
 * does the same without Claude Code, at the harshest moment (as soon as the shell is done),
 * and checks that the hook takt installs still does its work: it waits for a hit line for 4 s,
 * then says so in hooks.log. The bare command older takt installed is killed.
 */
const bin = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-hook-detached-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every live descendant of pid (by /proc's parent links), deepest last. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/**
 * Runs the command as Claude Code does, then kills its tree once the shell exits (or after 2 s):
 * the shell and every process whose parent links lead to it at that moment, as a tree kill
 * finds them. (Gathering them while the shell ran, as this did before, also caught the hook's
 * process in the instant between the subshell starting it and exiting — on a loaded machine
 * sometimes, failing the test — which no tree kill that runs after the shell is done finds.)
 */
async function runAndKillTree(command: string, taktHome: string): Promise<void> {
  const transcript = join(taktHome, '..', 'session.jsonl');
  writeFileSync(transcript, `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'hi' } })}\n`);
  const shell = spawn('/bin/sh', ['-c', command], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(taktHome, '..'), TAKT_HOME: taktHome },
  });
  shell.stdin.end(
    JSON.stringify({
      session_id: 's-1',
      transcript_path: transcript,
      hook_event_name: 'StopFailure',
      error: 'rate_limit',
    }),
  );
  const pid = shell.pid as number;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    shell.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

const logOf = (taktHome: string) => {
  const file = join(taktHome, 'hooks.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};

it("the installed hook finishes its work after Claude Code terminates the hook's process tree", {
  timeout: 30_000,
}, async () => {
  const taktHome = join(scratch, 'detached', '.takt');
  mkdirSync(taktHome, { recursive: true });
  await runAndKillTree(detachedHookCommand(`${process.execPath} ${bin}`), taktHome);
  const log = await waitFor(
    'the hook to log its outcome',
    () => logOf(taktHome),
    (l) => l.length > 0,
    20_000,
  );
  expect(log).toContain('StopFailure s-1: nothing to report (no hit line in the transcript after 4000 ms)');
});

it('the bare command older takt installed dies with the tree and logs nothing', { timeout: 30_000 }, async () => {
  const taktHome = join(scratch, 'bare', '.takt');
  mkdirSync(taktHome, { recursive: true });
  await runAndKillTree(`${process.execPath} ${bin} ${STOP_FAILURE_ARGS}`, taktHome);
  // Long enough for the hook's 4 s wait to have ended, had it survived.
  await new Promise((r) => setTimeout(r, 6_000));
  expect(logOf(taktHome)).toBe('');
});
