import { createServer, type Server } from 'node:http';
import { type AddressInfo, BlockList } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUrlGuard, refusalOf } from './url-guard.ts';

/**
 * The outbound URL guard, against loopback servers only: loopback stands in for every
 * forbidden range (the same check refuses private, link-local and metadata addresses).
 */
let hits: string[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/inside` });
      res.end();
    } else if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // An answer that never ends: the guard must stop reading, not buffer it.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const write = () => {
        while (res.write(chunk)) {}
        res.once('drain', write);
      };
      write();
    } else if (req.url === '/silent') {
      // never answers
    } else {
      res.writeHead(204);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const request = { headers: {}, body: '{}', timeoutMs: 2000, maxResponseBytes: 4096 };
/** A resolver that maps every name to loopback, as a rebinding name would. */
const toLoopback = ((_host: string, _opts: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
  cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'sent',
    (e: Error) => `${e.name}: ${e.message}`,
  );

describe('the outbound URL guard', () => {
  it('refuses http:// unless allowed, and loopback literals unless an allowed network names them', async () => {
    hits = [];
    const closed = createUrlGuard({ allowHttp: false, allowedNetworks: [] });
    const httpOnly = createUrlGuard({ allowHttp: true, allowedNetworks: [] });
    expect([
      await refusal(closed.post(`http://127.0.0.1:${port}/a`, request)),
      await refusal(httpOnly.post(`http://127.0.0.1:${port}/a`, request)),
      await refusal(httpOnly.post(`http://[::1]:${port}/a`, request)),
      await refusal(httpOnly.post(`http://[::ffff:127.0.0.1]:${port}/a`, request)),
      await refusal(httpOnly.post('ftp://127.0.0.1/a', request)),
      hits,
    ]).toEqual([
      'GuardRefusal: webhook URLs must be https:// (the server allows http:// only with TAKT_WEBHOOK_ALLOW_HTTP=1)',
      'GuardRefusal: 127.0.0.1 is a loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: ::1 is a loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: 127.0.0.1 is a loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: webhook URLs must be https://, not ftp:',
      [],
    ]);
  });

  it('checks the resolved address at connect time: a name resolving to loopback is refused while the guard is on', async () => {
    hits = [];
    const on = createUrlGuard({ allowHttp: true, allowedNetworks: [], lookup: toLoopback });
    const open = createUrlGuard({ allowHttp: true, allowedNetworks: ['127.0.0.0/8'], lookup: toLoopback });
    const refused = await refusal(on.post(`http://hooks.example.test:${port}/rebind`, request));
    const localhost = await refusal(
      createUrlGuard({ allowHttp: true, allowedNetworks: [] }).post(`http://localhost:${port}/lh`, request),
    );
    const sent = await open.post(`http://hooks.example.test:${port}/allowed`, request);
    expect([refused, localhost, sent.status, hits]).toEqual([
      'GuardRefusal: hooks.example.test resolves to a private or loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: localhost resolves to a private or loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      204,
      ['/allowed'],
    ]);
  });

  it('does not follow a redirect to loopback', async () => {
    hits = [];
    const guard = createUrlGuard({ allowHttp: true, allowedNetworks: ['127.0.0.1'] });
    const r = await guard.post(`http://127.0.0.1:${port}/redirect`, request);
    expect([r.status, r.location, hits]).toEqual([302, `http://127.0.0.1:${port}/inside`, ['/redirect']]);
  });

  it('reads an oversized answer only up to its limit, and gives up on a silent receiver', async () => {
    const guard = createUrlGuard({ allowHttp: true, allowedNetworks: ['127.0.0.0/8'] });
    // A timeout far past the test's own ceiling: an answer that never ends can only come back
    // through the size limit, whatever the machine's speed.
    const r = await guard.post(`http://127.0.0.1:${port}/huge`, { ...request, timeoutMs: 3_600_000 });
    const silent = await refusal(guard.post(`http://127.0.0.1:${port}/silent`, { ...request, timeoutMs: 300 }));
    expect([r.status, r.truncated, r.excerpt.length, silent]).toEqual([
      200,
      true,
      4096,
      'Error: no answer within 0.3 s',
    ]);
  });

  it('names why an address is refused, and lets allowed networks through', () => {
    const none = new BlockList();
    expect([refusalOf('127.0.0.2', none), refusalOf('::1', none), refusalOf('93.184.215.14', none)]).toEqual([
      '127.0.0.2 is a loopback address',
      '::1 is a loopback address',
      null,
    ]);
  });

  it('refuses IPv6 literals that embed a forbidden IPv4 address (22.10), naming the IPv4 address', () => {
    const none = new BlockList();
    expect([
      refusalOf('::a9fe:a9fe', none),
      refusalOf('::169.254.169.254', none),
      refusalOf('::ffff:0:a9fe:a9fe', none),
      refusalOf('2002:a9fe:a9fe::', none),
      refusalOf('64:ff9b:1::a00:1', none),
      refusalOf('64:ff9b::7f00:1', none),
      refusalOf('2001:0:4136:e378:8000:63bf:3fff:fdd2', none),
      refusalOf('2001::5ef5:79fd', none),
    ]).toEqual([
      '169.254.169.254 (inside ::a9fe:a9fe) is a link-local address (cloud metadata lives here)',
      '169.254.169.254 (inside ::169.254.169.254) is a link-local address (cloud metadata lives here)',
      '169.254.169.254 (inside ::ffff:0:a9fe:a9fe) is a link-local address (cloud metadata lives here)',
      '169.254.169.254 (inside 2002:a9fe:a9fe::) is a link-local address (cloud metadata lives here)',
      '10.0.0.1 (inside 64:ff9b:1::a00:1) is a private address',
      '127.0.0.1 (inside 64:ff9b::7f00:1) is a loopback address',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2 is a Teredo address (it tunnels to an IPv4 address)',
      '2001::5ef5:79fd is a Teredo address (it tunnels to an IPv4 address)',
    ]);
  });

  it('lets a public address embedded in 6to4 through only by its IPv4 check, and refuses the literals in URLs', async () => {
    hits = [];
    const none = new BlockList();
    const guard = createUrlGuard({ allowHttp: true, allowedNetworks: [] });
    const urls = [
      'http://[::a9fe:a9fe]/',
      'http://[::ffff:0:a9fe:a9fe]/',
      'http://[2002:a9fe:a9fe::]/',
      'http://[64:ff9b:1::a00:1]/',
      'http://[2001::1]/',
    ];
    expect([
      refusalOf('2002:5db8:d70e::', none),
      refusalOf('2606:4700::1111', none),
      ...(await Promise.all(urls.map((u) => refusal(guard.post(u, request))))),
      hits,
    ]).toEqual([
      null,
      null,
      'GuardRefusal: 169.254.169.254 (inside ::a9fe:a9fe) is a link-local address (cloud metadata lives here): webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: 169.254.169.254 (inside ::ffff:0:a9fe:a9fe) is a link-local address (cloud metadata lives here): webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: 169.254.169.254 (inside 2002:a9fe:a9fe::) is a link-local address (cloud metadata lives here): webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: 10.0.0.1 (inside 64:ff9b:1::a00:1) is a private address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      'GuardRefusal: 2001::1 is a Teredo address (it tunnels to an IPv4 address): webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
      [],
    ]);
  });
});
