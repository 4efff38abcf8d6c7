import type { PriceTable } from '../pricing/price-table.ts';
import type { Db } from '../store/db.ts';
import { listUsers } from '../store/users.ts';
import { evaluateUserAccounts } from './account-limits.ts';
import { accountLabel, meUsageView } from './limits-view.ts';

type Unit = 'usd' | 'tokens';
const pct = (used: number, cap: number) => Math.round((used / cap) * 10_000) / 100;

/**
 * GET /api/admin/usage: every user's accounts against their caps, and the team seats' month
 * totalled per unit — dollars with dollars, tokens with tokens (a seat capped in tokens
 * added to a dollar total made a 158.8 % seat read as a 0 % team; issue 19.10). A unit's
 * total may pass 100 %: seats that use less do not lend their room to others.
 */
export async function adminUsage(db: Db, prices: PriceTable, now: number) {
  const users = await listUsers(db);
  const seats = [];
  const units: Record<Unit, { seats: number; used: number; cap: number }> = {
    usd: { seats: 0, used: 0, cap: 0 },
    tokens: { seats: 0, used: 0, cap: 0 },
  };
  let usedUsd = 0;
  let usedTokens = 0;
  for (const user of users) {
    for (const e of await evaluateUserAccounts(db, { userId: user.id, now, prices })) {
      const month = e.evaluation.windows.monthly;
      const seat = e.account.team_seat;
      const cap = seat && e.account.per_seat_cap !== null ? Number(e.account.per_seat_cap) : null;
      const unit: Unit = e.evaluation.unit;
      if (seat) {
        usedUsd += month?.used_usd ?? 0;
        usedTokens += month?.used_tokens ?? 0;
        const u = units[unit];
        u.seats++;
        u.used += month?.used ?? 0;
        u.cap += cap ?? 0;
      }
      seats.push({
        user: { id: user.id, email: user.email },
        account: { id: e.account.id, uuid: e.account.account_uuid, label: accountLabel(e.account) },
        team_seat: seat,
        per_seat_cap: cap,
        unit,
        windows: meUsageView([e], now).accounts[0]?.windows ?? {},
        seat_utilization: cap !== null && month ? pct(month.used ?? 0, cap) : null,
      });
    }
  }
  const byUnit = (['usd', 'tokens'] as const)
    .filter((unit) => units[unit].seats > 0)
    .map((unit) => {
      const u = units[unit];
      return {
        unit,
        seats: u.seats,
        used: unit === 'usd' ? Math.round(u.used * 10_000) / 10_000 : Math.round(u.used),
        cap: u.cap,
        utilization: u.cap > 0 ? pct(u.used, u.cap) : null,
      };
    });
  const over = byUnit.some((u) => u.utilization !== null && u.utilization > 100);
  return {
    as_of: new Date(now).toISOString(),
    seats,
    team: {
      seats: units.usd.seats + units.tokens.seats,
      used_usd: Math.round(usedUsd * 10_000) / 10_000,
      used_tokens: Math.round(usedTokens),
      by_unit: byUnit,
      note: over
        ? 'over 100%: per-seat caps are per seat, and seats that use less do not lend their room to others, so the team total can pass the sum of caps'
        : 'the sum of the seats’ monthly use against the sum of their per-seat caps, per unit; it may pass 100%',
    },
  };
}
