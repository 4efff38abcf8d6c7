import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { TokenIdentity } from '../auth/api-token.ts';
import { SESSION_COOKIE } from '../auth/web-session.ts';
import { type Config, isLoopbackHost } from '../config/config.ts';
import { TaktError } from '../lib/errors.ts';
import type { Db } from '../store/db.ts';
import { findLocalOwner } from '../store/local-owner.ts';
import type { User } from '../store/users.ts';
import { hostNameOf, isOwnOrigin } from './own-hosts.ts';

/**
 * The one-person local mode (issue 19.3; docs/security.md): on a store `takt setup --local`
 * made, while it has one person and the server binds loopback only, a request without a
 * token from a loopback peer whose Host is a loopback name counts as the owner's — seed 002's
 * tracker had no sign-in. The trade-off: any program on this machine can write usage. A
 * page in a browser cannot: its Host (DNS rebinding), Origin or Sec-Fetch-Site gives it away.
 */
export const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export interface LocalModeStatus {
  on: boolean;
  reason: string;
  owner?: User;
}

export async function localModeStatus(
  db: Db,
  config: Pick<Config, 'host' | 'trustedProxies'>,
): Promise<LocalModeStatus> {
  if (!isLoopbackHost(config.host)) return { on: false, reason: `the server binds ${config.host}, not loopback only` };
  if (config.trustedProxies.length > 0) {
    return { on: false, reason: 'TAKT_TRUSTED_PROXIES is set: requests may come through a proxy' };
  }
  const found = await findLocalOwner(db);
  return found.user ? { on: true, reason: found.reason, owner: found.user } : { on: false, reason: found.reason };
}

/** A peer on this machine: 127.0.0.0/8 or ::1 (also as ::ffff:127.x on a dual-stack socket). */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address || isIP(address.replace(/^::ffff:/, '')) === 0) return false;
  return isLoopbackHost(address.replace(/^::ffff:/, ''));
}

/**
 * Checks what a browser would give away; throws 403 with what to do. `host` is the Host
 * header (HTTP) or :authority (gRPC).
 */
export function requireLocalRequest(h: {
  host?: string | undefined;
  origin?: string | undefined;
  site?: string | undefined;
}): void {
  if (h.host === undefined || !LOOPBACK_NAMES.has(hostNameOf(h.host))) {
    throw new TaktError(
      'forbidden',
      `Host ${h.host ?? '(none)'} is not a loopback name: without a token this server answers only http://127.0.0.1, http://localhost or http://[::1]; send a token otherwise`,
    );
  }
  if (h.site !== undefined && h.site !== 'same-origin' && h.site !== 'none') {
    throw new TaktError('forbidden', `a page of another site sent this (Sec-Fetch-Site: ${h.site}): send a token`);
  }
  if (h.origin !== undefined && !isOwnOrigin(LOOPBACK_NAMES, h.origin)) {
    throw new TaktError('forbidden', `a page of another site sent this (Origin: ${h.origin}): send a token`);
  }
}

/**
 * The owner, for an HTTP request that carries no credentials, when the local mode is on and
 * the request is a local program's; undefined when the mode is off or credentials were sent.
 */
export async function localOwnerOf(c: Context, db: Db, config: Config): Promise<User | undefined> {
  if (c.req.header('authorization') !== undefined || getCookie(c, SESSION_COOKIE) !== undefined) return undefined;
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    socket = undefined;
  }
  // A proxy on this machine would make every network client look local.
  if (!isLoopbackPeer(socket) || c.req.header('x-forwarded-for') !== undefined) return undefined;
  const status = await localModeStatus(db, config);
  if (!status.owner) return undefined;
  requireLocalRequest({
    host: c.req.header('host'),
    origin: c.req.header('origin'),
    site: c.req.header('sec-fetch-site'),
  });
  return status.owner;
}

/**
 * The same for OTLP/gRPC: the peer as grpc-js names it ("ipv4:127.0.0.1:5555",
 * "127.0.0.1:5555", "[::1]:5555") and :authority in place of Host. gRPC clients are not
 * browsers, but a page could still reach the port through DNS rebinding: the name is checked.
 */
export async function localGrpcOwner(
  db: Db,
  config: Config,
  peer: string,
  authority: string,
): Promise<TokenIdentity | undefined> {
  const address = peer.replace(/^ipv[46]:/, '');
  const host = address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.replace(/:\d+$/, '');
  if (!isLoopbackPeer(host)) return undefined;
  const status = await localModeStatus(db, config);
  if (!status.owner) return undefined;
  requireLocalRequest({ host: authority });
  return { user: status.owner, tokenId: '' };
}
