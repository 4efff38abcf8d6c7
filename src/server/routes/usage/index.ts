import type { Hono } from 'hono';
import { z } from 'zod';
import { loadEffectivePrices, pricingLabel } from '../../../billing/effective-prices.ts';
import { TaktError } from '../../../lib/errors.ts';
import { parseGroupBy, queryUsage } from '../../../queries/usage-report.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import { monthlyWindow } from '../../../usage/windows.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';

const isoTime = (name: string) =>
  z
    .string({ error: `${name} is required: an ISO 8601 time such as 2026-11-01T00:00:00Z` })
    .refine((s) => !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z`)
    .transform((s) => Date.parse(s));

const usageQuery = z.object({
  from: isoTime('from').optional(),
  to: isoTime('to').optional(),
  group_by: z
    .string()
    .transform((s, ctx) => {
      const dims = parseGroupBy(s);
      if (typeof dims === 'string') {
        ctx.addIssue({ code: 'custom', message: dims });
        return z.NEVER;
      }
      return dims;
    })
    .optional(),
  tz: z.string().optional(),
  account: z.string().min(1).max(200).optional(),
  machine: z.string().min(1).max(300).optional(),
});

export function registerUsageRoutes(app: Hono, ctx: AppContext): void {
  /** GET /api/usage[?from&to][&group_by&tz][&account&machine]: the caller's own usage, counted once; the current month without from/to (docs/api.md). */
  app.get('/api/usage', async (c) => {
    const caller = await requireCaller(c, ctx, { local: true });
    const parsed = usageQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new TaktError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
    }
    const { group_by, tz, account, machine } = parsed.data;
    if ((parsed.data.from === undefined) !== (parsed.data.to === undefined)) {
      throw new TaktError('bad_request', 'send both from and to (ISO 8601), or neither for the current month');
    }
    // Seed 002 calls it bare: the current calendar month in the asked zone (UTC by default).
    const month = monthlyWindow(Date.now(), 1, tz && isTimeZone(tz) ? tz : 'UTC');
    const from = parsed.data.from ?? month.start;
    const to = parsed.data.to ?? month.end;
    const prices = await loadEffectivePrices(ctx.store.db, ctx.prices);
    const report = await queryUsage(ctx.store.db, {
      userId: caller.user.id,
      from,
      to,
      ...(group_by ? { groupBy: group_by } : {}),
      ...(tz ? { timeZone: tz } : {}),
      ...(account ? { account } : {}),
      ...(machine ? { machine } : {}),
      prices: prices.table,
    });
    return c.json({ ...report, pricing: pricingLabel(prices) });
  });
}
