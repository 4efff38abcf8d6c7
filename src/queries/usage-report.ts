import { TaktError } from '../lib/errors.ts';
import { addUsage, emptyUsage, type UsageCounts } from '../lib/usage-counts.ts';
import type { Db } from '../store/db.ts';
import { loadSourceTotals, loadUsageRows, type UsageRow } from '../store/usage-rows.ts';
import { chooseSources, isCounted } from '../usage/count-once.ts';

export const groupByValues = ['day', 'model', 'session', 'machine', 'account', 'source'] as const;
export type UsageGroupBy = (typeof groupByValues)[number];

/** Token counts by type and Claude Code's own cost. */
export type UsageTotals = UsageCounts;

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  groups: ({ key: string } & UsageTotals)[];
}

/**
 * A user's usage in [from, to), totalled and optionally grouped.
 *
 * Counting rule (docs/decisions.md, "One request, one count"; usage/count-once.ts):
 * an api_request event and a transcript record of one request are stored once; for each
 * (session, model) takt counts either the per-request sources or metrics, whichever
 * has the larger token total over the session's life — never both — so any source alone
 * still counts everything and all together count once. Manual entries always add.
 * group_by=source says which source each counted figure came from.
 *
 * Whole hours are read from the hourly rollup; only the partial hours at the edges
 * of the range read raw records (store/usage-rows.ts).
 */
export async function queryUsage(
  db: Db,
  q: { userId: string; from: number; to: number; groupBy?: UsageGroupBy; timeZone?: string },
): Promise<UsageReport> {
  if (!(q.to > q.from)) throw new TaktError('bad_request', '`to` must be later than `from`');
  const tz = q.timeZone ?? 'UTC';
  const dayOf = dayFormatter(tz);
  const rows = await loadUsageRows(db, q);

  const chosen = chooseSources(await loadSourceTotals(db, q.userId, [...new Set(rows.map((r) => r.session_id))]));
  const names = q.groupBy === 'machine' || q.groupBy === 'account' ? await labels(db, q.userId, q.groupBy) : undefined;
  const totals = emptyUsage();
  const groups = new Map<string, UsageTotals>();
  for (const r of rows) {
    if (!isCounted(chosen, r)) continue;
    addUsage(totals, r);
    if (!q.groupBy) continue;
    const key = groupKey(q.groupBy, r, dayOf, names);
    let g = groups.get(key);
    if (!g) {
      g = emptyUsage();
      groups.set(key, g);
    }
    addUsage(g, r);
  }
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    totals: round(totals),
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, t]) => ({ key, ...round(t) })),
  };
}

async function labels(db: Db, userId: string, by: 'machine' | 'account'): Promise<Map<string, string>> {
  if (by === 'machine') {
    const rows = await db.selectFrom('machines').select(['id', 'host_name']).where('user_id', '=', userId).execute();
    return new Map(rows.map((r) => [r.id, r.host_name || '(unknown)']));
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'account_key', 'email'])
    .where('user_id', '=', userId)
    .execute();
  return new Map(rows.map((r) => [r.id, r.email ?? r.account_key]));
}

function groupKey(
  by: UsageGroupBy,
  r: UsageRow,
  dayOf: (ms: number) => string,
  names: Map<string, string> | undefined,
): string {
  switch (by) {
    case 'day':
      return dayOf(r.at);
    case 'model':
      return r.model || '(unknown)';
    case 'session':
      return r.session_id || '(unknown)';
    case 'machine':
      return names?.get(r.machine_id) ?? '(unknown)';
    case 'account':
      return r.account_id ? (names?.get(r.account_id) ?? r.account_id) : '(unknown)';
    case 'source':
      return r.source;
    default:
      return by satisfies never;
  }
}

export function dayFormatter(timeZone: string): (ms: number) => string {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    throw new TaktError('bad_request', `unknown time zone ${timeZone}: use an IANA name such as Europe/Berlin or UTC`);
  }
  return (ms) => fmt.format(ms);
}

/** Dollars to a millionth of a cent: sums of doubles carry noise far below that. */
function round(t: UsageTotals): UsageTotals {
  return { ...t, cost_usd: Math.round(t.cost_usd * 1e8) / 1e8 };
}
