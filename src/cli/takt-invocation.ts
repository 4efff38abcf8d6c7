import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * How to run this takt again from elsewhere (a hook, the status line, a service, a
 * detached child): this Node and takt's entry, as absolute paths, so neither PATH nor the
 * shell Claude Code or systemd start with matters. The package's bin (takt.cjs) is
 * preferred to main.js beside it: it loads the status line's bundle without the ES loader.
 */
export function taktInvocation(argv1: string | undefined = process.argv[1]): string[] {
  if (argv1 === undefined) return [process.execPath];
  let entry = argv1;
  try {
    entry = realpathSync(argv1);
  } catch {
    // keep the path as given
  }
  const bin = join(dirname(entry), 'takt.cjs');
  if (basename(entry) === 'main.js' && existsSync(bin)) entry = bin;
  return [process.execPath, entry];
}

const SAFE = /^[A-Za-z0-9_./:=@%+-]+$/;
export const shellQuote = (s: string) => (SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The invocation as one shell command line (Claude Code runs hook and status line commands through a shell). */
export function taktCommandLine(argv1?: string): string {
  return taktInvocation(argv1).map(shellQuote).join(' ');
}
