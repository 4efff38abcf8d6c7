import { gzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import type { AppContext } from '../../app-context.ts';
import { metricsScopeResolver } from '../../metrics-access.ts';

/**
 * GET /metrics (OpenMetrics text): the server's health to anyone access lets in, and every
 * account's limits, forecasts, tokens and costs and every machine's last data time to the
 * bearer TAKT_METRICS_TOKEN or an admin's token (metrics-access.ts). Those come from the last
 * complete refresh, computed in the background (latest-exposition.ts): a scrape never waits
 * for one.
 */
const EMPTY = Buffer.alloc(0);
const EOF = Buffer.from('# EOF\n');
const GZIPPED_EOF = gzipSync(EOF);

export function registerMetricsRoute(app: Hono, ctx: AppContext): void {
  const scopeOf = metricsScopeResolver({
    config: ctx.config,
    roleOfToken: async (token) => (await ctx.tokens.verify(token))?.user.role,
  });

  app.get('/metrics', async (c) => {
    const scope = await scopeOf(c.req.header('authorization'));
    const registry = ctx.metrics.registry;
    const health = await registry.metrics();
    if (scope === 'health') return c.text(health, 200, { 'content-type': registry.contentType });
    const families = ctx.limitsExposition.current();
    // One exposition: the server's families, then these, then the `# EOF` OpenMetrics ends with.
    // Gzipped when asked (Prometheus does): gzip members may follow one another (RFC 1952, 2.2),
    // so the families' bytes, compressed once per refresh, go out as they are.
    const head = health.replace(/# EOF\n?$/, '');
    const headers = { 'content-type': registry.contentType, vary: 'accept-encoding' };
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? ''))
      return c.body(Buffer.concat([gzipSync(head), families?.gzip ?? EMPTY, GZIPPED_EOF]), 200, {
        ...headers,
        'content-encoding': 'gzip',
      });
    return c.body(Buffer.concat([Buffer.from(head), families?.plain ?? EMPTY, EOF]), 200, headers);
  });
}
