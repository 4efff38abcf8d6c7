import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/log.ts';
import { openStore } from '../src/store/open-store.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt } from './support/takt-server.ts';
import { dialects } from './support/test-databases.ts';
import { startReceiver } from './support/webhook-receiver.ts';

/**
 * Issue 22.9, secrets on disk: TAKT_HOME is 0700 and the database files 0600 (existing ones
 * fixed at start, with a log line); webhook URLs and secrets are encrypted at rest with a key
 * kept outside the database (TAKT_SECRET_KEY, or a key file made 0600 at first start), and
 * rows written in clear before are encrypted at start, on SQLite and PostgreSQL.
 */
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
/** A file's bytes as text, or nothing when SQLite has removed it (the WAL after a clean close). */
const contentOf = (path: string) => (existsSync(path) ? readFileSync(path).toString('latin1') : '');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'takt-secrets-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KEY = 'q6Yq3J0f1mB4ZpLk8Vd2Xc7Rt9Hs5Nw0Ea1Ub3Og6Ii=';
const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX';

describe('secrets on disk', () => {
  it('creates TAKT_HOME 0700, the database files and the key file 0600, and fixes looser ones at start', async () => {
    const root = tempDir();
    const fresh = join(root, 'fresh-home');
    const freshLines: string[] = [];
    const freshLog = createLogger('info', { out: (l) => freshLines.push(l), err: (l) => freshLines.push(l) });
    const first = await startTakt({ env: { TAKT_HOME: fresh }, log: freshLog });
    const freshModes = [fresh, ...['takt.db', 'takt.db-wal', 'takt.db-shm', 'takt.key'].map((f) => join(fresh, f))].map(
      mode,
    );
    await first.stop();
    const loose = join(root, 'loose-home');
    mkdirSync(loose, { mode: 0o755 });
    chmodSync(loose, 0o755);
    const made = await openStore(`sqlite:${join(loose, 'takt.db')}`);
    await made.close();
    chmodSync(join(loose, 'takt.db'), 0o644);
    const lines: string[] = [];
    const log = createLogger('info', { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const second = await startTakt({ env: { TAKT_HOME: loose }, log });
    const modes = ['takt.db', 'takt.db-wal', 'takt.db-shm', 'takt.key'].map((f) => mode(join(loose, f)));
    await second.stop();
    expect({
      fresh: freshModes,
      loose: [mode(loose), ...modes],
      logged: lines.filter((l) => l.includes('permissions')),
      // A fresh home's files are made 0600, never made 0644 and narrowed after (no warning to alarm anyone).
      freshLogged: freshLines.filter((l) => l.includes('permissions')),
    }).toEqual({
      fresh: ['700', '600', '600', '600', '600'],
      freshLogged: [],
      loose: ['700', '600', '600', '600', '600'],
      logged: [
        `warn  TAKT_HOME was open to other users: its permissions are now 0700 path=${loose} was=0755\n`,
        `warn  a database file was readable by other users: its permissions are now 0600 path=${join(loose, 'takt.db')} was=0644\n`,
        `warn  a database file was readable by other users: its permissions are now 0600 path=${join(loose, 'takt.db-wal')} was=0644\n`,
        `warn  a database file was readable by other users: its permissions are now 0600 path=${join(loose, 'takt.db-shm')} was=0644\n`,
      ],
    });
  });

  it('the CLI makes TAKT_HOME 0700 too: the status line, the hook and a report (its transcript index)', () => {
    const root = tempDir();
    const main = join(import.meta.dirname, '..', 'dist', 'main.js');
    const projects = join(root, 'claude', 'projects', 'p');
    mkdirSync(projects, { recursive: true });
    const homes = ['statusline', 'hooks', 'report'].map((name) => join(root, name, '.takt'));
    const env = (home: string) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      TAKT_HOME: home,
      CLAUDE_CONFIG_DIR: join(root, 'claude'),
    });
    const run = (home: string, args: string[], input = '') =>
      spawnSync(process.execPath, [main, ...args], { env: env(home), input, encoding: 'utf8' });
    run(
      homes[0] as string,
      ['statusline'],
      JSON.stringify({ session_id: 's', rate_limits: { five_hour: { used_percentage: 5 } } }),
    );
    run(homes[1] as string, ['hooks', 'stop-failure'], JSON.stringify({ error: 'overloaded' }));
    run(homes[2] as string, ['report', 'daily', '--json']);
    expect(homes.map((h) => (existsSync(h) ? mode(h) : 'missing'))).toEqual(['700', '700', '700']);
    // The transcript index holds every project path and session: 0600 like the server's data files.
    const indexes = readdirSync(homes[2] as string).filter((name) => name.endsWith('.idx'));
    expect(indexes.length).toBeGreaterThan(0);
    expect(indexes.map((name) => mode(join(homes[2] as string, name)))).toEqual(indexes.map(() => '600'));
  });

  it('keeps webhook URLs and secrets encrypted in the database, readable through the API', async () => {
    const home = tempDir();
    const receiver = await startReceiver();
    const takt = await startTakt({
      env: { TAKT_HOME: home, TAKT_WEBHOOK_ALLOW_HTTP: '1', TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' },
    });
    const api = new TestClient(takt.directUrl, takt.token);
    const created = await api.call('POST', '/api/webhooks', { url: receiver.url, events: ['limit_hit'] });
    receiver.secret = created.body.secret;
    const test = await api.call('POST', `/api/webhooks/${created.body.id}/test`);
    const shown = await api.call('GET', `/api/webhooks/${created.body.id}`);
    await takt.stop();
    await receiver.close();
    const file = contentOf(join(home, 'takt.db')) + contentOf(join(home, 'takt.db-wal'));
    expect({
      delivered: [test.body.status, receiver.delivered().length],
      url: shown.body.url,
      secretInFile: file.includes(created.body.secret.slice(6)),
      urlInFile: file.includes(`127.0.0.1:${receiver.port}/hook`),
      keyFile: existsSync(join(home, 'takt.key')),
    }).toEqual({
      delivered: ['delivered', 1],
      url: receiver.url,
      secretInFile: false,
      urlInFile: false,
      keyFile: true,
    });
  });

  describe.each(dialects)('on $name', ({ create }) => {
    it('encrypts rows written in clear before, at start, with TAKT_SECRET_KEY', async () => {
      const database = await create();
      const before = await openStore(database.url);
      const user = await insertUser(before.db, { email: 'old@example.com' });
      await before.db
        .insertInto('webhook_endpoints')
        .values({
          id: 'ep_old',
          user_id: user.id,
          url: SLACK,
          events: '["limit_hit"]',
          account_uuids: null,
          thresholds: '[80,95]',
          format: 'slack',
          description: null,
          secret: 'whsec_b2xkc2VjcmV0b2xkc2VjcmV0',
          enabled: 1,
          disabled_reason: null,
          disabled_at: null,
          failing_since: null,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      await before.close();
      const takt = await startTakt({ databaseUrl: database.url, env: { TAKT_HOME: tempDir(), TAKT_SECRET_KEY: KEY } });
      const raw = await takt.server.context.store.db
        .selectFrom('webhook_endpoints')
        .select(['url', 'secret'])
        .where('id', '=', 'ep_old')
        .executeTakeFirstOrThrow();
      const admin = await takt.addUser('viewer@example.com');
      await takt.server.context.store.db
        .updateTable('users')
        .set({ role: 'admin' })
        .where('id', '=', admin.userId)
        .execute();
      const shown = await new TestClient(takt.directUrl, admin.token).call('GET', '/api/webhooks/ep_old');
      await takt.stop();
      await database.drop();
      expect([
        raw.url.startsWith('enc1:'),
        raw.secret.startsWith('enc1:'),
        raw.url.includes('XXXXSECRETXXXX'),
        shown.body.url,
      ]).toEqual([true, true, false, SLACK]);
    });
  });
});
