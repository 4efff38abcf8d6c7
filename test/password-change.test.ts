import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/** Defect 3 of issue 10: the cached token check held the old password hash for ~5 s. */
let takt: TestTakt;
beforeAll(async () => {
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
});

describe('POST /auth/password/set', () => {
  it('asks for current_password right after a password was set, and after it was changed', async () => {
    const me = new TestClient(takt.directUrl, takt.token);
    const first = await me.call('POST', '/auth/password/set', { password: 'first password here' });
    const withoutCurrent = await me.call('POST', '/auth/password/set', { password: 'taken over by someone' });
    const changed = await me.call('POST', '/auth/password/set', {
      password: 'second password here',
      current_password: 'first password here',
    });
    const withOldCurrent = await me.call('POST', '/auth/password/set', {
      password: 'taken over by someone',
      current_password: 'first password here',
    });
    expect([first.status, withoutCurrent.status, changed.status, withOldCurrent.status]).toEqual([200, 403, 200, 403]);
    expect(withoutCurrent.body.error.message).toBe(
      'current_password is wrong: send your current password to change it',
    );
  });
});

describe('sessions after a password change, and sign out everywhere (issue 22.6)', () => {
  const signIn = async (password: string) => {
    const browser = new TestClient(takt.directUrl);
    const r = await browser.call('POST', '/auth/login', { email: 'dev@example.com', password });
    browser.csrf = r.body.csrf_token;
    return browser;
  };
  const write = (browser: TestClient, path: string, body: unknown) =>
    browser.call('POST', path, body, { 'x-csrf-token': browser.csrf });

  it('ends the other browser sessions when the password changes, and keeps the current one', async () => {
    await takt.server.context.store.db.updateTable('users').set({ password_hash: null }).execute();
    const me = new TestClient(takt.directUrl, takt.token);
    await me.call('POST', '/auth/password/set', { password: 'password number one' });
    const here = await signIn('password number one');
    const stolen = await signIn('password number one');
    const changed = await write(here, '/auth/password/set', {
      password: 'password number two',
      current_password: 'password number one',
    });
    const [hereAfter, stolenAfter] = [
      await here.call('GET', '/auth/session'),
      await stolen.call('GET', '/auth/session'),
    ];
    expect([changed.status, hereAfter.status, stolenAfter.status]).toEqual([200, 200, 401]);
  });

  it('signs out every browser session, and with tokens: true revokes the tokens too', async () => {
    await takt.server.context.store.db.updateTable('users').set({ password_hash: null }).execute();
    const me = new TestClient(takt.directUrl, takt.token);
    await me.call('POST', '/auth/password/set', { password: 'password number three' });
    const a = await signIn('password number three');
    const b = await signIn('password number three');
    const sessionsOnly = await write(a, '/auth/logout-everywhere', {});
    const afterSessions = [
      (await a.call('GET', '/auth/session')).status,
      (await b.call('GET', '/auth/session')).status,
      (await me.call('GET', '/auth/session')).status,
    ];
    const c = await signIn('password number three');
    const withTokens = await write(c, '/auth/logout-everywhere', { tokens: true });
    const afterTokens = [(await c.call('GET', '/auth/session')).status, (await me.call('GET', '/auth/session')).status];
    expect([sessionsOnly.status, sessionsOnly.body.sessions_ended, sessionsOnly.body.tokens_revoked]).toEqual([
      200, 2, 0,
    ]);
    expect(afterSessions).toEqual([401, 401, 200]);
    expect([withTokens.status, withTokens.body.sessions_ended, withTokens.body.tokens_revoked]).toEqual([200, 1, 1]);
    expect(afterTokens).toEqual([401, 401]);
  });
});
