import type { Hono } from 'hono';
import { z } from 'zod';
import { TaktError } from '../../../lib/errors.ts';
import { groupByValues, queryUsage } from '../../../queries/usage-report.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';

const isoTime = (name: string) =>
  z
    .string({ error: `${name} is required: an ISO 8601 time such as 2026-11-01T00:00:00Z` })
    .refine((s) => !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z`)
    .transform((s) => Date.parse(s));

const usageQuery = z.object({
  from: isoTime('from'),
  to: isoTime('to'),
  group_by: z.enum(groupByValues, { error: `group_by must be one of ${groupByValues.join(', ')}` }).optional(),
  tz: z.string().optional(),
});

export function registerUsageRoutes(app: Hono, ctx: AppContext): void {
  /** GET /api/usage?from&to[&group_by&tz]: the caller's own usage, counted once (docs/api.md). */
  app.get('/api/usage', async (c) => {
    const caller = await requireCaller(c, ctx);
    const parsed = usageQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new TaktError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
    }
    const { from, to, group_by, tz } = parsed.data;
    const report = await queryUsage(ctx.store.db, {
      userId: caller.user.id,
      from,
      to,
      ...(group_by ? { groupBy: group_by } : {}),
      ...(tz ? { timeZone: tz } : {}),
    });
    return c.json(report);
  });
}
