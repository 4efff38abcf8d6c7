import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueApiToken } from '../../src/auth/api-token.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Logger } from '../../src/lib/log.ts';
import { type HttpTimeouts, type RunningServer, startServer } from '../../src/server/start-server.ts';
import { insertUser } from '../../src/store/users.ts';

export interface TestTakt {
  /** HTTP base URL (through a fault-injecting proxy: see failNextOtlpRequests). */
  httpUrl: string;
  /** The server's own HTTP URL, without the proxy. */
  directUrl: string;
  grpcAddress: string;
  token: string;
  userId: string;
  server: RunningServer;
  /** The next n OTLP/HTTP requests get 503 + Retry-After from the proxy, never reaching takt. */
  failNextOtlpRequests(n: number): void;
  /** The next n OTLP/HTTP requests alternate: the first, third, fifth… get 503 + Retry-After. */
  failAlternateOtlpRequests(n: number): void;
  /** OTLP/HTTP requests seen by the proxy (path and status), for assertions about retries. */
  otlpRequests: { path: string; status: number }[];
  /** A second user with a token, for isolation tests. */
  addUser(email: string): Promise<{ userId: string; token: string }>;
  stop(): Promise<void>;
}

/** Starts takt on random loopback ports with a temp SQLite store (or databaseUrl), and one user token. */
export async function startTakt(
  options: {
    databaseUrl?: string;
    env?: Record<string, string>;
    log?: Logger;
    httpTimeouts?: Partial<HttpTimeouts>;
  } = {},
): Promise<TestTakt> {
  const home = mkdtempSync(join(tmpdir(), 'takt-test-'));
  const config = loadConfig(
    { TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC_PORT: '0', TAKT_LOG_LEVEL: 'silent', ...options.env },
    options.databaseUrl ? { databaseUrl: options.databaseUrl } : {},
  );
  const server = await startServer(config, {
    ...(options.log ? { log: options.log } : {}),
    ...(options.httpTimeouts ? { httpTimeouts: options.httpTimeouts } : {}),
  });
  const addUser = async (email: string) => {
    const user = await insertUser(server.context.store.db, { email });
    const t = await issueApiToken(server.context.store.db, user.id, 'test');
    return { userId: user.id, token: t.token };
  };
  const first = await addUser('dev@example.com');

  let failures = 0;
  let alternate = 0;
  const otlpRequests: { path: string; status: number }[] = [];
  const target = new URL(server.httpUrl);
  const proxy: Server = createServer((req, res) => {
    const isOtlp = /\/v1\/(metrics|logs|traces)$/.test(req.url ?? '');
    const alternating = isOtlp && alternate > 0 && alternate-- % 2 === 0;
    if ((isOtlp && failures > 0) || alternating) {
      if (!alternating) failures--;
      req.resume();
      req.on('end', () => {
        otlpRequests.push({ path: req.url ?? '', status: 503 });
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"code":14,"message":"injected failure"}');
      });
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        if (isOtlp) otlpRequests.push({ path: req.url ?? '', status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;

  return {
    httpUrl: `http://127.0.0.1:${proxyPort}`,
    directUrl: server.httpUrl,
    grpcAddress: `127.0.0.1:${server.grpcPort}`,
    token: first.token,
    userId: first.userId,
    server,
    failNextOtlpRequests(n) {
      failures = n;
    },
    failAlternateOtlpRequests(n) {
      alternate = n % 2 === 0 ? n : n + 1;
    },
    otlpRequests,
    addUser,
    async stop() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
