import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REFRESH_MS = 60_000;

/**
 * Starts a background `takt report` (which saves the index) unless the index was saved or
 * a refresh started in the last minute — also while a first build is still running.
 * `indexFile` undefined: there is no usable index, only a started refresh counts.
 */
export function refreshInBackground(home: string, indexFile: string | undefined): void {
  const marker = join(home, 'index-refresh.at');
  const last = Math.max(indexFile === undefined ? 0 : mtimeOf(indexFile), mtimeOf(marker));
  if (Date.now() - last < REFRESH_MS) return;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(marker, '');
  buildIndexInBackground();
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function buildIndexInBackground(): void {
  const main = process.argv[1];
  if (main === undefined) return;
  // Loaded only here: most runs never spawn, and every module costs start-up time.
  void import('node:child_process').then(({ spawn }) => {
    const child = spawn(process.execPath, [...process.execArgv, main, 'report', 'daily', '--json'], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  });
}
