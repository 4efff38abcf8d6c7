import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../lib/log.ts';
import { parseSecretKey } from '../store/secret-box.ts';

/**
 * What takt keeps on disk is private to the user it runs as (issue 22.9): TAKT_HOME 0700, the
 * SQLite files (the database, its -wal and -shm) and the key file 0600. Existing files with
 * looser permissions are fixed at start, each with a warning, since they may have been read.
 */
const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Creates TAKT_HOME 0700, or narrows an existing one. */
export function preparePrivateHome(home: string, log: Logger): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const mode = statSync(home).mode;
  if ((mode & 0o077) === 0) return;
  chmodSync(home, 0o700);
  log.warn('TAKT_HOME was open to other users: its permissions are now 0700', { path: home, was: octal(mode) });
}

/** The SQLite files of `databaseFile` (and the key file), 0600. */
export function securePrivateFiles(paths: readonly string[], log: Logger): void {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode;
    if ((mode & 0o077) === 0) continue;
    chmodSync(path, 0o600);
    log.warn('a database file was readable by other users: its permissions are now 0600', {
      path,
      was: octal(mode),
    });
  }
}

export const sqliteFilesOf = (file: string) => [file, `${file}-wal`, `${file}-shm`];

/**
 * The key that seals webhook URLs and secrets: TAKT_SECRET_KEY when set, else the key file
 * `takt.key` beside the SQLite database (in TAKT_HOME on PostgreSQL), made 0600 at first start.
 * It must be backed up apart from the database (docs/operations.md, "Backups").
 */
export function loadSecretKey(
  settings: { secretKey?: string | undefined; home: string; sqliteFile?: string | undefined },
  log: Logger,
): Buffer {
  if (settings.secretKey) return parseSecretKey(settings.secretKey);
  const file = keyFileOf(settings);
  if (existsSync(file)) {
    securePrivateFiles([file], log);
    return parseSecretKey(readFileSync(file, 'utf8'));
  }
  const key = parseSecretKey(randomKeyText());
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  log.info('made the key that encrypts webhook URLs and secrets: back it up apart from the database', { path: file });
  return key;
}

export const keyFileOf = (s: { home: string; sqliteFile?: string | undefined }) =>
  join(s.sqliteFile ? dirname(s.sqliteFile) : s.home, 'takt.key');

function randomKeyText(): string {
  return globalThis.crypto.getRandomValues(Buffer.alloc(32)).toString('base64');
}
