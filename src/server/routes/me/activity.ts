import type { Hono } from 'hono';
import { z } from 'zod';
import { TaktError } from '../../../lib/errors.ts';
import { activityGroupByValues, queryActivity } from '../../../queries/activity.ts';
import { listUsers } from '../../../store/users.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin, requireCaller } from '../../authenticate.ts';

const DAY = 86_400_000;

const isoTime = (name: string) =>
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z`)
    .transform((s) => Date.parse(s));

const activityQuery = z
  .object({
    from: isoTime('from').optional(),
    to: isoTime('to').optional(),
    group_by: z.enum(activityGroupByValues, { error: 'group_by must be day, machine or account' }).optional(),
    tz: z.string().refine(isTimeZone, 'tz must be an IANA time zone such as Europe/Berlin or UTC').optional(),
    scope: z.enum(['me', 'team'], { error: 'scope must be me or team (team: admins only)' }).optional(),
  })
  .strict();

export function registerActivityRoutes(app: Hono, ctx: AppContext): void {
  /**
   * GET /api/me/activity[?from&to][&group_by=day|machine|account][&tz][&scope=team]: Claude
   * Code's activity metrics (sessions, active time, lines, commits, PRs, edit decisions),
   * counted once; the last 7 days without from/to; an admin's team per person with scope=team.
   */
  app.get('/api/me/activity', async (c) => {
    const parsed = activityQuery.safeParse(c.req.query());
    const team = parsed.success && parsed.data.scope === 'team';
    const caller = team ? undefined : await requireCaller(c, ctx, { local: true });
    if (team) await requireAdmin(c, ctx);
    if (!parsed.success) {
      throw new TaktError(
        'bad_request',
        parsed.error.issues
          .map((i) => (i.code === 'unrecognized_keys' ? `unknown parameter ${i.keys.join(', ')}` : i.message))
          .join('; '),
      );
    }
    const q = parsed.data;
    if ((q.from === undefined) !== (q.to === undefined)) {
      throw new TaktError('bad_request', 'send both from and to (ISO 8601), or neither for the last 7 days');
    }
    const now = Date.now();
    const to = q.to ?? now;
    const from = q.from ?? now - 7 * DAY;
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
