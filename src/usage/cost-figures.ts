import type { UsageCounts } from '../lib/usage-counts.ts';
import { classCostUsd, compileRates } from '../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import type { UsageSource } from '../store/schema.ts';

/**
 * The two costs every usage answer carries (issue 21.5; docs/api.md, "Two costs"):
 *
 * - `cost_usd`: what Claude Code reported — its OTel `api_request` events and `cost.usage`
 *   metric, which use the organization's contracted prices and residency premium. Transcripts
 *   and manual entries carry no such figure (the cost stored with them is takt's own list
 *   price), so usage from them adds nothing here; per (session, model) the events' or the
 *   metrics' cost, the larger (count-once.ts), also when the tokens count from transcripts;
 *   `null` when no source reported a cost — never a list price passed off as Claude Code's.
 * - `list_cost_usd`: the tokens at takt's price table, with an admin's contracted prices and
 *   residency factor applied when set (pricing/contracted-pricing.ts); `null` when usage
 *   exists and none of its models has a price.
 */
export interface CostFigures {
  cost_usd: number | null;
  list_cost_usd: number | null;
}

/** Whether a source's stored `cost_usd` is Claude Code's own figure (telemetry) rather than takt's. */
export function reportsCost(source: UsageSource): boolean {
  switch (source) {
    case 'event':
    case 'metric':
      return true;
    case 'transcript':
    case 'manual':
      return false;
    default:
      return source satisfies never;
  }
}

type PricedRow = Pick<
  UsageCounts,
  'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens' | 'cache_creation_1h_tokens'
> & { model: string };

/**
 * The list price of a row (null: its model has no price). `perRequest`: the row is one API
 * request, and long-context rates apply when its whole input crossed the threshold; a summed
 * row (an hour of the rollup, a metric interval) is priced at standard rates, since sums cannot
 * tell which requests crossed it. Cache writes without a 5m/1h split count as 5m.
 */
export function listCoster(prices: PriceTable): (r: PricedRow, perRequest: boolean) => number | null {
  const rates = new Map<string, Float64Array>();
  return (r, perRequest) => {
    let modelRates = rates.get(r.model);
    if (!modelRates) {
      modelRates = compileRates([resolveModelPrice(prices, r.model)?.price]);
      rates.set(r.model, modelRates);
    }
    const write1h = Math.min(r.cache_creation_1h_tokens, r.cache_creation_tokens);
    const long =
      perRequest &&
      r.input_tokens + r.cache_creation_tokens + r.cache_read_tokens > (modelRates[5] ?? Number.POSITIVE_INFINITY);
    const usd = classCostUsd(
      modelRates,
      0,
      long,
      false,
      r.input_tokens,
      r.output_tokens,
      r.cache_creation_tokens - write1h,
      write1h,
      r.cache_read_tokens,
    );
    return Number.isFinite(usd) ? usd : null;
  };
}

/** Running sums of both costs over rows. */
export interface CostSums {
  reported: number;
  reportingRows: number;
  list: number;
  pricedRows: number;
  unpricedRows: number;
}

export const emptyCostSums = (): CostSums => ({
  reported: 0,
  reportingRows: 0,
  list: 0,
  pricedRows: 0,
  unpricedRows: 0,
});

/** Adds the list price of a row whose tokens count (null: its model has no price). */
export function addListCost(s: CostSums, list: number | null): void {
  if (list === null) s.unpricedRows++;
  else {
    s.list += list;
    s.pricedRows++;
  }
}

/** Adds a row's stored cost as Claude Code's: only for the rows count-once.ts's countsReportedCost picks. */
export function addReportedCost(s: CostSums, r: { cost_usd: number }): void {
  s.reported += r.cost_usd;
  s.reportingRows++;
}

export function addCostSums(into: CostSums, from: Readonly<CostSums>): void {
  into.reported += from.reported;
  into.reportingRows += from.reportingRows;
  into.list += from.list;
  into.pricedRows += from.pricedRows;
  into.unpricedRows += from.unpricedRows;
}

/** Dollars to a millionth of a cent: sums of doubles carry noise far below that. */
const roundUsd = (usd: number) => Math.round(usd * 1e8) / 1e8;

export function costFigures(s: Readonly<CostSums>): CostFigures {
  return {
    cost_usd: s.reportingRows === 0 ? null : roundUsd(s.reported),
    list_cost_usd: s.pricedRows === 0 && s.unpricedRows > 0 ? null : roundUsd(s.list),
  };
}
