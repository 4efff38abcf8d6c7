import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
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

export function requireMetricsAccess(config: Config): MiddlewareHandler {
  const access = metricsAccessOf(config);
  const expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  return async (c, next) => {
    if (access === 'closed') {
      throw new TaktError(
        'forbidden',
        `GET /metrics is closed on a non-loopback bind (${config.host}): set TAKT_METRICS_TOKEN and scrape with that bearer token, or TAKT_METRICS_PUBLIC=1 to open it`,
      );
    }
    if (expected !== undefined) {
      const sent = bearerFrom(c.req.header('authorization'));
      // Compared as digests: equal length, constant time.
      if (sent === undefined || !timingSafeEqual(digest(sent), expected)) {
        throw new TaktError(
          'unauthenticated',
          'GET /metrics needs Authorization: Bearer <TAKT_METRICS_TOKEN> (bearer_token in a Prometheus scrape config)',
        );
      }
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
