import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AuditActor } from '../audit/record-audit.ts';
import { bearerFrom } from '../auth/api-token.ts';
import { clientAddress, isTrusted } from '../auth/client-address.ts';
import { findWebSession, SESSION_COOKIE } from '../auth/web-session.ts';
import { TaktError } from '../lib/errors.ts';
import type { User } from '../store/users.ts';
import type { AppContext } from './app-context.ts';

/** Who is calling: a bearer token or a browser session. */
export interface Caller {
  user: User;
  via: 'token' | 'session';
  /** The bearer token's id (via token). */
  tokenId?: string;
  /** The bearer token itself (via token), to hand back in a setup payload. */
  token?: string;
  /** The session's id hash and CSRF token (via session). */
  sessionIdHash?: string;
  csrf?: string;
}

export function addressOf(c: Context, ctx: AppContext): string {
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    socket = undefined;
  }
  return clientAddress(socket, c.req.header('x-forwarded-for'), ctx.trustedProxies);
}

export async function findCaller(c: Context, ctx: AppContext): Promise<Caller | undefined> {
  const token = bearerFrom(c.req.header('authorization'));
  if (token) {
    const identity = await ctx.tokens.verify(token);
    return identity ? { user: identity.user, via: 'token', tokenId: identity.tokenId, token } : undefined;
  }
  const sessionId = getCookie(c, SESSION_COOKIE);
  if (!sessionId) return undefined;
  const session = await findWebSession(ctx.store.db, sessionId);
  return session
    ? { user: session.user, via: 'session', sessionIdHash: session.idHash, csrf: session.csrf }
    : undefined;
}

/**
 * The caller of an API route, from its bearer token or session cookie. A write
 * made with a cookie must carry the session's CSRF token (X-CSRF-Token header or a
 * csrf_token form field): a cookie alone could have been sent by another site.
 */
export async function requireCaller(
  c: Context,
  ctx: AppContext,
  options: { write?: boolean; csrfFromForm?: string } = {},
): Promise<Caller> {
  const caller = await findCaller(c, ctx);
  if (!caller) {
    const sent = Boolean(c.req.header('authorization') || getCookie(c, SESSION_COOKIE));
    throw new TaktError(
      'unauthenticated',
      sent
        ? 'the bearer token or session is unknown, revoked or expired: sign in again or create a new token'
        : 'send Authorization: Bearer <your takt token>, or sign in (POST /auth/login)',
    );
  }
  if (options.write && caller.via === 'session') {
    const sent = c.req.header('x-csrf-token') ?? options.csrfFromForm;
    if (!sent || sent !== caller.csrf) {
      throw new TaktError(
        'forbidden',
        'missing or wrong CSRF token: send the csrf_token from /auth/login or GET /auth/session in X-CSRF-Token',
      );
    }
  }
  return caller;
}

/**
 * An admin: a caller whose role is admin, or — only when TAKT_LAN_ADMIN_CIDRS is
 * set — any caller whose address (socket, or X-Forwarded-For from a trusted proxy)
 * is in those ranges.
 */
export async function requireAdmin(
  c: Context,
  ctx: AppContext,
  options: { write?: boolean } = {},
): Promise<AuditActor> {
  const address = addressOf(c, ctx);
  const caller = await findCaller(c, ctx);
  if (caller?.user.role === 'admin') {
    await requireCaller(c, ctx, options);
    return { userId: caller.user.id, address };
  }
  if (ctx.config.lanAdminCidrs.length > 0 && isTrusted(ctx.lanAdmins, address)) {
    return { userId: caller?.user.id ?? null, address };
  }
  if (!caller) await requireCaller(c, ctx);
  throw new TaktError('forbidden', 'this needs an admin: sign in as an admin or use an admin token');
}
