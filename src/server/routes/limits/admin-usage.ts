import type { Hono } from 'hono';
import { adminUsage } from '../../../queries/admin-usage.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin } from '../../authenticate.ts';

export function registerAdminUsageRoute(app: Hono, ctx: AppContext): void {
  /** GET /api/admin/usage: every user's accounts against their caps; the team totalled per unit (queries/admin-usage.ts). */
  app.get('/api/admin/usage', async (c) => {
    await requireAdmin(c, ctx);
    return c.json(await adminUsage(ctx.store.db, ctx.prices, Date.now()));
  });
}
