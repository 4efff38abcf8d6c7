import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { recordAudit } from '../../../audit/record-audit.ts';
import { TaktError } from '../../../lib/errors.ts';
import { recordLimitEvent, undoLimitEventAction } from '../../../limits/record-limit-event.ts';
import { recordOfficialUsage } from '../../../limits/record-official-usage.ts';
import { type EvaluatedAccount, evaluateUserAccounts } from '../../../queries/account-limits.ts';
import {
  accountLabel,
  calibrationView,
  forecastsView,
  meUsageView,
  paceView,
  statsView,
} from '../../../queries/limits-view.ts';
import { type AccountRow, findAccount, listAccounts, updateAccountSettings } from '../../../store/accounts.ts';
import { listUsers } from '../../../store/users.ts';
import { observationSources, planIds } from '../../../usage/limit-types.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import { parsePlanId } from '../../../usage/plans.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireAdmin, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { pricesFor } from './prices.ts';

/** A window name as takt and Anthropic spell them: five_hour, seven_day, seven_day_opus, monthly. */
const windowName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'window must be a name such as five_hour, seven_day or seven_day_opus');
const time = z.union([z.string(), z.number()]);

const officialUsageBody = z.object({
  source: z.enum(observationSources, { error: `source must be one of ${observationSources.join(', ')}` }),
  captured_at: time.optional(),
  session_id: z.string().min(1).max(200).optional(),
  account_uuid: z.string().min(1).max(200).optional(),
  rate_limits: z.unknown().optional(),
  usage: z.unknown().optional(),
});

const limitEventBody = z.object({
  kind: z.enum(['hit_limit', 'new_window'], { error: 'kind must be hit_limit or new_window' }),
  window: windowName,
  at: time.optional(),
  resets_at: time.optional(),
  session_id: z.string().min(1).max(200).optional(),
  account_uuid: z.string().min(1).max(200).optional(),
  account_id: z.string().min(1).max(200).optional(),
  source: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'source must be a short name such as dashboard, hook or transcript'),
});

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

/** The browser's or the query's zone for the sentences of the pace verdict. */
function zoneOf(c: Context): string {
  const tz = c.req.query('tz');
  return tz && isTimeZone(tz) ? tz : 'UTC';
}

export function registerLimitsRoutes(app: Hono, ctx: AppContext): void {
  const prices = () => pricesFor(ctx.config.home);
  const evaluate = (userId: string, now: number, accounts?: AccountRow[]) =>
    evaluateUserAccounts(ctx.store.db, { userId, now, prices: prices(), ...(accounts ? { accounts } : {}) });

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

  /** POST /api/official-usage: what Claude Code or Anthropic said (status line rate_limits, OAuth usage). */
  app.post('/api/official-usage', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, officialUsageBody);
    const now = Date.now();
    const r = await recordOfficialUsage(ctx.store, { userId: caller.user.id, input: body, now, prices: prices() });
    if (r.stored > 0) ctx.live.publish(caller.user.id, 'official');
    return c.json(
      {
        account: r.account,
        captured_at: new Date(r.captured_at).toISOString(),
        windows: r.windows.map((w) => w.window),
        stored: r.stored,
        duplicates: r.duplicates,
        errors: r.errors,
        calibration_rejected: r.rejectedSamples.map((s) => ({
          window: s.window,
          unit: s.unit,
          at: new Date(Number(s.at)).toISOString(),
          implied_capacity: s.implied_capacity,
          reason: s.reason,
        })),
      },
      r.stored > 0 ? 201 : 200,
    );
  });

  /** POST /api/limit-events: a hit limit or a "new window" mark; repeats within two minutes are one event. */
  app.post('/api/limit-events', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, limitEventBody);
    const r = await recordLimitEvent(ctx.store, {
      actor: { userId: caller.user.id, address: addressOf(c, ctx) },
      input: body,
      now: Date.now(),
      prices: prices(),
    });
    if (r.created) ctx.live.publish(caller.user.id, 'limit_event');
    return c.json({ ...limitEventView(r.event), created: r.created }, r.created ? 201 : 200);
  });

  /** DELETE /api/limit-events/{id}: undo a mark within a minute. */
  app.delete('/api/limit-events/:id', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const event = await undoLimitEventAction(ctx.store, {
      actor: { userId: caller.user.id, address: addressOf(c, ctx) },
      id: c.req.param('id'),
      now: Date.now(),
    });
    ctx.live.publish(caller.user.id, 'limit_event');
    return c.json(limitEventView(event));
  });

  /** GET /api/me/usage: every account of the caller with windows, utilisation, limits and forecast. */
  app.get('/api/me/usage', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    return c.json(meUsageView(await evaluate(caller.user.id, now), now));
  });

  /** GET /api/forecast: when each window's cap comes at the recent burn rate. */
  app.get('/api/forecast', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    return c.json(forecastsView(await evaluate(caller.user.id, now), now));
  });

  /** GET /api/me/pace: which account to use next. */
  app.get('/api/me/pace', async (c) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    return c.json(paceView(await evaluate(caller.user.id, now), now, zoneOf(c)));
  });

  /** GET /api/admin/usage: every user's accounts against their caps; a team total may pass 100%. */
  app.get('/api/admin/usage', async (c) => {
    await requireAdmin(c, ctx);
    const now = Date.now();
    const users = await listUsers(ctx.store.db);
    const rows = [];
    const team = { used_usd: 0, used_tokens: 0, cap: 0, seats: 0 };
    for (const user of users) {
      const evaluated = await evaluate(user.id, now);
      for (const e of evaluated) {
        const month = e.evaluation.windows.monthly;
        const seat = Number(e.account.team_seat) === 1;
        const cap = seat && e.account.per_seat_cap !== null ? Number(e.account.per_seat_cap) : null;
        if (seat) {
          team.seats++;
          team.used_usd += month?.used_usd ?? 0;
          team.used_tokens += month?.used_tokens ?? 0;
          team.cap += cap ?? 0;
        }
        rows.push({
          user: { id: user.id, email: user.email },
          account: { id: e.account.id, uuid: e.account.account_uuid, label: accountLabel(e.account) },
          team_seat: seat,
          per_seat_cap: cap,
          unit: e.evaluation.unit,
          windows: meUsageView([e], now).accounts[0]?.windows ?? {},
          seat_utilization: cap !== null && month ? Math.round(((month.used ?? 0) / cap) * 10_000) / 100 : null,
        });
      }
    }
    const teamUtilization = team.cap > 0 ? Math.round(((team.used_usd || 0) / team.cap) * 10_000) / 100 : null;
    return c.json({
      as_of: new Date(now).toISOString(),
      seats: rows,
      team: {
        seats: team.seats,
        used_usd: Math.round(team.used_usd * 10_000) / 10_000,
        used_tokens: Math.round(team.used_tokens),
        cap: team.cap,
        utilization: teamUtilization,
        note:
          teamUtilization !== null && teamUtilization > 100
            ? 'over 100%: per-seat caps are per seat, and seats that use less do not lend their room to others, so the team total can pass the sum of caps'
            : 'the sum of the seats’ monthly use against the sum of their per-seat caps; it may pass 100%',
      },
    });
  });

  /** Seed 001's /stats (bearer): the caller's busiest account, or ?account= (id or uuid). */
  const stats = async (c: Context) => {
    const caller = await requireCaller(c, ctx);
    const now = Date.now();
    const evaluated = await evaluate(caller.user.id, now);
    const wanted = c.req.query('account');
    const pick = wanted
      ? evaluated.find((e) => e.account.id === wanted || e.account.account_uuid === wanted)
      : [...evaluated].sort(
          (a, b) =>
            (b.evaluation.windows.five_hour?.used_tokens ?? 0) - (a.evaluation.windows.five_hour?.used_tokens ?? 0) ||
            (b.evaluation.windows.monthly?.used_tokens ?? 0) - (a.evaluation.windows.monthly?.used_tokens ?? 0),
        )[0];
    if (!pick) {
      throw new TaktError(
        'not_found',
        wanted ? `no account ${wanted} of yours: GET /api/accounts lists them` : 'no usage yet: send telemetry first',
      );
    }
    return c.json(statsView(pick, now));
  };
  app.get('/stats', stats);
  app.get('/app/claude-usage/stats', stats);
  app.get('/app/claude-usage/stats/', stats);
}

function limitEventView(e: {
  id: string;
  account_id: string;
  kind: string;
  window: string;
  at: number;
  resets_at: number | null;
  source: string;
  undone_at: number | null;
}) {
  return {
    id: e.id,
    account_id: e.account_id,
    kind: e.kind,
    window: e.window,
    at: new Date(Number(e.at)).toISOString(),
    resets_at: e.resets_at === null ? null : new Date(Number(e.resets_at)).toISOString(),
    source: e.source,
    undone: e.undone_at !== null,
  };
}
