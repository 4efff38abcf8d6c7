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
import { localOwnerOf } from './local-mode.ts';
import { isOwnOrigin, requireOwnHost } from './own-hosts.ts';

/** Who is calling: a bearer token or a browser session. */
export interface Caller {
  user: User;
  /** 'local': no credentials, the owner of a one-person store (local-mode.ts). */
  via: 'token' | 'session' | 'local';
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
  options: { write?: boolean; csrfFromForm?: string; local?: boolean } = {},
): Promise<Caller> {
  let caller = await findCaller(c, ctx);
  if (!caller && options.local) {
    const owner = await localOwnerOf(c, ctx.store.db, ctx.config);
    if (owner) caller = { user: owner, via: 'local' };
  }
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
    requireSameSite(c, ctx);
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
    // The address alone authorises: any page open in a browser on that network could post
    // here, and through DNS rebinding read too. Only the server's own names pass (22.1).
    requireAddressOnlyRequest(c, ctx, options.write === true);
    return { userId: caller?.user.id ?? null, address };
  }
  if (!caller) await requireCaller(c, ctx);
  throw new TaktError('forbidden', 'this needs an admin: sign in as an admin or use an admin token');
}

/**
 * For a request the socket address alone authorises (LAN admin, the local mode): Host must
 * be one of the server's own names, Origin (when sent) too, and a write must be same-site.
 */
export function requireAddressOnlyRequest(c: Context, ctx: AppContext, write: boolean): void {
  requireOwnHost(ctx.ownHosts, c.req.header('host'));
  const site = c.req.header('sec-fetch-site');
  if (site === 'cross-site' || (write && site !== undefined && site !== 'same-origin' && site !== 'none')) {
    throw crossSite(`Sec-Fetch-Site: ${site}`);
  }
  const origin = c.req.header('origin');
  if (origin !== undefined && !isOwnOrigin(ctx.ownHosts, origin)) throw crossSite(`Origin: ${origin}`);
}

/**
 * Refuses a write sent by a page of another site. A write authorised by what a browser
 * attaches on its own — a session cookie, or the network address under TAKT_LAN_ADMIN_CIDRS —
 * could otherwise be made by any page the user has open. Browsers name the initiator in
 * Sec-Fetch-Site (Fetch Metadata) and, on a POST, in Origin; only same-origin (and "none", a
 * request the user made directly) pass. Clients without a browser (curl, takt) send neither
 * header, cannot be driven by a web page, and pass.
 */
export function requireSameSite(c: Context, ctx: AppContext): void {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw crossSite(`Sec-Fetch-Site: ${site}`);
  }
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined; // "null" (sandboxed frames, file: pages) or garbage: not ours
  }
  const own = [c.req.header('host'), ctx.config.publicUrl ? new URL(ctx.config.publicUrl).host : undefined];
  if (host !== undefined && own.includes(host)) return;
  throw crossSite(`Origin: ${origin}`);
}

function crossSite(evidence: string): TaktError {
  return new TaktError(
    'forbidden',
    `this write came from another site (${evidence}): use takt's own pages, a bearer token, or a client without a browser such as curl or takt`,
  );
}
