import type { Hono } from 'hono';
import { accountLabel, meUsageView } from '../../../queries/limits-view.ts';
import { listUsers } from '../../../store/users.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin } from '../../authenticate.ts';
import { accountEvaluator } from './evaluate.ts';

export function registerAdminUsageRoute(app: Hono, ctx: AppContext): void {
  const evaluate = accountEvaluator(ctx);

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
}
