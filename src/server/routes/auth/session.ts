import type { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import { login } from '../../../auth/actions/login.ts';
import { logout } from '../../../auth/actions/logout.ts';
import { logoutEverywhere } from '../../../auth/actions/logout-everywhere.ts';
import { SESSION_COOKIE } from '../../../auth/web-session.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { setSessionCookie } from '../../session-cookie.ts';
import { emailField } from '../fields.ts';

/** POST /auth/login, GET /auth/session, POST /auth/logout, POST /auth/logout-everywhere: browser sessions. */
export function registerSessionRoutes(app: Hono, ctx: AppContext): void {
  app.post('/auth/login', async (c) => {
    const address = addressOf(c, ctx);
    const body = await readJson(
      c,
      z.object({ email: emailField, password: z.string({ error: 'password is required' }).min(1) }),
    );
    const { user, session } = await login(ctx.store, { userId: null, address }, body, ctx.limits.failures);
    setSessionCookie(c, ctx, session.id);
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
      await logout(
        ctx.store,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        { userId: caller.user.id, sessionIdHash: caller.sessionIdHash },
      );
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  app.post('/auth/logout-everywhere', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, z.object({ tokens: z.boolean().optional() }).strict());
    const { sessionsEnded, tokensRevoked } = await logoutEverywhere(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      { userId: caller.user.id, tokens: body.tokens === true },
    );
    // Cached token checks would let a revoked token through for a few seconds.
    if (tokensRevoked > 0) ctx.tokens.forget();
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true, sessions_ended: sessionsEnded, tokens_revoked: tokensRevoked });
  });
}
