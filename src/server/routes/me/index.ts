import type { Hono } from 'hono';
import { z } from 'zod';
import { loadEffectivePrices, pricingLabel } from '../../../billing/effective-prices.ts';
import { TaktError } from '../../../lib/errors.ts';
import { myMachines, startOfDayIn } from '../../../queries/machines.ts';
import { recentSessions } from '../../../queries/sessions.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';

const DAY = 86_400_000;

const sessionsQuery = z.object({
  days: z.coerce.number().int().min(1).max(90, 'days is 1 to 90').optional(),
  limit: z.coerce.number().int().min(1).max(500, 'limit is 1 to 500').optional(),
});

function zone(tz: string | undefined): string {
  if (tz === undefined) return 'UTC';
  if (!isTimeZone(tz))
    throw new TaktError('bad_request', `unknown time zone ${tz}: use an IANA name such as Europe/Berlin or UTC`);
  return tz;
}

export function registerMeRoutes(app: Hono, ctx: AppContext): void {
  /** GET /api/me/sessions[?days=7&limit=50]: recent sessions, newest activity first (docs/api.md). */
  app.get('/api/me/sessions', async (c) => {
    const caller = await requireCaller(c, ctx);
    const parsed = sessionsQuery.safeParse(c.req.query());
    if (!parsed.success) throw new TaktError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
    const now = Date.now();
    const days = parsed.data.days ?? 7;
    const prices = await loadEffectivePrices(ctx.store.db, ctx.prices);
    const sessions = await recentSessions(ctx.store.db, {
      userId: caller.user.id,
      since: now - days * DAY,
      now,
      limit: parsed.data.limit ?? 50,
      prices: prices.table,
    });
    return c.json({ as_of: new Date(now).toISOString(), days, sessions, pricing: pricingLabel(prices) });
  });

  /** GET /api/me/machines[?tz=Europe/Berlin]: tracking status, last data time, tokens today (in tz). */
  app.get('/api/me/machines', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    const tz = zone(c.req.query('tz'));
    const startOfToday = startOfDayIn(now, tz);
    const prices = await loadEffectivePrices(ctx.store.db, ctx.prices);
    const machines = await myMachines(ctx.store.db, {
      userId: caller.user.id,
      now,
      startOfToday,
      prices: prices.table,
    });
    return c.json({ as_of: new Date(now).toISOString(), today_from: new Date(startOfToday).toISOString(), machines });
  });
}
