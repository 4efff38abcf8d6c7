import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PostgreSQL server of one test's own (the fault tests stop and start it, which
 * the shared one of test/global-setup.ts must not see). Loopback, no fsync, in a temp dir.
 */
export interface PostgresServer {
  url: string;
  stop(): void;
  start(): void;
  dispose(): void;
}

function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const v = versions.find((x) => existsSync(join(root, x, 'bin', 'initdb')));
  if (!v) throw new Error('these tests need PostgreSQL: apt-get install -y postgresql');
  return join(root, v, 'bin');
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function startPostgresServer(): PostgresServer {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'takt-pgf-'));
  chmodSync(dir, 0o777);
  const port = 40000 + Math.floor(Math.random() * 20000);
  // initdb refuses to run as root; run the server as the postgres system user then.
  const asPostgres = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = [join(bin, cmd), ...args];
    if (asPostgres)
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', full.map(quote).join(' ')], { stdio: 'ignore' });
    else execFileSync(full[0] as string, full.slice(1), { stdio: 'ignore' });
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`,
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
    ]);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      stop();
      running = false;
    },
    start() {
      start();
      running = true;
    },
    dispose() {
      if (running) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
