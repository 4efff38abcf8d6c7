import { loadShippedPriceTable, type PriceTable } from '../pricing/price-table.ts';
import type { Db } from '../store/db.ts';
import { hostNamesOf, unlinkedTotals } from '../store/unlinked-usage.ts';
import { loadSourceTotals } from '../store/usage-rows.ts';
import { addListCost, addReportedCost, costFigures, emptyCostSums, listCoster } from '../usage/cost-figures.ts';
import { chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';

/**
 * The caller's usage not yet linked to an account (issue 19.6), for /api/me/usage and the
 * overview: counted once across sources like every other figure, with the machines it came
 * from and what makes takt link it. It is linked by itself, exactly once, as soon as its
 * session or machine sends usage with an account (recording/link-unlinked-usage.ts).
 */
export interface UnlinkedUsageView {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  /** input + output + cache reads + cache writes. */
  total_tokens: number;
  /** What Claude Code reported (usage/cost-figures.ts); null when nothing of it reported a cost. */
  cost_usd: number | null;
  /** The tokens at takt's price table (contracted prices applied when set). */
  list_cost_usd: number | null;
  records: number;
  first_at: string;
  last_at: string;
  /** Host names of the machines it came from ('' for manual entries is left out; "unknown" when none was sent). */
  machines: string[];
  manual_entries: boolean;
  fix: string;
}

export const UNLINKED_FIX =
  'takt links this usage to its account by itself as soon as its session or machine sends usage with an account. ' +
  'On each machine listed: sign in to Claude Code (run `claude`, then /login) so that ~/.claude.json names your account, ' +
  'then run `takt sync`; with OpenTelemetry, leave OTEL_METRICS_INCLUDE_ACCOUNT_UUID unset (or true). ' +
  'Manual entries made before any account are linked to your first account when it appears.';

export async function unlinkedUsageView(
  db: Db,
  userId: string,
  prices: PriceTable = loadShippedPriceTable(),
): Promise<UnlinkedUsageView | null> {
  const rows = await unlinkedTotals(db, userId);
  if (rows.length === 0) return null;
  const chosen = chooseSources(await loadSourceTotals(db, userId, [...new Set(rows.map((r) => r.session_id))]));
  const counted = rows.filter((r) => isCounted(chosen, r));
  if (counted.length === 0) return null;
  const sum = (k: 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens') =>
    counted.reduce((s, r) => s + r[k], 0);
  // Two costs, never mixed: the stored cost_usd is Claude Code's for telemetry, takt's list
  // price for transcripts and manual entries.
  const listCost = listCoster(prices);
  const costs = emptyCostSums();
  for (const r of counted) addListCost(costs, listCost(r, false));
  for (const r of rows) if (countsReportedCost(chosen, r)) addReportedCost(costs, r);
  const machineIds = [...new Set(counted.map((r) => r.machine_id).filter((m) => m !== ''))];
  const names = await hostNamesOf(db, machineIds);
  const input = sum('input_tokens');
  const output = sum('output_tokens');
  const reads = sum('cache_read_tokens');
  const writes = sum('cache_creation_tokens');
  return {
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: reads,
    cache_creation_tokens: writes,
    total_tokens: input + output + reads + writes,
    ...costFigures(costs),
    records: counted.reduce((s, r) => s + r.records, 0),
    first_at: new Date(Math.min(...counted.map((r) => r.first_at))).toISOString(),
    last_at: new Date(Math.max(...counted.map((r) => r.last_at))).toISOString(),
    machines: machineIds.map((id) => names.get(id) || 'unknown').sort(),
    manual_entries: counted.some((r) => r.source === 'manual'),
    fix: UNLINKED_FIX,
  };
}
