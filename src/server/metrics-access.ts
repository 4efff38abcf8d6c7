import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerFrom } from '../auth/api-token.ts';
import { type Config, isLoopbackHost } from '../config/config.ts';
import { TaktError } from '../lib/errors.ts';

export type MetricsAccess = 'open' | 'token' | 'closed';

/**
 * Who may read GET /metrics. A token, when set, is always required; otherwise
 * TAKT_METRICS_PUBLIC decides, and unset means open only on a loopback bind: the counters
 * tell anyone on the network which machines export, how much and how often.
 */
export function metricsAccessOf(config: Config): MetricsAccess {
  if (config.metricsToken !== undefined) return 'token';
  if (config.metricsPublic ?? isLoopbackHost(config.host)) return 'open';
  return 'closed';
}

/**
 * What a scrape of GET /metrics may read. `all`: the server's health and every account's and
 * machine's figures (takt_limit_*, takt_forecast_*, takt_usage_*, takt_cost_*, takt_machine_*),
 * which name people and their accounts: only with the bearer TAKT_METRICS_TOKEN or an admin's
 * API token. `health`: the server's own counters alone, to an anonymous scrape where access is
 * open. A member's token is refused outright: it never reads the team's figures.
 */
export type MetricsScope = 'health' | 'all';

export interface MetricsCredentials {
  config: Config;
  /** Resolves a takt API token to its user's role (undefined: unknown, revoked or disabled). */
  roleOfToken(token: string): Promise<'admin' | 'member' | undefined>;
}

export function metricsScopeResolver(
  deps: MetricsCredentials,
): (authorization: string | undefined) => Promise<MetricsScope> {
  const { config } = deps;
  const access = metricsAccessOf(config);
  const expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  return async (authorization) => {
    const sent = bearerFrom(authorization);
    if (sent !== undefined) {
      // Compared as digests: equal length, constant time.
      if (expected !== undefined && timingSafeEqual(digest(sent), expected)) return 'all';
      const role = await deps.roleOfToken(sent);
      if (role === 'admin') return 'all';
      if (role === 'member') {
        throw new TaktError(
          'forbidden',
          'GET /metrics shows every account and machine: a member’s token cannot read it; scrape with TAKT_METRICS_TOKEN or an admin’s token',
        );
      }
    }
    if (access === 'closed') {
      throw new TaktError(
        'forbidden',
        `GET /metrics is closed on a non-loopback bind (${config.host}): set TAKT_METRICS_TOKEN and scrape with that bearer token, or TAKT_METRICS_PUBLIC=1 to open it`,
      );
    }
    if (access === 'token' || sent !== undefined) {
      throw new TaktError(
        'unauthenticated',
        'GET /metrics needs Authorization: Bearer <TAKT_METRICS_TOKEN> (bearer_token in a Prometheus scrape config)',
      );
    }
    return 'health';
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
