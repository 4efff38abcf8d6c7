import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localSetup, setLocalOwnerPassword } from '../src/cli/setup/local-setup.ts';
import { loadConfig } from '../src/config/config.ts';
import { startServer } from '../src/server/start-server.ts';
import { openStore } from '../src/store/open-store.ts';
import { insertUser, listUsers } from '../src/store/users.ts';

/** `takt setup --local`'s owner (issue 19.1): one email rule, an admin, one person on re-runs. */
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchEnv() {
  const home = mkdtempSync(join(tmpdir(), 'takt-owner-'));
  scratch.push(home);
  mkdirSync(join(home, '.claude'));
  const env = {
    HOME: home,
    TAKT_HOME: join(home, 'takt'),
    TAKT_HTTP_PORT: '0',
    TAKT_GRPC: '0',
    TAKT_LOG_LEVEL: 'silent',
  };
  return { env, settings: join(home, '.claude', 'settings.json') };
}

async function people(env: NodeJS.ProcessEnv) {
  const store = await openStore(loadConfig(env).databaseUrl);
  const users = await listUsers(store.db);
  await store.close();
  return users.map((u) => [u.email, u.role]);
}

async function signIn(env: NodeJS.ProcessEnv, email: string, password: string) {
  const server = await startServer(loadConfig(env));
  const r = await fetch(`${server.httpUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await r.json()) as { user?: { email: string; role: string } };
  await server.close();
  return [r.status, body.user?.email, body.user?.role];
}

describe('takt setup --local: the owner', () => {
  it('is an admin who signs in with the @localhost address it was given', async () => {
    const { env, settings } = scratchEnv();
    const r = await localSetup({ email: 'you@localhost', machine: 'box', settings, service: false, env });
    await setLocalOwnerPassword({ env, email: r.email, password: 'owner password 1' });
    expect([r.email, r.created_user, r.renamed_from, r.dashboard]).toEqual([
      'you@localhost',
      true,
      null,
      'http://localhost:0/',
    ]);
    expect(await signIn(env, 'you@localhost', 'owner password 1')).toEqual([200, 'you@localhost', 'admin']);
  });

  it('is renamed, not doubled, by another --email; and still signs in as admin', async () => {
    const { env, settings } = scratchEnv();
    await localSetup({ email: 'you@localhost', machine: 'box', settings, service: false, env });
    await setLocalOwnerPassword({ env, email: 'you@localhost', password: 'owner password 1' });
    const again = await localSetup({ email: 'Me@Example.com', machine: 'box', settings, service: false, env });
    expect([again.email, again.created_user, again.renamed_from]).toEqual(['me@example.com', false, 'you@localhost']);
    expect(await people(env)).toEqual([['me@example.com', 'admin']]);
    expect(await signIn(env, 'me@example.com', 'owner password 1')).toEqual([200, 'me@example.com', 'admin']);
  });

  it('re-run without --email keeps the one owner', async () => {
    const { env, settings } = scratchEnv();
    const first = await localSetup({ email: 'you@localhost', machine: 'box', settings, service: false, env });
    const again = await localSetup({ machine: 'box', settings, service: false, env });
    expect([again.email, again.created_user, again.token_reused, again.token]).toEqual([
      'you@localhost',
      false,
      true,
      first.token,
    ]);
    expect(await people(env)).toEqual([['you@localhost', 'admin']]);
  });

  it('makes a lone member left by an earlier version the admin', async () => {
    const { env, settings } = scratchEnv();
    const store = await openStore(loadConfig(env).databaseUrl);
    await insertUser(store.db, { email: 'me@example.com', role: 'member' });
    await store.close();
    await localSetup({ email: 'me@example.com', machine: 'box', settings, service: false, env });
    expect(await people(env)).toEqual([['me@example.com', 'admin']]);
  });

  it('stops (exit 2) on a store of several people without that address, and on a bad address', async () => {
    const { env, settings } = scratchEnv();
    await localSetup({ email: 'you@localhost', machine: 'box', settings, service: false, env });
    const store = await openStore(loadConfig(env).databaseUrl);
    await insertUser(store.db, { email: 'colleague@example.com' });
    await store.close();
    await expect(
      localSetup({ email: 'new@example.com', machine: 'box', settings, service: false, env }),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message:
        'this store has 2 people and none is new@example.com: takt setup --local is for one person. Run it with --email of an existing person, or connect this machine to the team server: takt setup --server URL',
    });
    await expect(localSetup({ email: 'you', machine: 'box', settings, service: false, env })).rejects.toMatchObject({
      code: 'bad_request',
      message: "--email 'you': email must be an email address such as you@example.com or you@localhost",
    });
    expect(await people(env)).toEqual([
      ['you@localhost', 'admin'],
      ['colleague@example.com', 'member'],
    ]);
  });
});
