import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * The outbound URL guard (docs/webhooks.md, "Where webhooks may go"): a webhook must not
 * become a way to reach the server's own network. https only unless allowed; no private,
 * loopback, link-local (cloud metadata lives there), multicast or reserved address unless an
 * allowed network names it. The check runs at connect time, on the address the connection
 * will actually use (a custom `lookup`), so a name that resolved to a public address when the
 * endpoint was saved and to 127.0.0.1 now (DNS rebinding) is still refused. Redirects are not
 * followed and only a small part of the answer is read.
 */

/** Ranges that are not the public internet (IANA special-purpose registries). */
const FORBIDDEN_V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'a "this network" address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];
const FORBIDDEN_V6: [string, number, string][] = [
  ['::', 128, 'the unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['64:ff9b::', 96, 'a NAT64 address'],
  ['64:ff9b:1::', 48, 'a local-use NAT64 address'],
  ['100::', 64, 'a discard address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['fc00::', 7, 'a private (unique local) address'],
  ['fe80::', 10, 'a link-local address'],
  ['ff00::', 8, 'a multicast address'],
];

export interface UrlGuardOptions {
  allowHttp: boolean;
  /** CIDRs (or single addresses) that may be reached although forbidden above. */
  allowedNetworks: readonly string[];
  /** Name resolution; tests pass one that maps names to loopback. */
  lookup?: typeof dnsLookup;
}

/**
 * A URL the guard will not send to. `message` is for the endpoint's owner; `detail`, when set,
 * names the address a name resolved to and goes to the server's log only (issue 22.11: the
 * delivery log must not tell a member what internal names resolve to).
 */
export class GuardRefusal extends Error {
  override readonly name = 'GuardRefusal';
  readonly detail: string | undefined;
  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail;
  }
}

function networkList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Why an address may not be reached, or null when it may. */
export function refusalOf(address: string, allowed: BlockList): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return `${address} is not an IP address`;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1] ?? mappedHex(bare);
  const v4 = mapped ?? (family === 4 ? bare : undefined);
  if (v4 !== undefined) {
    if (allowed.check(v4, 'ipv4')) return null;
    if (v4 === '255.255.255.255') return `${v4} is the broadcast address`;
    for (const [net, prefix, what] of FORBIDDEN_V4) {
      const one = new BlockList();
      one.addSubnet(net, prefix, 'ipv4');
      if (one.check(v4, 'ipv4')) return `${v4} is ${what}`;
    }
    return null;
  }
  if (allowed.check(bare, 'ipv6')) return null;
  const embedded = embeddedV4(bare);
  if (embedded === 'teredo') return `${bare} is a Teredo address (it tunnels to an IPv4 address)`;
  if (embedded !== undefined && !allowed.check(embedded, 'ipv4')) {
    const why = refusalOf(embedded, allowed);
    if (why) return why.replace(embedded, `${embedded} (inside ${bare})`);
  }
  for (const [net, prefix, what] of FORBIDDEN_V6) {
    const one = new BlockList();
    one.addSubnet(net, prefix, 'ipv6');
    if (one.check(bare, 'ipv6')) return `${bare} is ${what}`;
  }
  return null;
}

/** An IPv6 address as its eight 16-bit groups (a dotted IPv4 tail counts as two). */
function groupsOf(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return tail === undefined ? front : [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
}

const v4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 address carries, where a router or the host's own stack may reach
 * it (issue 22.10): IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1), IPv4-translated
 * ::ffff:0:a.b.c.d (RFC 2765), 6to4 2002:AABB:CCDD:: (RFC 3056) and NAT64 64:ff9b::/96,
 * 64:ff9b:1::/48 (RFC 6052, 8215; the IPv4 in the last 32 bits). Teredo (2001::/32, RFC 4380)
 * hides its client address obfuscated, so it is refused whole rather than decoded.
 */
function embeddedV4(address: string): string | 'teredo' | undefined {
  const g = groupsOf(address);
  if (g.length !== 8 || g.some((x) => Number.isNaN(x))) return undefined;
  const [g0, g1, g2, , g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (g0 === 0x2001 && g1 === 0) return 'teredo';
  if (g0 === 0x2002) return v4Of(g1, g2);
  if (g0 === 0x64 && g1 === 0xff9b && (g2 === 0 || g2 === 1)) return v4Of(g6, g7);
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return v4Of(g6, g7);
  // ::a.b.c.d, but not :: and ::1 (their own entries below).
  if (zeroTo(6) && (g6 !== 0 || g7 > 1)) return v4Of(g6, g7);
  return undefined;
}

/** ::ffff:7f00:1 (how URLs spell ::ffff:127.0.0.1) as 127.0.0.1. */
function mappedHex(address: string): string | undefined {
  const m = /^(?:0{0,4}:){0,4}:?:ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!m) return undefined;
  return v4Of(Number.parseInt(m[1] as string, 16), Number.parseInt(m[2] as string, 16));
}

export interface SendResult {
  status: number;
  latencyMs: number;
  /** The start of the answer, at most `excerptBytes`. */
  excerpt: string;
  /** The answer was longer than the guard reads. */
  truncated: boolean;
  /** A redirect's target (never followed). */
  location: string | null;
}

export interface UrlGuard {
  /** Refuses a URL that can never be allowed (scheme, literal address); names are checked at connect. */
  checkUrl(url: string): void;
  post(
    url: string,
    request: { headers: Record<string, string>; body: string; timeoutMs: number; maxResponseBytes: number },
  ): Promise<SendResult>;
}

export function createUrlGuard(options: UrlGuardOptions): UrlGuard {
  const allowed = networkList(options.allowedNetworks);
  const baseLookup = options.lookup ?? dnsLookup;

  const checkUrl = (url: string): URL => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new GuardRefusal(`${url} is not a URL: send an absolute https:// URL`);
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && options.allowHttp)) {
      throw new GuardRefusal(
        u.protocol === 'http:'
          ? 'webhook URLs must be https:// (the server allows http:// only with TAKT_WEBHOOK_ALLOW_HTTP=1)'
          : `webhook URLs must be https://, not ${u.protocol}`,
      );
    }
    if (u.username || u.password) throw new GuardRefusal('a webhook URL must not carry a user name or password');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const why = refusalOf(host, allowed);
      if (why)
        throw new GuardRefusal(`${why}: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it`);
    }
    return u;
  };

  // Called by net/tls at connect time, for every name (never for a literal address, checked above).
  const guardedLookup = ((
    hostname: string,
    opts: { all?: boolean; family?: number },
    callback: (err: Error | null, address?: string | LookupAddress[], family?: number) => void,
  ) => {
    baseLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const why = refusalOf(a.address, allowed);
        if (why) {
          return callback(
            new GuardRefusal(
              `${hostname} resolves to a private or loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it`,
              `${hostname} resolves to ${why}`,
            ),
          );
        }
      }
      const first = list[0];
      if (!first) return callback(new GuardRefusal(`${hostname} resolves to no address`));
      if (opts.all) callback(null, list);
      else callback(null, first.address, first.family);
    });
  }) as unknown as typeof dnsLookup;

  return {
    checkUrl: (url) => {
      checkUrl(url);
    },
    async post(url, req) {
      const u = checkUrl(url);
      const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
      const started = performance.now();
      return new Promise<SendResult>((resolve, reject) => {
        let settled = false;
        const done = (f: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          f();
        };
        const r = send(
          u,
          {
            method: 'POST',
            headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
            lookup: guardedLookup,
            // A fresh connection per delivery: nothing pooled outlives the check of its address.
            agent: false,
          },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const finish = (truncated: boolean) =>
              done(() => {
                resolve({
                  status: res.statusCode ?? 0,
                  latencyMs: Math.round(performance.now() - started),
                  excerpt: Buffer.concat(chunks).subarray(0, req.maxResponseBytes).toString('utf8'),
                  truncated,
                  location: res.headers.location ?? null,
                });
                if (truncated) res.destroy();
              });
            res.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              size += chunk.length;
              // Read a small part of the answer only: a receiver cannot make takt buffer megabytes.
              if (size > req.maxResponseBytes) finish(true);
            });
            res.on('end', () => finish(false));
            res.on('error', (e) => done(() => reject(e)));
          },
        );
        const timer = setTimeout(() => {
          r.destroy(new Error(`no answer within ${req.timeoutMs / 1000} s`));
        }, req.timeoutMs);
        r.on('error', (e) => done(() => reject(e)));
        r.end(req.body);
      });
    },
  };
}
