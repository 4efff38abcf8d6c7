import type { Hono } from 'hono';
import { TaktError } from '../../../lib/errors.ts';
import { adminCapacityChanges, capacityHistoryView } from '../../../queries/capacity-history-view.ts';
import { findAccount } from '../../../store/accounts.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin, requireCaller } from '../../authenticate.ts';

/** GET /api/accounts/{id}/capacity-history and GET /api/admin/capacity-changes (docs/api.md, "Capacity history"). */
export function registerCapacityRoutes(app: Hono, ctx: AppContext): void {
  /** The capacity each window measured, per window and unit, and the step changes recorded (owner or admin). */
  app.get('/api/accounts/:id/capacity-history', async (c) => {
    const caller = await requireCaller(c, ctx);
    const account = await findAccount(ctx.store.db, c.req.param('id'));
    if (!account || (account.user_id !== caller.user.id && caller.user.role !== 'admin')) {
      throw new TaktError('not_found', `no account ${c.req.param('id')} of yours: GET /api/accounts lists them`);
    }
    return c.json(await capacityHistoryView(ctx.store.db, { account, now: Date.now(), prices: ctx.prices }));
  });

  /** Capacity changes pooled per plan across every account (admin). */
  app.get('/api/admin/capacity-changes', async (c) => {
    await requireAdmin(c, ctx);
    return c.json(await adminCapacityChanges(ctx.store.db, Date.now()));
  });
}
