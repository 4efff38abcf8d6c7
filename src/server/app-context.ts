import type { BlockList } from 'node:net';
import type { FirstRunGate } from '../auth/actions/first-run.ts';
import type { RateLimiter } from '../auth/rate-limit.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import type { TelemetryRecorder } from '../usage/telemetry-recorder.ts';
import type { LiveEvents } from './live-events.ts';
import type { ServerMetrics } from './observability.ts';

/** What every route may use; built once by startServer. */
export interface AppContext {
  config: Config;
  store: Store;
  recorder: TelemetryRecorder;
  metrics: ServerMetrics;
  tokens: TokenVerifier;
  trustedProxies: BlockList;
  lanAdmins: BlockList;
  /** Login, register, token and device endpoints: per address and per account. */
  limits: { auth: RateLimiter; device: RateLimiter };
  /** The one-time setup code of a fresh server (the first-run page). */
  firstRun: FirstRunGate;
  /** Per-user change notifications for GET /api/events. */
  live: LiveEvents;
  /** The first-run setup code made at start (no users yet), for `takt serve` to print. */
  setupCode?: string;
}
