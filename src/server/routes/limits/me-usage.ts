import type { Context, Hono } from 'hono';
import { loadEffectivePrices } from '../../../billing/effective-prices.ts';
import { forecastsView, meUsageView, paceView } from '../../../queries/limits-view.ts';
import { unlinkedUsageView } from '../../../queries/unlinked-usage.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { accountEvaluator } from './evaluate.ts';

/** The browser's or the query's zone for the sentences of the pace verdict. */
function zoneOf(c: Context): string {
  const tz = c.req.query('tz');
  return tz && isTimeZone(tz) ? tz : 'UTC';
}

/** GET /api/me/usage, /api/forecast, /api/me/pace: the caller's accounts, three ways. */
export function registerMeUsageRoutes(app: Hono, ctx: AppContext): void {
  const evaluate = accountEvaluator(ctx);

  /** GET /api/me/usage: every account of the caller with windows, utilisation, limits and forecast; usage not yet linked. */
  app.get('/api/me/usage', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    const [accounts, unlinked] = await Promise.all([
      evaluate(caller.user.id, now),
      loadEffectivePrices(ctx.store.db, ctx.prices).then((p) =>
        unlinkedUsageView(ctx.store.db, caller.user.id, p.table),
      ),
    ]);
    return c.json(meUsageView(accounts, now, unlinked));
  });

  /** GET /api/forecast: when each window's cap comes at the recent burn rate. */
  app.get('/api/forecast', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    return c.json(forecastsView(await evaluate(caller.user.id, now), now));
  });

  /** GET /api/me/pace: which account to use next. */
  app.get('/api/me/pace', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    return c.json(paceView(await evaluate(caller.user.id, now), now, zoneOf(c)));
  });
}
