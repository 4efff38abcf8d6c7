import type { Hono } from 'hono';
import { z } from 'zod';
import { activityGroupByValues, queryActivity } from '../../../queries/activity.ts';
import { listUsers } from '../../../store/users.ts';
import type { AppContext } from '../../app-context.ts';
import { readUsageRange, usageRangeSchema } from '../usage-range-query.ts';

const DAY = 86_400_000;

const activityQuery = usageRangeSchema({
  group_by: z.enum(activityGroupByValues, { error: 'group_by must be day, machine or account' }).optional(),
});

/** Without from/to: the 7 days up to now. */
const lastSevenDays = {
  range: (now: number) => ({ from: now - 7 * DAY, to: now }),
  description: 'the last 7 days',
};

export function registerActivityRoutes(app: Hono, ctx: AppContext): void {
  /**
   * GET /api/me/activity[?from&to][&group_by=day|machine|account][&tz][&scope=team]: Claude
   * Code's activity metrics (sessions, active time, lines, commits, PRs, edit decisions),
   * counted once; the last 7 days without from/to; an admin's team per person with scope=team.
   */
  app.get('/api/me/activity', async (c) => {
    const { query: q, from, to, caller } = await readUsageRange(c, ctx, activityQuery, lastSevenDays);
    const users = caller ? [caller.user] : await listUsers(ctx.store.db);
    const reports = await queryActivity(ctx.store.db, {
      userIds: users.map((u) => u.id),
      from,
      to,
      ...(q.group_by ? { groupBy: q.group_by } : {}),
      ...(q.tz ? { timeZone: q.tz } : {}),
    });
    if (caller) return c.json(reports.get(caller.user.id));
    return c.json({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      people: [...users]
        .sort((a, b) => (a.email < b.email ? -1 : 1))
        .map((u) => {
          const { from: _f, to: _t, ...figures } = reports.get(u.id) ?? { from: '', to: '' };
          return { user_id: u.id, email: u.email, ...figures };
        }),
    });
  });
}
