import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { recordAudit } from '../audit/record-audit.ts';
import { issueApiToken } from '../auth/api-token.ts';
import { DEFAULT_INVITE_TTL_SECONDS, inviteBelongsTo, inviteHash, mintInvites, spendInvite } from '../auth/invites.ts';
import { checkPasswordStrength, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { createWebSession, SESSION_COOKIE, SESSION_TTL_MS } from '../auth/web-session.ts';
import { buildSetupPayload, MACHINE_NAME } from '../install/setup-payload.ts';
import { TaktError } from '../lib/errors.ts';
import { listApiTokens, revokeApiToken } from '../store/api-tokens.ts';
import { findInviteByHash } from '../store/invites.ts';
import { findUserByEmail, insertUser, normalizeEmail, setPasswordHash } from '../store/users.ts';
import { deleteUserWebSessions, deleteWebSession } from '../store/web-sessions.ts';
import type { AppContext } from './app-context.ts';
import { addressOf, requireAdmin, requireCaller } from './authenticate.ts';
import { readJson } from './read-json.ts';
import { serverUrlOf } from './server-url.ts';

const email = z.email('email must be an email address');
const machine = z
  .string({ error: 'machine is required: the host name this machine will send (host.name)' })
  .regex(MACHINE_NAME, 'machine must be a host name: letters, digits, dot, dash or underscore, at most 128 characters');
const inviteCode = z.string({ error: 'invite_code is required' }).min(4, 'invite_code is too short');

/** The whole account surface of seed 000 that lives under /auth (docs/api.md). */
export function registerAuthRoutes(app: Hono, ctx: AppContext): void {
  const db = ctx.store.db;
  const setupFor = (c: Context, token: string, name: string) =>
    buildSetupPayload(serverUrlOf(c, ctx.config.publicUrl), token, name);

  app.post('/auth/invite', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(
      c,
      z.object({
        count: z.number().int().min(1, 'count must be 1 to 100').max(100, 'count must be 1 to 100').default(1),
        expires_in: z
          .number()
          .int()
          .min(60, 'expires_in is in seconds: at least 60')
          .max(90 * 86_400, 'expires_in is in seconds: at most 90 days')
          .default(DEFAULT_INVITE_TTL_SECONDS),
      }),
    );
    const minted = await ctx.store.transaction(async (trx) => {
      const m = await mintInvites(trx, {
        count: body.count,
        expiresInSeconds: body.expires_in,
        createdBy: actor.userId,
      });
      await recordAudit(trx, actor, {
        action: 'invite.create',
        targetType: 'invite',
        after: {
          count: body.count,
          expires_at: new Date(m.expiresAt).toISOString(),
          code_hashes: m.codes.map(inviteHash),
        },
      });
      return m;
    });
    return c.json(
      { codes: minted.codes, invite_codes: minted.codes, expires_at: new Date(minted.expiresAt).toISOString() },
      201,
    );
  });

  app.post('/auth/register', async (c) => {
    const address = addressOf(c, ctx);
    ctx.limits.auth.hit(`register:${address}`);
    const body = await readJson(c, z.object({ email, invite_code: inviteCode, machine }));
    ctx.limits.auth.hit(`register-email:${normalizeEmail(body.email)}`);
    const result = await ctx.store.transaction(async (trx) => {
      // The invite is checked before the email, so an unknown code learns nothing about who is registered.
      const invite = await findInviteByHash(trx, inviteHash(body.invite_code));
      if (!invite || invite.expires_at <= Date.now()) {
        throw new TaktError(
          'bad_request',
          invite
            ? 'this invite code has expired: ask your admin for a new one'
            : 'unknown invite code: check it for typos, or ask your admin for a new one',
        );
      }
      if (await findUserByEmail(trx, body.email)) {
        throw new TaktError(
          'conflict',
          'this email is already registered: fetch your token with POST /auth/token {email, invite_code}, or add this machine with the device flow (POST /auth/device/start) or POST /auth/setup-additional',
        );
      }
      const user = await insertUser(trx, { email: body.email });
      await spendInvite(trx, body.invite_code, user.id);
      const token = await issueApiToken(trx, user.id, body.machine);
      await recordAudit(
        trx,
        { userId: user.id, address },
        {
          action: 'user.register',
          targetType: 'user',
          targetId: user.id,
          after: { email: user.email, role: user.role, token_id: token.id, machine: body.machine },
        },
      );
      return { user, token };
    });
    return c.json(
      {
        user_id: result.user.id,
        email: result.user.email,
        machine: body.machine,
        token: result.token.token,
        token_id: result.token.id,
        setup: setupFor(c, result.token.token, body.machine),
      },
      201,
    );
  });

  app.post('/auth/token', async (c) => {
    const address = addressOf(c, ctx);
    ctx.limits.auth.hit(`token:${address}`);
    const body = await readJson(c, z.object({ email, invite_code: inviteCode, machine: machine.optional() }));
    ctx.limits.auth.hit(`token-email:${normalizeEmail(body.email)}`);
    const user = await findUserByEmail(db, body.email);
    // One answer for an unknown email and a wrong code: no way to probe who is registered.
    if (!user || !(await inviteBelongsTo(db, body.invite_code, user.id))) {
      throw new TaktError(
        'unauthenticated',
        'email and invite code do not match a registration: check both, or ask your admin',
      );
    }
    const name = body.machine ?? 'machine';
    const token = await ctx.store.transaction(async (trx) => {
      const t = await issueApiToken(trx, user.id, name);
      await recordAudit(
        trx,
        { userId: user.id, address },
        {
          action: 'token.create',
          targetType: 'token',
          targetId: t.id,
          after: { label: name, via: 'auth/token' },
        },
      );
      return t;
    });
    return c.json({
      user_id: user.id,
      email: user.email,
      token: token.token,
      token_id: token.id,
      setup: setupFor(c, token.token, name),
    });
  });

  app.post('/auth/rotate', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    if (caller.via !== 'token' || !caller.tokenId) {
      throw new TaktError(
        'bad_request',
        'rotate swaps the bearer token you call with: send Authorization: Bearer <token>',
      );
    }
    const body = await readJson(c, z.object({ machine: machine.optional() }));
    const oldId = caller.tokenId;
    const rows = await listApiTokens(db, caller.user.id);
    const label = rows.find((r) => r.id === oldId)?.label ?? '';
    const address = addressOf(c, ctx);
    const token = await ctx.store.transaction(async (trx) => {
      await revokeApiToken(trx, oldId);
      const t = await issueApiToken(trx, caller.user.id, label);
      await recordAudit(
        trx,
        { userId: caller.user.id, address },
        {
          action: 'token.rotate',
          targetType: 'token',
          targetId: t.id,
          before: { token_id: oldId },
          after: { token_id: t.id, label },
        },
      );
      return t;
    });
    ctx.tokens.forget();
    const name = body.machine ?? (MACHINE_NAME.test(label) ? label : undefined);
    return c.json({
      token: token.token,
      token_id: token.id,
      revoked_token_id: oldId,
      ...(name ? { setup: setupFor(c, token.token, name) } : {}),
    });
  });

  app.post('/auth/setup-additional', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, z.object({ machine }));
    const address = addressOf(c, ctx);
    // With a bearer token the payload carries that same token; a browser session gets a new one.
    if (caller.via === 'token' && caller.token) {
      return c.json({
        machine: body.machine,
        token: caller.token,
        token_created: false,
        setup: setupFor(c, caller.token, body.machine),
      });
    }
    const token = await ctx.store.transaction(async (trx) => {
      const t = await issueApiToken(trx, caller.user.id, body.machine);
      await recordAudit(
        trx,
        { userId: caller.user.id, address },
        {
          action: 'token.create',
          targetType: 'token',
          targetId: t.id,
          after: { label: body.machine, via: 'auth/setup-additional' },
        },
      );
      return t;
    });
    return c.json({
      machine: body.machine,
      token: token.token,
      token_created: true,
      setup: setupFor(c, token.token, body.machine),
    });
  });

  app.post('/auth/login', async (c) => {
    const address = addressOf(c, ctx);
    ctx.limits.auth.hit(`login:${address}`);
    const body = await readJson(c, z.object({ email, password: z.string({ error: 'password is required' }).min(1) }));
    ctx.limits.auth.hit(`login-email:${normalizeEmail(body.email)}`);
    const user = await findUserByEmail(db, body.email);
    // verifyPassword spends the same argon2 time on an unknown user: no enumeration by timing.
    const ok = await verifyPassword(user?.password_hash ?? null, body.password);
    if (!user || !ok || user.disabled_at !== null) {
      throw new TaktError('unauthenticated', 'email or password is wrong');
    }
    const session = await ctx.store.transaction(async (trx) => {
      const s = await createWebSession(trx, user.id);
      await recordAudit(
        trx,
        { userId: user.id, address },
        { action: 'session.login', targetType: 'user', targetId: user.id },
      );
      return s;
    });
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: ctx.config.publicUrl?.startsWith('https://') ?? false,
      path: '/',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.json({ user: { id: user.id, email: user.email, role: user.role }, csrf_token: session.csrf });
  });

  app.get('/auth/session', async (c) => {
    const caller = await requireCaller(c, ctx);
    return c.json({
      user: { id: caller.user.id, email: caller.user.email, role: caller.user.role },
      via: caller.via,
      ...(caller.csrf ? { csrf_token: caller.csrf } : {}),
    });
  });

  app.post('/auth/logout', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    if (caller.sessionIdHash) {
      const idHash = caller.sessionIdHash;
      await ctx.store.transaction(async (trx) => {
        await deleteWebSession(trx, idHash);
        await recordAudit(
          trx,
          { userId: caller.user.id, address: addressOf(c, ctx) },
          {
            action: 'session.logout',
            targetType: 'user',
            targetId: caller.user.id,
          },
        );
      });
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  app.post('/auth/password/set', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, z.object({ password: z.string(), current_password: z.string().optional() }));
    const weak = checkPasswordStrength(body.password);
    if (weak) throw new TaktError('bad_request', weak);
    if (
      caller.user.password_hash !== null &&
      !(await verifyPassword(caller.user.password_hash, body.current_password ?? ''))
    ) {
      throw new TaktError('forbidden', 'current_password is wrong: send your current password to change it');
    }
    const passwordHash = await hashPassword(body.password);
    await ctx.store.transaction(async (trx) => {
      await setPasswordHash(trx, caller.user.id, passwordHash);
      await recordAudit(
        trx,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        {
          action: 'user.password_set',
          targetType: 'user',
          targetId: caller.user.id,
          before: { had_password: caller.user.password_hash !== null },
          after: { had_password: true },
        },
      );
    });
    return c.json({ ok: true });
  });

  app.post('/auth/password/admin-set', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(c, z.object({ email, password: z.string() }));
    const weak = checkPasswordStrength(body.password);
    if (weak) throw new TaktError('bad_request', weak);
    const user = await findUserByEmail(db, body.email);
    if (!user) throw new TaktError('not_found', `no user with email ${normalizeEmail(body.email)}`);
    const passwordHash = await hashPassword(body.password);
    await ctx.store.transaction(async (trx) => {
      await setPasswordHash(trx, user.id, passwordHash);
      await deleteUserWebSessions(trx, user.id);
      await recordAudit(trx, actor, {
        action: 'user.password_admin_set',
        targetType: 'user',
        targetId: user.id,
        before: { had_password: user.password_hash !== null },
        after: { had_password: true, sessions_ended: true },
      });
    });
    return c.json({ ok: true, user_id: user.id });
  });

  app.get('/api/tokens', async (c) => {
    const caller = await requireCaller(c, ctx);
    const rows = await listApiTokens(db, caller.user.id);
    return c.json({
      tokens: rows.map((r) => ({
        id: r.id,
        label: r.label,
        prefix: `takt_${r.prefix}_…`,
        created_at: new Date(r.created_at).toISOString(),
        last_used_at: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString(),
        revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
        current: r.id === caller.tokenId,
      })),
    });
  });

  app.delete('/api/tokens/:id', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const id = c.req.param('id');
    const row = (await listApiTokens(db, caller.user.id)).find((r) => r.id === id);
    // Another user's token id answers exactly like a missing one.
    if (!row) throw new TaktError('not_found', `you have no token ${id}: GET /api/tokens lists yours`);
    await ctx.store.transaction(async (trx) => {
      await revokeApiToken(trx, id);
      await recordAudit(
        trx,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        {
          action: 'token.revoke',
          targetType: 'token',
          targetId: id,
          before: { label: row.label, revoked: row.revoked_at !== null },
          after: { revoked: true },
        },
      );
    });
    ctx.tokens.forget();
    return c.json({ ok: true, id });
  });
}
