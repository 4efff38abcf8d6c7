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
    const families = ctx.limitsExposition.current() ?? '';
    // One exposition: the server's families, then these, then the `# EOF` OpenMetrics ends with.
    const body = `${health.replace(/# EOF\n?$/, '')}${families}# EOF\n`;
    return c.text(body, 200, { 'content-type': registry.contentType });
  });
}
