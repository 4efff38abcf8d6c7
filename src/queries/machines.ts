import { loadShippedPriceTable, type PriceTable } from '../pricing/price-table.ts';
import type { Db } from '../store/db.ts';
import { listMachines } from '../store/machines.ts';
import { loadSourceTotals, loadUsageRows } from '../store/usage-rows.ts';
import {
  addListCost,
  addReportedCost,
  type CostSums,
  costFigures,
  emptyCostSums,
  listCoster,
} from '../usage/cost-figures.ts';
import { chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';
import { offsetFunction } from '../usage/local-time.ts';

/** The /validate rules: telemetry in the last 5 minutes is active, within the hour recent, older stale. */
export type TrackingStatus = 'active' | 'recent' | 'stale';

export function trackingStatus(lastSeenAt: number, now: number): TrackingStatus {
  const age = now - lastSeenAt;
  return age <= 5 * 60_000 ? 'active' : age <= 60 * 60_000 ? 'recent' : 'stale';
}

export interface MachineView {
  id: string;
  host_name: string;
  tracking_status: TrackingStatus;
  last_seen_at: string;
  /** Input + output + cache reads + cache writes since the start of today in the asked zone, counted once. */
  tokens_today: number;
  /** What Claude Code reported today (usage/cost-figures.ts); null when nothing reported a cost. */
  cost_usd_today: number | null;
  /** Today's tokens at takt's price table (contracted prices applied when set). */
  list_cost_usd_today: number | null;
}

/** GET /api/me/machines: each machine's tracking status, last data time and today's tokens. */
export async function myMachines(
  db: Db,
  q: { userId: string; now: number; startOfToday: number; prices?: PriceTable },
): Promise<MachineView[]> {
  const listCost = listCoster(q.prices ?? loadShippedPriceTable());
  const machines = await listMachines(db, q.userId);
  const rows = await loadUsageRows(db, { userId: q.userId, from: q.startOfToday, to: q.now + 1 });
  const chosen = chooseSources(await loadSourceTotals(db, q.userId, [...new Set(rows.map((r) => r.session_id))]));
  // Two costs, never mixed: the stored cost_usd is Claude Code's for telemetry and takt's own
  // list price for transcripts and manual entries (docs/api.md, "Two costs").
  const today = new Map<string, { tokens: number; cost: CostSums }>();
  for (const r of rows) {
    const counted = isCounted(chosen, r);
    const reported = countsReportedCost(chosen, r);
    if (!counted && !reported) continue;
    const t = today.get(r.machine_id) ?? { tokens: 0, cost: emptyCostSums() };
    if (counted) {
      t.tokens += r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_creation_tokens;
      addListCost(t.cost, listCost(r, false));
    }
    if (reported) addReportedCost(t.cost, r);
    today.set(r.machine_id, t);
  }
  return machines
    .map((m) => ({
      id: m.id,
      host_name: m.host_name || '(unknown)',
      tracking_status: trackingStatus(m.last_seen_at, q.now),
      last_seen_at: new Date(m.last_seen_at).toISOString(),
      tokens_today: today.get(m.id)?.tokens ?? 0,
      ...costsToday(today.get(m.id)?.cost),
    }))
    .sort((a, b) => (a.last_seen_at < b.last_seen_at ? 1 : a.last_seen_at > b.last_seen_at ? -1 : 0));
}

function costsToday(c: CostSums | undefined): Pick<MachineView, 'cost_usd_today' | 'list_cost_usd_today'> {
  const f = costFigures(c ?? emptyCostSums());
  return { cost_usd_today: f.cost_usd, list_cost_usd_today: f.list_cost_usd };
}

/** Midnight of `now`'s day in a zone, as an instant. */
export function startOfDayIn(now: number, timeZone: string): number {
  const offsetAt = offsetFunction(timeZone);
  const localMidnight = Math.floor((now + offsetAt(now)) / 86_400_000) * 86_400_000;
  return localMidnight - offsetAt(localMidnight - offsetAt(now));
}
