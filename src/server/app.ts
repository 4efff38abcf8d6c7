import { Hono } from 'hono';
import type { Signal } from '../ingest/otlp-decode.ts';
import { isTaktError, TaktError } from '../lib/errors.ts';
import type { AppContext } from './app-context.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { registerDeviceRoutes } from './device-routes.ts';
import { httpStatusOf } from './http-errors.ts';
import { handleOtlpHttp, OTLP_PATH } from './otlp-http.ts';
import { registerEventsRoute } from './routes/events/events-route.ts';
import { registerSetupRoutes } from './routes/setup/setup-routes.ts';
import { registerDashboard } from './routes/web/serve-dashboard.ts';
import { registerUsageRoutes } from './usage-routes.ts';
import { registerValidateRoutes } from './validate-routes.ts';

/** The HTTP application: OTLP receivers, the JSON API, health and metrics. */
export function createApp(ctx: AppContext): Hono {
  const app = new Hono();

  app.get('/healthz', async (c) => {
    await ctx.store.ping();
    return c.json({ status: 'ok', store: ctx.store.dialect });
  });

  app.get('/metrics', async (c) =>
    c.text(await ctx.metrics.registry.metrics(), 200, { 'content-type': ctx.metrics.registry.contentType }),
  );

  registerUsageRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerDeviceRoutes(app, ctx);
  registerValidateRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerSetupRoutes(app, ctx);
  registerEventsRoute(app, ctx);

  // OTLP/HTTP on /v1/{metrics,logs,traces}, also under any base path (/otlp/v1/logs).
  app.post('*', async (c, next) => {
    const m = OTLP_PATH.exec(c.req.path);
    if (!m) return next();
    return handleOtlpHttp(c, m[1] as Signal, { ...ctx, bodyLimitBytes: ctx.config.bodyLimitBytes });
  });

  registerDashboard(app);

  app.notFound((c) =>
    c.json(
      {
        error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}: see docs/api.md` },
      },
      404,
    ),
  );

  app.onError((error, c) => {
    const e = isTaktError(error) ? error : new TaktError('internal', 'internal error: see the server log');
    if (!isTaktError(error)) console.error(error);
    const headers: Record<string, string> =
      e.code === 'rate_limited' ? { 'Retry-After': String(e.details?.retryAfterSeconds ?? 60) } : {};
    return c.json({ error: { code: e.code, message: e.message, ...(e.details ?? {}) } }, httpStatusOf(e.code), headers);
  });

  return app;
}
