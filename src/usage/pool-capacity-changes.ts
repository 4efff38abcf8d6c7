import { median } from './calibration.ts';

/**
 * The admin's view of capacity changes across accounts of one plan ("Max: −22 % since Nov 3,
 * 5 accounts"): a policy change shows on many accounts of the same plan at once, a quirk of
 * one person's usage on one. Per plan and window, each account's latest recorded change
 * counts once; the pooled change and date are the medians of theirs.
 */
export interface PooledCapacityChange {
  plan: string;
  window: string;
  /** Accounts of this plan with a change of this window recorded. */
  accounts: number;
  /** Accounts of this plan in all. */
  of: number;
  change_pct: number;
  since: number;
  /** The account ids counted. */
  account_ids: string[];
}

export function poolCapacityChanges(
  accounts: readonly { id: string; plan: string }[],
  changes: readonly { account_id: string; window: string; change_pct: number; since: number }[],
): PooledCapacityChange[] {
  const planOf = new Map(accounts.map((a) => [a.id, a.plan]));
  const latest = new Map<string, { account_id: string; window: string; change_pct: number; since: number }>();
  for (const c of changes) {
    const key = `${c.account_id}|${c.window}`;
    const seen = latest.get(key);
    if (planOf.has(c.account_id) && (!seen || c.since > seen.since)) latest.set(key, c);
  }
  const groups = new Map<
    string,
    { plan: string; window: string; items: { account_id: string; change_pct: number; since: number }[] }
  >();
  for (const c of latest.values()) {
    const plan = planOf.get(c.account_id) as string;
    const key = `${plan}|${c.window}`;
    const g = groups.get(key) ?? { plan, window: c.window, items: [] };
    g.items.push(c);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => ({
      plan: g.plan,
      window: g.window,
      accounts: g.items.length,
      of: accounts.filter((a) => a.plan === g.plan).length,
      change_pct: median(g.items.map((i) => i.change_pct)),
      since: Math.round(median(g.items.map((i) => i.since))),
      account_ids: g.items.map((i) => i.account_id).sort(),
    }))
    .sort((a, b) => b.accounts - a.accounts || a.plan.localeCompare(b.plan) || a.window.localeCompare(b.window));
}
