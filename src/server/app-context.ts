import type { BlockList } from 'node:net';
import type { RateLimiter } from '../auth/rate-limit.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../lib/log.ts';
import type { TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import type { Store } from '../store/store.ts';
import type { ServerMetrics } from './observability.ts';

/** What every route may use; built once by startServer. */
export interface AppContext {
  config: Config;
  store: Store;
  recorder: TelemetryRecorder;
  metrics: ServerMetrics;
  tokens: TokenVerifier;
  log: Logger;
  trustedProxies: BlockList;
  lanAdmins: BlockList;
  /** Login, register, token and device endpoints: per address and per account. */
  limits: { auth: RateLimiter; device: RateLimiter };
}
