import { networkInterfaces } from 'node:os';
import type { Config } from '../config/config.ts';
import { TaktError } from '../lib/errors.ts';

/**
 * The names this server answers to, for the requests that the network address alone
 * authorises (LAN admin, the one-person local mode). DNS rebinding points a name the
 * attacker owns at this server: the browser then sends that name in Host and Origin and
 * believes itself same-origin, so only the Host tells the two apart (issue 22.1).
 * Own names: loopback names, the bound address (and, on a wildcard bind, this machine's
 * interface addresses), TAKT_PUBLIC_URL's host and TAKT_ALLOWED_HOSTS. Ports are not
 * compared: a rebinding page uses the server's own port anyway.
 */
export function ownHostNames(config: Pick<Config, 'host' | 'publicUrl' | 'allowedHosts'>): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...config.allowedHosts.map(bare)]);
  const bound = bare(config.host);
  if (bound === '0.0.0.0' || bound === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bare(a.address));
  } else names.add(bound);
  if (config.publicUrl) names.add(bare(new URL(config.publicUrl).hostname));
  return names;
}

/** The host name of a Host header or URL host ("[::1]:4318" → "::1", "LocalHost:80" → "localhost"). */
export function hostNameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return colon === -1 || h.indexOf(':', colon + 1) !== -1 ? h : h.slice(0, colon);
}

function bare(name: string): string {
  return hostNameOf(name).replace(/%.*$/, '');
}

export function isOwnHost(names: Set<string>, host: string | undefined): boolean {
  return host !== undefined && names.has(bare(host));
}

/** Throws when Host is not one of the server's names (a rebinding page). */
export function requireOwnHost(names: Set<string>, host: string | undefined): void {
  if (isOwnHost(names, host)) return;
  throw new TaktError(
    'forbidden',
    `Host ${host ?? '(none)'} is not one of this server's names: open takt by its own address (localhost, the bound address, TAKT_PUBLIC_URL) or add the name to TAKT_ALLOWED_HOSTS`,
  );
}

/** An Origin header that names one of the server's own hosts. */
export function isOwnOrigin(names: Set<string>, origin: string): boolean {
  try {
    return isOwnHost(names, new URL(origin).host);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) or garbage: not ours
  }
}
