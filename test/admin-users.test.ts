import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * /api/admin/users and /api/admin/tokens over HTTP: add a user, set a password, make
 * admin / member, disable / enable (and what that does to sign-in and tokens), the
 * self-protection rules, everyone's tokens and revoking one, each change in the audit log.
 */
let takt: TestTakt;
let adminToken: string;
let adminId: string;

const call = async (token: string, method: string, path: string, body?: unknown) => {
  const r = await fetch(`${takt.directUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
const admin = (method: string, path: string, body?: unknown) => call(adminToken, method, path, body);
const login = async (email: string, password: string) =>
  (
    await fetch(`${takt.directUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
  ).status;

beforeAll(async () => {
  takt = await startTakt();
  const db = takt.server.context.store.db;
  const a = await insertUser(db, { email: 'boss@example.com', role: 'admin' });
  adminId = a.id;
  adminToken = (await issueApiToken(db, a.id, 'admin')).token;
});
afterAll(() => takt.stop());

describe('admin: users and tokens', () => {
  it('adds a user with a first password, who can sign in', async () => {
    const created = await admin('POST', '/api/admin/users', { email: 'New@Example.com', password: 'first password 1' });
    expect([created.status, created.body.user.email, created.body.user.role]).toEqual([
      201,
      'new@example.com',
      'member',
    ]);
    expect(await login('new@example.com', 'first password 1')).toBe(200);
    expect(
      (await admin('POST', '/api/admin/users', { email: 'new@example.com', password: 'x'.repeat(12) })).status,
    ).toBe(409);
    expect((await call(takt.token, 'GET', '/api/admin/users')).status).toBe(403);
  });

  it('lists users, sets a password, makes admin and member, disables and enables', async () => {
    const list = (await admin('GET', '/api/admin/users')).body.users as { id: string; email: string; role: string }[];
    expect(list.map((u) => `${u.email} ${u.role}`)).toEqual([
      'dev@example.com member',
      'boss@example.com admin',
      'new@example.com member',
    ]);
    const id = list.find((u) => u.email === 'new@example.com')?.id as string;
    expect((await admin('POST', `/api/admin/users/${id}/password`, { password: 'second password 2' })).status).toBe(
      200,
    );
    expect([
      await login('new@example.com', 'first password 1'),
      await login('new@example.com', 'second password 2'),
    ]).toEqual([401, 200]);
    expect((await admin('PATCH', `/api/admin/users/${id}`, { role: 'admin' })).body.user.role).toBe('admin');
    expect((await admin('PATCH', `/api/admin/users/${id}`, { role: 'member' })).body.user.role).toBe('member');

    const dev = list.find((u) => u.email === 'dev@example.com')?.id as string;
    expect((await call(takt.token, 'GET', '/api/accounts')).status).toBe(200);
    expect((await admin('PATCH', `/api/admin/users/${dev}`, { disabled: true })).body.user.disabled).toBe(true);
    expect((await call(takt.token, 'GET', '/api/accounts')).status).toBe(401);
    expect((await admin('PATCH', `/api/admin/users/${dev}`, { disabled: false })).body.user.disabled).toBe(false);
    expect((await call(takt.token, 'GET', '/api/accounts')).status).toBe(200);
  });

  it('refuses to let an admin demote or disable themselves', async () => {
    const demote = await admin('PATCH', `/api/admin/users/${adminId}`, { role: 'member' });
    const disable = await admin('PATCH', `/api/admin/users/${adminId}`, { disabled: true });
    expect([demote.status, demote.body.error.message, disable.status, disable.body.error.message]).toEqual([
      409,
      'you cannot demote yourself: ask another admin',
      409,
      'you cannot disable yourself: ask another admin',
    ]);
  });

  it('lists everyone’s tokens and revokes one', async () => {
    const tokens = (await admin('GET', '/api/admin/tokens')).body.tokens as { id: string; email: string }[];
    expect(tokens.map((t) => t.email).sort()).toEqual(['boss@example.com', 'dev@example.com']);
    const devToken = tokens.find((t) => t.email === 'dev@example.com')?.id as string;
    expect((await admin('DELETE', `/api/admin/tokens/${devToken}`)).status).toBe(200);
    expect((await call(takt.token, 'GET', '/api/accounts')).status).toBe(401);
    expect((await admin('DELETE', `/api/admin/tokens/${devToken}`)).status).toBe(409);
  });

  it('audits every change', async () => {
    const actions = ((await admin('GET', '/api/audit?limit=50')).body.events as { action: string }[])
      .map((e) => e.action)
      .reverse();
    expect(actions).toEqual([
      'user.create',
      'session.login',
      'user.password_admin_set',
      'session.login',
      'user.role',
      'user.role',
      'user.disable',
      'user.enable',
      'token.admin_revoke',
    ]);
  });
});
