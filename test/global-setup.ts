import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import 'vitest';

/**
 * Starts a throw-away PostgreSQL server on 127.0.0.1 for the tests that claim
 * PostgreSQL, unless TAKT_TEST_DATABASE_URL already names one. The server lives in
 * a temp dir, runs without fsync (tests only), and is stopped after the run.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.TAKT_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return undefined;
  }
  const bin = findPgBin();
  if (!bin) {
    throw new Error(
      'The PostgreSQL tests need a PostgreSQL server: install it (apt-get install -y postgresql) ' +
        'or set TAKT_TEST_DATABASE_URL=postgres://… to an empty database.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'takt-pg-'));
  chmodSync(dir, 0o777);
  const port = 20000 + Math.floor(Math.random() * 20000);
  // initdb refuses to run as root; run the server as the postgres system user then.
  const asPostgres = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = [join(bin, cmd), ...args];
    if (asPostgres) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', full.map(shellQuote).join(' ')]);
    else execFileSync(full[0] as string, full.slice(1));
  };
  run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  run('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`,
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
  ]);
  project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/postgres`);
  return () => {
    const stop = [join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop'];
    if (asPostgres) spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', stop.map(shellQuote).join(' ')]);
    else spawnSync(stop[0] as string, stop.slice(1));
    rmSync(dir, { recursive: true, force: true });
  };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
