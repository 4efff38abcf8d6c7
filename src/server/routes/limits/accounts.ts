import type { Hono } from 'hono';
import { z } from 'zod';
import { TaktError } from '../../../lib/errors.ts';
import { updateAccount } from '../../../limits/update-account.ts';
import type { EvaluatedAccount } from '../../../queries/account-limits.ts';
import { accountSettingsView } from '../../../queries/account-settings-view.ts';
import { calibrationView } from '../../../queries/limits-view.ts';
import { findAccount, listAccounts } from '../../../store/accounts.ts';
import { planIds } from '../../../usage/limit-types.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import { parsePlanId } from '../../../usage/plans.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { accountEvaluator } from './evaluate.ts';
import { windowName } from './fields.ts';

const accountPatch = z
  .object({
    label: z.string().trim().min(1).max(100).nullable(),
    plan: z
      .string()
      .transform((id, ctx) => {
        const plan = parsePlanId(id);
        if (plan === null) ctx.addIssue({ code: 'custom', message: `plan must be one of ${planIds.join(', ')}` });
        return plan ?? z.NEVER;
      })
      .nullable(),
    unit: z.enum(['usd', 'tokens'], { error: 'unit must be usd (API-price equivalent) or tokens' }),
    limits: z
      .record(windowName, z.number().positive('a limit must be a positive number in the account unit'))
      .nullable(),
    weekly_reset: z
      .object({
        weekday: z.number().int().min(0).max(6, 'weekday is 0 (Sunday) to 6 (Saturday)'),
        hour: z.number().int().min(0).max(23, 'hour is 0 to 23'),
        time_zone: z.string().refine(isTimeZone, 'time_zone must be an IANA zone such as Europe/Berlin or UTC'),
      })
      .nullable(),
    month_start_day: z.number().int().min(1).max(28, 'month_start_day is 1 to 28'),
    team_seat: z.boolean(),
    per_seat_cap: z.number().positive('per_seat_cap must be a positive number in the account unit').nullable(),
  })
  .partial()
  .strict();

/** GET and PATCH /api/accounts, GET /api/accounts/{id}/calibration. */
export function registerAccountRoutes(app: Hono, ctx: AppContext): void {
  const evaluate = accountEvaluator(ctx);

  /** GET /api/accounts: the caller's Anthropic accounts and their settings. */
  app.get('/api/accounts', async (c) => {
    const caller = await requireCaller(c, ctx);
    return c.json({ accounts: (await listAccounts(ctx.store.db, caller.user.id)).map(accountSettingsView) });
  });

  /** PATCH /api/accounts/{id}: settings (owner or admin; audited with before and after). */
  app.patch('/api/accounts/:id', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const patch = await readJson(c, accountPatch);
    const after = await updateAccount(ctx.store, {
      actor: { userId: caller.user.id, admin: caller.user.role === 'admin', address: addressOf(c, ctx) },
      id: c.req.param('id'),
      patch,
    });
    return c.json(accountSettingsView(after));
  });

  /** GET /api/accounts/{id}/calibration: samples, the estimate, its spread and confidence. */
  app.get('/api/accounts/:id/calibration', async (c) => {
    const caller = await requireCaller(c, ctx);
    const account = await findAccount(ctx.store.db, c.req.param('id'));
    if (!account || (account.user_id !== caller.user.id && caller.user.role !== 'admin')) {
      throw new TaktError('not_found', `no account ${c.req.param('id')} of yours: GET /api/accounts lists them`);
    }
    const [evaluated] = await evaluate(account.user_id, Date.now(), [account]);
    return c.json(calibrationView(evaluated as EvaluatedAccount));
  });
}
