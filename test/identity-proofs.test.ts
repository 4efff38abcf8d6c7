import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/** Defect 6 of issue 10 (its first two parts): what proves identity, and who can be locked out. */
let takt: TestTakt;
let admin: TestClient;
let anonymous: TestClient;
const from = (address: string) => ({ 'x-forwarded-for': address });

beforeAll(async () => {
  // Trusting the loopback proxy lets each call say which address it comes from.
  takt = await startTakt({ env: { TAKT_TRUSTED_PROXIES: '127.0.0.1' } });
  const db = takt.server.context.store.db;
  const a = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
  admin = new TestClient(takt.directUrl, (await issueApiToken(db, a.id, 'admin')).token);
  anonymous = new TestClient(takt.directUrl);
});
afterAll(async () => {
  await takt.stop();
});

describe('POST /auth/token', () => {
  it('does not take an expired invite code as proof of identity', async () => {
    const [code] = (await admin.call('POST', '/auth/invite', { count: 1 })).body.codes;
    const reg = await anonymous.call(
      'POST',
      '/auth/register',
      { email: 'late@example.com', invite_code: code, machine: 'desk' },
      from('192.0.2.1'),
    );
    await takt.server.context.store.db
      .updateTable('invites')
      .set({ expires_at: Date.now() - 1000 })
      .where('used_by', '=', reg.body.user_id)
      .execute();
    const token = await anonymous.call(
      'POST',
      '/auth/token',
      { email: 'late@example.com', invite_code: code, machine: 'desk' },
      from('192.0.2.1'),
    );
    expect([reg.status, token.status, token.body.error.message]).toEqual([
      201,
      401,
      'email and invite code do not match a registration: check both, or ask your admin',
    ]);
  });
});

describe('POST /auth/login', () => {
  it('lets the owner in with the right password while someone else guesses at the same email', async () => {
    const owner = new TestClient(takt.directUrl, takt.token);
    expect((await owner.call('POST', '/auth/password/set', { password: 'the owners password' })).status).toBe(200);
    const guesses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await anonymous.call(
        'POST',
        '/auth/login',
        { email: 'dev@example.com', password: `guess-${i}` },
        from('203.0.113.9'),
      );
      guesses.push(r.status);
    }
    const ownerLogin = await new TestClient(takt.directUrl).call(
      'POST',
      '/auth/login',
      { email: 'dev@example.com', password: 'the owners password' },
      from('198.51.100.7'),
    );
    const guesserWithRightPassword = await anonymous.call(
      'POST',
      '/auth/login',
      { email: 'dev@example.com', password: 'the owners password' },
      from('203.0.113.9'),
    );
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(guesses.slice(10)).toEqual(Array(15).fill(429));
    expect([ownerLogin.status, ownerLogin.body.user.email, guesserWithRightPassword.status]).toEqual([
      200,
      'dev@example.com',
      429,
    ]);
  });

  it('counts failures, not attempts: signing in again and again is never limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await anonymous.call(
        'POST',
        '/auth/login',
        { email: 'dev@example.com', password: 'the owners password' },
        from('198.51.100.8'),
      );
      statuses.push(r.status);
    }
    expect(statuses).toEqual(Array(15).fill(200));
  });
});

describe('POST /auth/token after the invite has done its job (issue 22.3)', () => {
  const spentCodeMessage =
    'this invite code no longer proves who you are (it does only until the account has a password or has used a token, and for 30 minutes after registering): sign in to the dashboard and create a token there, run takt setup --server URL to approve this machine in a browser, or ask your admin';
  const register = async (email: string, address: string) => {
    const [code] = (await admin.call('POST', '/auth/invite', { count: 1 })).body.codes;
    const reg = await anonymous.call(
      'POST',
      '/auth/register',
      { email, invite_code: code, machine: 'desk' },
      from(address),
    );
    return { code: code as string, userId: reg.body.user_id as string, token: reg.body.token as string };
  };
  const fetchToken = (email: string, code: string, address: string) =>
    anonymous.call('POST', '/auth/token', { email, invite_code: code, machine: 'desk' }, from(address));

  it('refuses the code once the account has a password', async () => {
    const { code, userId } = await register('pw22@example.com', '192.0.2.31');
    const before = await fetchToken('pw22@example.com', code, '192.0.2.31');
    await takt.server.context.store.db
      .updateTable('users')
      .set({ password_hash: 'x' })
      .where('id', '=', userId)
      .execute();
    const after = await fetchToken('pw22@example.com', code, '192.0.2.31');
    expect([before.status, after.status, after.body.error.message]).toEqual([200, 403, spentCodeMessage]);
  });

  it('refuses the code once a token of the account has been used', async () => {
    const { code, token } = await register('used22@example.com', '192.0.2.32');
    expect((await new TestClient(takt.directUrl, token).call('GET', '/auth/session')).status).toBe(200);
    const after = await fetchToken('used22@example.com', code, '192.0.2.32');
    expect([after.status, after.body.error.message]).toEqual([403, spentCodeMessage]);
  });

  it('refuses the code 30 minutes after registration', async () => {
    const { code, userId } = await register('old22@example.com', '192.0.2.33');
    await takt.server.context.store.db
      .updateTable('invites')
      .set({ used_at: Date.now() - 31 * 60_000 })
      .where('used_by', '=', userId)
      .execute();
    const after = await fetchToken('old22@example.com', code, '192.0.2.33');
    expect([after.status, after.body.error.message]).toEqual([403, spentCodeMessage]);
  });

  it('never answers a token for a disabled user', async () => {
    const { code, userId } = await register('off22@example.com', '192.0.2.34');
    await takt.server.context.store.db
      .updateTable('users')
      .set({ disabled_at: Date.now() })
      .where('id', '=', userId)
      .execute();
    const after = await fetchToken('off22@example.com', code, '192.0.2.34');
    expect([after.status, after.body.error.message]).toEqual([
      403,
      'this account is disabled: ask your admin to enable it',
    ]);
  });
});
