import type { Hono } from 'hono';
import { z } from 'zod';
import { recordAudit } from '../../../audit/record-audit.ts';
import { TaktError } from '../../../lib/errors.ts';
import type { EvaluatedAccount } from '../../../queries/account-limits.ts';
import { accountLabel, calibrationView } from '../../../queries/limits-view.ts';
import { type AccountRow, findAccount, listAccounts, updateAccountSettings } from '../../../store/accounts.ts';
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

function settingsView(a: AccountRow) {
  const parse = (t: string | null) => (t ? (JSON.parse(t) as unknown) : null);
  return {
    id: a.id,
    uuid: a.account_uuid,
    label: accountLabel(a),
    label_set: a.label,
    email: a.email,
    organization_id: a.organization_id,
    plan: a.plan,
    unit: a.unit,
    limits: parse(a.limits),
    weekly_reset: parse(a.weekly_reset),
    month_start_day: Number(a.month_start_day),
    team_seat: Number(a.team_seat) === 1,
    per_seat_cap: a.per_seat_cap === null ? null : Number(a.per_seat_cap),
    first_seen_at: new Date(Number(a.first_seen_at)).toISOString(),
    last_seen_at: new Date(Number(a.last_seen_at)).toISOString(),
  };
}

/** GET and PATCH /api/accounts, GET /api/accounts/{id}/calibration. */
export function registerAccountRoutes(app: Hono, ctx: AppContext): void {
  const evaluate = accountEvaluator(ctx);

  /** GET /api/accounts: the caller's Anthropic accounts and their settings. */
  app.get('/api/accounts', async (c) => {
    const caller = await requireCaller(c, ctx);
    return c.json({ accounts: (await listAccounts(ctx.store.db, caller.user.id)).map(settingsView) });
  });

  /** PATCH /api/accounts/{id}: settings (owner or admin; audited with before and after). */
  app.patch('/api/accounts/:id', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const patch = await readJson(c, accountPatch);
    const id = c.req.param('id');
    const after = await ctx.store.transaction(async (trx) => {
      const before = await findAccount(trx, id);
      if (!before || (before.user_id !== caller.user.id && caller.user.role !== 'admin')) {
        throw new TaktError('not_found', `no account ${id} of yours: GET /api/accounts lists them`);
      }
      await updateAccountSettings(trx, id, {
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        ...(patch.plan !== undefined ? { plan: patch.plan } : {}),
        ...(patch.unit !== undefined ? { unit: patch.unit } : {}),
        ...(patch.limits !== undefined ? { limits: patch.limits === null ? null : JSON.stringify(patch.limits) } : {}),
        ...(patch.weekly_reset !== undefined
          ? { weekly_reset: patch.weekly_reset === null ? null : JSON.stringify(patch.weekly_reset) }
          : {}),
        ...(patch.month_start_day !== undefined ? { month_start_day: patch.month_start_day } : {}),
        ...(patch.team_seat !== undefined ? { team_seat: patch.team_seat ? 1 : 0 } : {}),
        ...(patch.per_seat_cap !== undefined ? { per_seat_cap: patch.per_seat_cap } : {}),
      });
      const updated = (await findAccount(trx, id)) as AccountRow;
      await recordAudit(
        trx,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        {
          action: 'account.update',
          targetType: 'account',
          targetId: id,
          before: settingsView(before),
          after: settingsView(updated),
        },
      );
      return updated;
    });
    return c.json(settingsView(after));
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
