import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { FirstRunGate } from '../auth/actions/first-run.ts';
import { addressList } from '../auth/client-address.ts';
import { schedulePruneExpired } from '../auth/prune-expired.ts';
import { FailureLimiter, RateLimiter, SharedFailureLimiter, SharedRateLimiter } from '../auth/rate-limit.ts';
import { TokenVerifier } from '../auth/token-verifier.ts';
import type { Config } from '../config/config.ts';
import { bindGrpc, createGrpcServer } from '../ingest/grpc-server.ts';
import { type Changes, InProcessChanges } from '../lib/changes.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { loadPriceTable } from '../pricing/price-table.ts';
import { linkCandidates, linkUnlinkedUsage } from '../recording/link-unlinked-usage.ts';
import { inProcessJobWriter, TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import { workerJobWriter } from '../recording/writer-thread-client.ts';
import { openStore } from '../store/open-store.ts';
import { PostgresChanges } from '../store/postgres/postgres-changes.ts';
import { useSecretKey } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { sealClearWebhookEndpoints } from '../store/webhooks.ts';
import { createWebhookService } from '../webhooks/webhook-service.ts';
import { logAcceptFailures } from './accept-errors.ts';
import { createApp } from './app.ts';
import type { AppContext } from './app-context.ts';
import { LatestExposition } from './latest-exposition.ts';
import { inProcessLimitsRefresher, workerLimitsRefresher } from './limits-metrics-thread.ts';
import { feedLiveEvents, InProcessLiveEvents } from './live-events.ts';
import { localGrpcOwner } from './local-mode.ts';
import { createServerMetrics } from './observability.ts';
import { ownHostNames } from './own-hosts.ts';
import { loadSecretKey, preparePrivateHome, securePrivateFiles, sqliteFilesOf } from './private-files.ts';

export interface RunningServer {
  httpUrl: string;
  httpPort: number;
  /** 0 when gRPC is disabled. */
  grpcPort: number;
  context: AppContext;
  /** Stops accepting, finishes in-flight exports, commits, closes the store. */
  close(): Promise<void>;
}

/**
 * HTTP timeouts (docs/operations.md, "Timeouts"). A client trickling its headers is cut off
 * after headersMs, one trickling its body after requestMs (an export of the largest allowed
 * size still fits over a slow link); idle keep-alive connections close after keepAliveMs,
 * longer than the 60 s idle timeout of common load balancers so that they close first.
 * Slow clients cost a socket each, not the event loop: others are served meanwhile.
 */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  /** How often Node looks for connections past headersMs/requestMs. */
  checkIntervalMs: number;
}
export const HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 20_000,
  requestMs: 120_000,
  keepAliveMs: 65_000,
  checkIntervalMs: 2_000,
};

export async function startServer(
  config: Config,
  options: { store?: Store; log?: Logger; httpTimeouts?: Partial<HttpTimeouts> } = {},
): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  preparePrivateHome(config.home, log);
  const store = options.store ?? (await openStore(config.databaseUrl));
  if (store.sqliteFile) securePrivateFiles(sqliteFilesOf(store.sqliteFile), log);
  useSecretKey(loadSecretKey({ secretKey: config.secretKey, home: config.home, sqliteFile: store.sqliteFile }, log));
  const sealedNow = await sealClearWebhookEndpoints(store.db);
  if (sealedNow > 0)
    log.info('encrypted the URLs and secrets of webhook endpoints stored in clear', { count: sealedNow });
  const metrics = createServerMetrics();
  // On SQLite the group commits run in a worker thread, beside the event loop.
  const caps = { accountsPerUserMax: config.accountsPerUserMax };
  const writer = store.sqliteFile ? workerJobWriter(store.sqliteFile, caps) : inProcessJobWriter(store, caps);
  // On PostgreSQL, state that several replicas must share lives in the database (issue 15).
  const shared = store.dialect === 'postgres';
  const pgChanges = shared
    ? new PostgresChanges(config.databaseUrl, (message, error) => log.warn(message, { error }))
    : undefined;
  await pgChanges?.start();
  const changes: Changes =
    pgChanges ?? new InProcessChanges((error) => log.error('changes: a subscriber failed', { error }));
  const live = new InProcessLiveEvents();
  feedLiveEvents(changes, live);
  const recorder = new TelemetryRecorder(writer, {
    dryRun: config.ingestDryRun,
    changes,
    link: (userId, triggers) => linkUnlinkedUsage(store, userId, triggers),
    linkCandidates: (userIds) => linkCandidates(store, userIds),
    onLinkError: (error) => log.warn('linking usage to its account failed; the next upload tries again', { error }),
  });
  const tokens = new TokenVerifier(store.db);
  let closing: Promise<void> | undefined;
  const firstRun = new FirstRunGate();
  const setupCode = await firstRun.open(store);
  let ownUrl = '';
  const prices = loadPriceTable(config.home);
  const webhooks = createWebhookService(config, {
    store,
    log,
    prices: () => prices,
    serverUrl: () => ownUrl,
    changes,
  });
  // GET /metrics' per-account families: computed in a worker thread on its own connection (a
  // SQLite file or PostgreSQL), served from the last complete refresh (latest-exposition.ts).
  const limitsRefresher =
    store.dialect === 'postgres'
      ? workerLimitsRefresher(config.databaseUrl, prices)
      : store.sqliteFile
        ? workerLimitsRefresher(`sqlite:${store.sqliteFile}`, prices)
        : inProcessLimitsRefresher(store.db, () => prices);
  const limitsExposition = new LatestExposition(limitsRefresher.refresh, (error) =>
    log.warn('metrics: refreshing the per-account families failed; the previous ones stay served', { error }),
  );
  // Every replica's changes: a user's figures are computed again after their data changed.
  changes.subscribe(
    (userId) => limitsExposition.markChanged(userId),
    () => limitsExposition.markAllChanged(),
  );
  const context: AppContext = {
    config,
    store,
    recorder,
    metrics,
    tokens,
    log,
    prices,
    trustedProxies: addressList(config.trustedProxies),
    lanAdmins: addressList(config.lanAdminCidrs),
    ownHosts: ownHostNames(config),
    limits: shared
      ? {
          auth: new SharedRateLimiter(store.db, config.authRateLimit, 60_000),
          device: new SharedRateLimiter(store.db, config.authRateLimit * 3, 60_000),
          failures: new SharedFailureLimiter(store.db, config.authRateLimit, 60_000),
          webhookSends: new SharedRateLimiter(store.db, config.webhookSendsPerMinute, 60_000),
        }
      : {
          auth: new RateLimiter(config.authRateLimit, 60_000),
          device: new RateLimiter(config.authRateLimit * 3, 60_000),
          failures: new FailureLimiter(config.authRateLimit, 60_000),
          webhookSends: new RateLimiter(config.webhookSendsPerMinute, 60_000),
        },
    // The store was migrated before this point; a lost LISTEN connection makes the replica not ready.
    ready: () => closing === undefined && (pgChanges?.listening ?? true),
    firstRun,
    changes,
    live,
    ...(setupCode ? { setupCode } : {}),
    webhooks,
    limitsExposition,
  };
  const app = createApp(context);

  const http = await new Promise<Server>((resolve, reject) => {
    const t = { ...HTTP_TIMEOUTS, ...options.httpTimeouts };
    const serverOptions = {
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: t.checkIntervalMs,
    };
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.httpPort, serverOptions }, () =>
      resolve(s as Server),
    );
    (s as Server).once('error', reject);
  });
  logAcceptFailures(http, log);
  const httpPort = (http.address() as AddressInfo).port;

  let grpcPort = 0;
  const grpcServer = config.grpcEnabled
    ? createGrpcServer({
        recorder,
        metrics,
        tokens,
        log,
        bodyLimitBytes: config.bodyLimitBytes,
        localOwner: (peer, authority) => localGrpcOwner(store.db, config, peer, authority),
      })
    : undefined;
  if (grpcServer) {
    try {
      grpcPort = await bindGrpc(grpcServer, config.host, config.grpcPort);
    } catch (error) {
      http.close();
      throw new Error(
        `cannot listen for OTLP/gRPC on ${config.host}:${config.grpcPort} (${(error as Error).message}): ` +
          'free the port, choose another with TAKT_GRPC_PORT, or disable gRPC with TAKT_GRPC=0',
      );
    }
  }

  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  ownUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${httpPort}`;
  webhooks.start();
  const stopPruning = schedulePruneExpired(store, log);
  return {
    httpUrl: ownUrl,
    httpPort,
    grpcPort,
    context,
    close() {
      closing ??= (async () => {
        live.close(); // open dashboards' event streams end, or the HTTP server would wait for them
        const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
        // Keep-alive connections turn idle as their in-flight request is answered: close them then.
        http.closeIdleConnections();
        const reaper = setInterval(() => http.closeIdleConnections(), 25);
        const grpcClosed = grpcServer
          ? new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()))
          : Promise.resolve();
        // In-flight requests finish (and are acknowledged) before their connections close.
        await Promise.race([Promise.all([httpClosed, grpcClosed]), new Promise((r) => setTimeout(r, 10_000).unref())]);
        clearInterval(reaper);
        http.closeAllConnections();
        grpcServer?.forceShutdown();
        await recorder.close();
        stopPruning();
        await webhooks.stop();
        await limitsExposition.close();
        await limitsRefresher.close();
        await pgChanges?.stop();
        if (!options.store) await store.close();
      })();
      return closing;
    },
  };
}
