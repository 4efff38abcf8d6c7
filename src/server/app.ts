import { Hono } from 'hono';
import type { Signal } from '../ingest/otlp-decode.ts';
import { isTaktError, toTaktError } from '../lib/errors.ts';
import type { AppContext } from './app-context.ts';
import { httpStatusOf } from './http-errors.ts';
import { localModeStatus, localOwnerOf } from './local-mode.ts';
import { handleOtlpHttp, OTLP_PATH } from './otlp-http.ts';
import { registerAdminRoutes } from './routes/admin/index.ts';
import { registerAuditRoutes } from './routes/audit/index.ts';
import { registerAuthRoutes } from './routes/auth/index.ts';
import { registerDeviceRoutes } from './routes/device/index.ts';
import { registerEventsRoute } from './routes/events/events-route.ts';
import { registerExportRoutes } from './routes/export/index.ts';
import { registerLimitsRoutes } from './routes/limits/index.ts';
import { registerManualRoutes } from './routes/manual/index.ts';
import { registerActivityRoutes } from './routes/me/activity.ts';
import { registerMeRoutes } from './routes/me/index.ts';
import { registerMetricsRoute } from './routes/metrics/index.ts';
import { registerPricingRoutes } from './routes/pricing/index.ts';
import { registerSetupRoutes } from './routes/setup/setup-routes.ts';
import { registerTranscriptRoutes } from './routes/transcripts/index.ts';
import { registerRefreshRoutes } from './routes/transcripts/refresh.ts';
import { registerUsageRoutes } from './routes/usage/index.ts';
import { registerValidateRoutes } from './routes/validate/index.ts';
import { registerDashboard } from './routes/web/serve-dashboard.ts';
import { registerWebhookRoutes } from './routes/webhooks/index.ts';
import { securityHeaders } from './security-headers.ts';

const PING_TIMEOUT_MS = 3_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The HTTP application: OTLP receivers, the JSON API, health and metrics. */
export function createApp(ctx: AppContext): Hono {
  const app = new Hono();
  app.use(securityHeaders());
  if (ctx.log.enabled('debug')) {
    app.use(async (c, next) => {
      const started = performance.now();
      await next();
      // The path only: a query may hold a user_code.
      ctx.log.debug('request', {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      });
    });
  }

  // Liveness: can this replica reach its database? 503 with the reason when not.
  app.get('/healthz', async (c) => {
    try {
      await withTimeout(ctx.store.ping(), PING_TIMEOUT_MS);
      const local = await localModeStatus(ctx.store.db, ctx.config);
      return c.json({ status: 'ok', store: ctx.store.dialect, local_mode: { on: local.on, reason: local.reason } });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return c.json(
        {
          status: 'unavailable',
          store: ctx.store.dialect,
          message: `cannot reach the ${ctx.store.dialect} database (${reason}): check that it runs and TAKT_DATABASE_URL`,
        },
        503,
        { 'Retry-After': '5' },
      );
    }
  });
  // Readiness, for load balancers: migrated and listening, and not shutting down.
  app.get('/readyz', (c) =>
    (ctx.ready?.() ?? true)
      ? c.json({ status: 'ready' })
      : c.json(
          { status: 'not_ready', message: 'this replica is starting or shutting down: send traffic elsewhere' },
          503,
        ),
  );

  registerMetricsRoute(app, ctx);

  registerUsageRoutes(app, ctx);
  registerMeRoutes(app, ctx);
  registerExportRoutes(app, ctx);
  registerActivityRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerPricingRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerDeviceRoutes(app, ctx);
  registerValidateRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerWebhookRoutes(app, ctx, ctx.webhooks);
  registerLimitsRoutes(app, ctx);
  registerSetupRoutes(app, ctx);
  registerEventsRoute(app, ctx);
  registerTranscriptRoutes(app, ctx);
  registerRefreshRoutes(app, ctx);
  registerManualRoutes(app, ctx);

  // OTLP/HTTP on /v1/{metrics,logs,traces}, also under any base path (/otlp/v1/logs).
  app.post('*', async (c, next) => {
    const m = OTLP_PATH.exec(c.req.path);
    if (!m) return next();
    return handleOtlpHttp(c, m[1] as Signal, {
      ...ctx,
      bodyLimitBytes: ctx.config.bodyLimitBytes,
      localOwner: async (req) => {
        const owner = await localOwnerOf(req, ctx.store.db, ctx.config);
        return owner ? { user: owner, tokenId: '' } : undefined;
      },
    });
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
    const e = toTaktError(error, 'internal error: see the server log');
    if (e.code === 'internal') ctx.log.error('request failed', { method: c.req.method, path: c.req.path, error });
    else if (!isTaktError(error))
      ctx.log.warn('request refused: the store is unavailable', { path: c.req.path, error });
    const headers: Record<string, string> =
      e.code === 'rate_limited'
        ? { 'Retry-After': String(e.details?.retryAfterSeconds ?? 60) }
        : e.code === 'unavailable'
          ? { 'Retry-After': '2' }
          : {};
    // The rest of a refused body is not read: close the connection rather than leave unread
    // bytes where the client's next request on it would start.
    if (e.code === 'payload_too_large' || e.code === 'unsupported_media_type') headers.Connection = 'close';
    return c.json({ error: { code: e.code, message: e.message, ...(e.details ?? {}) } }, httpStatusOf(e.code), headers);
  });

  return app;
}
