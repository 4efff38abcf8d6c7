import { readdirSync, readFileSync } from 'node:fs';

/**
 * Polls `probe` until `ok` holds and returns that value; past the deadline it throws,
 * naming what it waited for and the last value seen. Tests wait for a condition, never
 * for a guessed number of milliseconds: a busy machine is slower, not wrong.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  deadlineMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) {
      throw new Error(`waited ${deadlineMs} ms for ${what}; last seen: ${JSON.stringify(v)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Processes alive now whose command line contains every one of `args` and whose environment
 * has `envEntry` (e.g. `TAKT_HOME=/tmp/x`): Linux's /proc, for detached children a test
 * cannot wait on otherwise (they are no children of the test's process).
 */
export function runningProcesses(args: string[], envEntry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = readOrEmpty(`/proc/${name}/cmdline`).split('\0');
    if (!args.every((a) => cmdline.includes(a))) continue;
    if (readOrEmpty(`/proc/${name}/environ`).split('\0').includes(envEntry)) pids.push(Number(name));
  }
  return pids;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // the process ended between the listing and the read
    return '';
  }
}
