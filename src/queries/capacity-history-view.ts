import type { PriceTable } from '../pricing/price-table.ts';
import { type AccountRow, listAllAccounts } from '../store/accounts.ts';
import { listCapacityChanges, listCapacityChangesSince } from '../store/capacity-changes.ts';
import type { Db } from '../store/db.ts';
import { capacityHistory } from '../usage/capacity-history.ts';
import { parsePlanId, planLabel } from '../usage/plans.ts';
import { poolCapacityChanges } from '../usage/pool-capacity-changes.ts';
import { evaluateUserAccounts } from './account-limits.ts';
import { accountLabel } from './limits-view.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
const amount = (n: number, unit: string) => (unit === 'usd' ? round(n, 4) : Math.round(n));

/** How far back the admin's pooled view looks for changes (by when the new capacity started). */
export const POOL_LOOKBACK_MS = 90 * 86_400_000;

/**
 * GET /api/accounts/{id}/capacity-history: per window and unit, the capacity each window
 * measured (usage/capacity-history.ts) over the calibration's lookback, and every step change
 * recorded for the account (kept however old).
 */
export async function capacityHistoryView(db: Db, q: { account: AccountRow; now: number; prices: PriceTable }) {
  const [evaluated] = await evaluateUserAccounts(db, {
    userId: q.account.user_id,
    now: q.now,
    prices: q.prices,
    accounts: [q.account],
  });
  const history = evaluated ? capacityHistory(evaluated.evaluation.samples) : {};
  const changes = await listCapacityChanges(db, [q.account.id]);
  return {
    account: { id: q.account.id, uuid: q.account.account_uuid, label: accountLabel(q.account) },
    as_of: iso(q.now),
    unit: evaluated?.evaluation.unit ?? (q.account.unit === 'tokens' ? 'tokens' : 'usd'),
    windows: Object.fromEntries(
      Object.entries(history).map(([window, byUnit]) => [
        window,
        Object.fromEntries(
          Object.entries(byUnit ?? {}).map(([unit, points]) => [
            unit,
            points.map((p) => ({
              at: iso(p.at),
              capacity: amount(p.capacity, unit),
              spread: p.spread === null ? null : round(p.spread, 4),
              samples: p.samples,
            })),
          ]),
        ),
      ]),
    ),
    changes: changes.map((c) => ({
      window: c.window,
      unit: c.unit,
      before: amount(c.before, c.unit),
      after: amount(c.after, c.unit),
      change_pct: round(c.change_pct, 1),
      since: iso(c.since),
      confidence: c.confidence,
      windows_before: c.windows_before,
      windows_after: c.windows_after,
      recorded_at: iso(c.created_at),
    })),
  };
}

/**
 * GET /api/admin/capacity-changes: the changes of the last 90 days pooled per plan and window
 * ("Max: −22 % since Nov 3, 5 accounts"); accounts without a plan are pooled as `custom`.
 */
export async function adminCapacityChanges(db: Db, now: number) {
  const accounts = (await listAllAccounts(db)).map((a) => ({ id: a.id, plan: parsePlanId(a.plan ?? '') ?? 'custom' }));
  const changes = await listCapacityChangesSince(db, now - POOL_LOOKBACK_MS);
  return {
    as_of: iso(now),
    plans: poolCapacityChanges(accounts, changes).map((p) => ({
      plan: p.plan,
      plan_label: planLabel(p.plan),
      window: p.window,
      change_pct: round(p.change_pct, 1),
      since: iso(p.since),
      accounts: p.accounts,
      of: p.of,
      account_ids: p.account_ids,
    })),
  };
}
