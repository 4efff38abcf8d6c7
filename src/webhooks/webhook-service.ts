import type { Config } from '../config/config.ts';
import type { Changes } from '../lib/changes.ts';
import type { Logger } from '../lib/log.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import type { Store } from '../store/store.ts';
import { AlertEvaluator } from './alert-evaluator.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import { createUrlGuard, type UrlGuard } from './url-guard.ts';

/** Webhooks as the server runs them: the URL guard, the alert evaluator and the delivery worker. */
export interface WebhookService {
  guard: UrlGuard;
  alerts: AlertEvaluator;
  worker: DeliveryWorker;
  /** TAKT_PUBLIC_URL, else the server's own URL (known once it listens). */
  readonly dashboardUrl: string;
  start(): void;
  /** Every change notified so far evaluated and every resulting delivery settled. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

export function createWebhookService(
  config: Config,
  deps: {
    store: Store;
    log: Logger;
    prices: () => PriceTable;
    serverUrl: () => string;
    guard?: UrlGuard;
    /** New data of a user, committed on this replica: evaluate their alerts (another replica's are its own). */
    changes?: Changes;
  },
): WebhookService {
  const guard =
    deps.guard ??
    createUrlGuard({ allowHttp: config.webhookAllowHttp, allowedNetworks: config.webhookAllowedNetworks });
  const timeoutMs = config.webhookTimeoutSeconds * 1000;
  const worker = new DeliveryWorker({
    store: deps.store,
    guard,
    log: deps.log,
    retryScheduleMs: config.webhookRetrySchedule.map((s) => Math.round(s * 1000)),
    timeoutMs,
    // The lease outlasts the longest send, so a live worker never has its delivery taken.
    leaseMs: Math.max(config.webhookLeaseSeconds * 1000, timeoutMs + 1000),
    maxPerHost: config.webhookMaxPerHost,
  });
  const dashboardUrl = () => `${(config.publicUrl ?? deps.serverUrl()).replace(/\/+$/, '')}/`;
  const alerts = new AlertEvaluator({
    store: deps.store,
    log: deps.log,
    prices: deps.prices,
    staleMs: config.staleMachineMinutes * 60_000,
    dashboardUrl,
    intervalMs: config.alertIntervalSeconds * 1000,
    maxPerHost: config.webhookMaxPerHost,
    onRaised: () => worker.kick(),
  });
  const unsubscribe = deps.changes?.subscribeLocal((userId) => alerts.notify([userId]));
  return {
    guard,
    alerts,
    worker,
    get dashboardUrl() {
      return dashboardUrl();
    },
    start() {
      alerts.start();
      worker.start();
    },
    async whenIdle() {
      await alerts.whenIdle();
      await worker.whenIdle();
    },
    async stop() {
      unsubscribe?.();
      await alerts.stop();
      await worker.stop();
    },
  };
}
