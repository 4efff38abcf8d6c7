import type { Hono } from 'hono';
import { z } from 'zod';
import { listAudit } from '../../../audit/list-audit.ts';
import { TaktError } from '../../../lib/errors.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin } from '../../authenticate.ts';

const auditQuery = z.object({
  actor: z.string().optional(),
  action: z.string().optional(),
  since: z.iso.datetime({ offset: true, error: 'since must be an ISO 8601 time' }).optional(),
  until: z.iso.datetime({ offset: true, error: 'until must be an ISO 8601 time' }).optional(),
  limit: z.coerce.number().int().min(1, 'limit must be 1 to 1000').max(1000, 'limit must be 1 to 1000').default(100),
});

export function registerAuditRoutes(app: Hono, ctx: AppContext): void {
  /** GET /api/audit (admins): newest first, filtered by actor user id, action, time. */
  app.get('/api/audit', async (c) => {
    await requireAdmin(c, ctx);
    const parsed = auditQuery.safeParse(c.req.query());
    if (!parsed.success) throw new TaktError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
    const q = parsed.data;
    const events = await listAudit(ctx.store.db, {
      limit: q.limit,
      ...(q.actor ? { actorUserId: q.actor } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.since ? { since: Date.parse(q.since) } : {}),
      ...(q.until ? { until: Date.parse(q.until) } : {}),
    });
    return c.json({ events });
  });
}
