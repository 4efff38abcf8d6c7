import type { BlockList } from 'node:net';
import type { FirstRunGate } from '../auth/actions/first-run.ts';
import type { AttemptLimit, FailedProofLimit } from '../auth/rate-limit.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { Config } from '../config/config.ts';
import type { Changes } from '../lib/changes.ts';
import type { Logger } from '../lib/log.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import type { TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import type { Store } from '../store/store.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';
import type { LatestExposition } from './latest-exposition.ts';
import type { LiveEvents } from './live-events.ts';
import type { ServerMetrics } from './observability.ts';

/** What every route may use; built once by startServer. */
export interface AppContext {
  config: Config;
  store: Store;
  recorder: TelemetryRecorder;
  metrics: ServerMetrics;
  tokens: TokenVerifier;
  log: Logger;
  /** The price table (TAKT_HOME/prices.json if installed, else the shipped one), read once at start. */
  prices: PriceTable;
  trustedProxies: BlockList;
  lanAdmins: BlockList;
  /** The names this server answers to where the address alone authorises (own-hosts.ts). */
  ownHosts: Set<string>;
  /**
   * Register and device endpoints count attempts per address (and register per email);
   * login and /auth/token count failed proofs per address and per account (`failures`).
   * In memory on SQLite (one server); in the database on PostgreSQL (shared by replicas).
   */
  limits: { auth: AttemptLimit; device: AttemptLimit; failures: FailedProofLimit; webhookSends: AttemptLimit };
  /** The one-time setup code of a fresh server (the first-run page). */
  firstRun: FirstRunGate;
  /**
   * The one way to say "a user's data changed", after the commit (lib/changes.ts): live
   * events, the alert evaluator and later subscribers listen; across replicas on PostgreSQL.
   */
  changes: Changes;
  /** The open GET /api/events streams, fed by `changes` (routes read it, never publish to it). */
  live: LiveEvents;
  /** Whether this replica should get traffic (GET /readyz): migrated, listening, not shutting down. */
  ready?: () => boolean;
  /** The first-run setup code made at start (no users yet), for `takt serve` to print. */
  setupCode?: string;
  /** The URL guard, the alert evaluator and the delivery worker (docs/webhooks.md). */
  webhooks: WebhookService;
  /** GET /metrics' per-account and per-machine families: the last complete refresh, refreshed in the background. */
  limitsExposition: LatestExposition;
}
