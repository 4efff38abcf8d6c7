import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../auth/web-session.ts';
import type { AppContext } from './app-context.ts';

/** The browser session cookie: HttpOnly, SameSite=Lax, Secure when takt is served over https. */
export function setSessionCookie(c: Context, ctx: AppContext, sessionId: string): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: ctx.config.publicUrl?.startsWith('https://') ?? false,
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}
