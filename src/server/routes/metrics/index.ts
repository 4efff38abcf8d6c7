import type { Hono } from 'hono';
import { LimitsMetrics } from '../../../queries/limits-metrics.ts';
import type { AppContext } from '../../app-context.ts';
import { limitsExposition } from '../../limits-exposition.ts';
import { metricsScopeResolver } from '../../metrics-access.ts';

/**
 * GET /metrics (OpenMetrics text): the server's health to anyone access lets in, and every
 * account's limits, forecasts, tokens and costs and every machine's last data time to the
 * bearer TAKT_METRICS_TOKEN or an admin's token (metrics-access.ts).
 */
export function registerMetricsRoute(app: Hono, ctx: AppContext): void {
  const scopeOf = metricsScopeResolver({
    config: ctx.config,
    roleOfToken: async (token) => (await ctx.tokens.verify(token))?.user.role,
  });
  const limits = new LimitsMetrics(ctx.store.db, () => ctx.prices);
  // Every replica's changes: a user's figures are computed again after their data changed.
  ctx.changes.subscribe(
    (userId) => limits.markChanged(userId),
    () => limits.markAllChanged(),
  );

  app.get('/metrics', async (c) => {
    const scope = await scopeOf(c.req.header('authorization'));
    const registry = ctx.metrics.registry;
    const health = await registry.metrics();
    if (scope === 'health') return c.text(health, 200, { 'content-type': registry.contentType });
    const families = limitsExposition(await limits.snapshot(Date.now()));
    // One exposition: the server's families, then these, then the `# EOF` OpenMetrics ends with.
    const body = `${health.replace(/# EOF\n?$/, '')}${families}# EOF\n`;
    return c.text(body, 200, { 'content-type': registry.contentType });
  });
}
