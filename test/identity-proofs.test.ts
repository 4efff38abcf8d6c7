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
