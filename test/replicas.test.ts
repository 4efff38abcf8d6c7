import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { loadConfig } from '../src/config/config.ts';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { leaseHolder, runOnce } from '../src/store/leases.ts';
import { migrationProvider } from '../src/store/migrations/index.ts';
import { openStore } from '../src/store/open-store.ts';
import { PostgresChanges } from '../src/store/postgres/postgres-changes.ts';
import { insertUser } from '../src/store/users.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { postgresDatabase, type TestDatabase } from './support/test-databases.ts';

/** Several `takt serve` replicas on one PostgreSQL (issue 15): nothing that matters stays in one process. */

const homes: string[] = [];
async function replica(url: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const home = mkdtempSync(join(tmpdir(), 'takt-replica-'));
  homes.push(home);
  const config = loadConfig(
    { TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0', TAKT_LOG_LEVEL: 'silent', ...env },
    { databaseUrl: url },
  );
  return startServer(config);
}

/** Opens GET /api/events and resolves with the first frame naming `event`, or rejects after timeoutMs. */
async function firstEvent(baseUrl: string, token: string, event: string, timeoutMs: number) {
  const abort = new AbortController();
  const r = await fetch(`${baseUrl}/api/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const reader = (r.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const connected = (async () => {
    while (!text.includes('event: hello')) text += decoder.decode((await reader.read()).value, { stream: true });
  })();
  await connected;
  const found = (async () => {
    const started = Date.now();
    for (;;) {
      const frame = text.split('\n\n').find((f) => f.includes(`event: ${event}`));
      if (frame) return { frame, ms: Date.now() - started };
      const chunk = await reader.read();
      if (chunk.done) throw new Error('stream ended');
      text += decoder.decode(chunk.value, { stream: true });
    }
  })();
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs),
  );
  return {
    wait: () => Promise.race([found, timer]).finally(() => abort.abort()),
  };
}

describe('replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let token: string;
  beforeAll(async () => {
    db = await postgresDatabase();
    [a, b] = await Promise.all([
      replica(db.url, { TAKT_AUTH_RATE_LIMIT: '4' }),
      replica(db.url, { TAKT_AUTH_RATE_LIMIT: '4' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db.drop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('accepts on replica B the first-run setup code replica A printed, once, and then neither shows the page', async () => {
    const code = a.context.setupCode ?? '';
    const needed = async (s: RunningServer) =>
      ((await (await fetch(`${s.httpUrl}/auth/setup`)).json()) as { needed: boolean }).needed;
    expect([code.length, await needed(a), await needed(b)]).toEqual([14, true, true]);
    const setup = (s: RunningServer, setupCode: string) =>
      fetch(`${s.httpUrl}/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ setup_code: setupCode, email: 'admin@example.com', password: 'long enough password' }),
      }).then((r) => r.status);
    expect(await setup(b, code)).toBe(201);
    expect([await setup(a, code), await needed(a), await needed(b)]).toEqual([409, false, false]);
  });

  it('counts rate limits across replicas: 4 registrations a minute from one address in all, not 4 on each', async () => {
    const register = (s: RunningServer, i: number) =>
      fetch(`${s.httpUrl}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          invite_code: `WRONG-CODE-${i}`,
          email: `r${i}@example.com`,
          password: 'long enough password',
        }),
      }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await register(i % 2 === 0 ? a : b, i));
    expect(statuses.map((s) => (s === 429 ? 429 : 'not limited'))).toEqual([
      'not limited',
      'not limited',
      'not limited',
      'not limited',
      429,
      429,
    ]);
  });

  it('brings an export taken by replica A to a dashboard stream open on replica B within 2 s', async () => {
    const user = await insertUser(a.context.store.db, { email: 'live@example.com' });
    token = (await issueApiToken(a.context.store.db, user.id, 'test')).token;
    const stream = await firstEvent(b.httpUrl, token, 'usage', 2000);
    const now = Date.now();
    const status = await fetch(`${a.httpUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: encodeMetrics(
        tokenMetrics({ host: 'replica-box', sessionId: 'r-1' }, [{ model: 'm', type: 'output', value: 7 }], {
          startMs: now - 2000,
          timeMs: now - 1000,
        }),
      ),
    }).then((r) => r.status);
    const got = await stream.wait();
    expect([status, got.frame.includes('"kind":"usage"'), got.ms < 2000]).toEqual([200, true, true]);
  });

  it("hands a change to every replica's subscribers, and only to the publishing replica's local ones", async () => {
    const [one, two] = [new PostgresChanges(db.url), new PostgresChanges(db.url)];
    await Promise.all([one.start(), two.start()]);
    const heard: string[] = [];
    const arrival = (changes: PostgresChanges, name: string) =>
      new Promise<void>((done) =>
        changes.subscribe((u, k) => {
          heard.push(`${name}:${u}:${k}`);
          done();
        }),
      );
    const arrived = Promise.all([arrival(one, 'one'), arrival(two, 'two')]);
    one.subscribeLocal((u, k) => heard.push(`one-local:${u}:${k}`));
    two.subscribeLocal((u, k) => heard.push(`two-local:${u}:${k}`));
    one.publish('u-pg', 'official');
    await arrived;
    await Promise.all([one.stop(), two.stop()]);
    expect(heard.sort()).toEqual(['one-local:u-pg:official', 'one:u-pg:official', 'two:u-pg:official']);
  });

  it('answers /readyz 200 while serving and 503 once shutting down', async () => {
    const c = await replica(db.url);
    const before = await fetch(`${c.httpUrl}/readyz`).then(async (r) => [r.status, await r.json()]);
    const closed = c.close();
    const during = c.context.ready?.();
    await closed;
    expect([before, during]).toEqual([[200, { status: 'ready' }], false]);
  });
});

describe('migrations and health', () => {
  it('migrates a fresh database once when two processes start on it at the same moment', async () => {
    const db = await postgresDatabase();
    const script = `import { openStore } from ${JSON.stringify(resolve('src/store/open-store.ts'))};
      const s = await openStore(process.argv[1]); await s.close(); console.log('migrated');`;
    const run = () =>
      new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, db.url], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        child.on('exit', (code) => done({ code, out: out.trim() }));
      });
    const results = await Promise.all([run(), run()]);
    const store = await openStore(db.url, { migrate: false });
    const applied = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(store.db);
    const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
    const shipped = Object.keys(await migrationProvider.getMigrations()).sort();
    await store.close();
    await db.drop();
    expect(results).toEqual([
      { code: 0, out: 'migrated' },
      { code: 0, out: 'migrated' },
    ]);
    // Each migration recorded once: as many rows as migrations ship, the last one last.
    expect([applied.rows[0]?.n, names.rows.at(-1)?.name]).toEqual([shipped.length, shipped.at(-1)]);
  }, 60_000);

  it('answers /healthz 503 with the reason when the database is gone, and 200 while it is there', async () => {
    const db = await postgresDatabase();
    const s = await replica(db.url);
    const up = await fetch(`${s.httpUrl}/healthz`).then(async (r) => [r.status, await r.json()]);
    await db.drop(); // drops with (force): the replica's connections end
    const down = await fetch(`${s.httpUrl}/healthz`).then(async (r) => ({
      status: r.status,
      retryAfter: r.headers.get('retry-after'),
      body: (await r.json()) as { status: string; message: string },
    }));
    await s.close();
    expect(up).toEqual([
      200,
      {
        status: 'ok',
        store: 'postgres',
        local_mode: { on: false, reason: 'this store was not made by takt setup --local' },
      },
    ]);
    expect([down.status, down.retryAfter, down.body.status, down.body.message]).toEqual([
      503,
      '5',
      'unavailable',
      expect.stringMatching(/^cannot reach the postgres database \(.+\): check that it runs and TAKT_DATABASE_URL$/),
    ]);
  });
});

describe('runOnce', () => {
  it('runs a periodic job on one of several replicas per period, and again after the lease expires', async () => {
    const db = await postgresDatabase();
    const stores = await Promise.all([openStore(db.url), openStore(db.url), openStore(db.url)]);
    const ran: string[] = [];
    const T = 1_000_000;
    const round = (now: number) =>
      Promise.all(
        stores.map((s, i) =>
          runOnce(s.db, 'stale-check', 60_000, async () => ran.push(`r${i}@${now}`), { holder: `r${i}`, now }),
        ),
      );
    await round(T);
    await round(T + 30_000);
    const first = ran.length;
    await round(T + 61_000);
    const holder = await leaseHolder(stores[0]!.db, 'stale-check');
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
    expect([first, ran.length, holder?.expiresAt]).toEqual([1, 2, T + 61_000 + 60_000]);
  });
});
