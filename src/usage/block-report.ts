import type { UsageTable } from '../transcripts/usage-table.ts';
import { roundUsd } from './group-sums.ts';
import type { ReportRow } from './report-types.ts';
import type { SessionBlock } from './session-blocks.ts';

/**
 * The shortest span a burn rate is measured over. Tokens over the seconds between a burst's
 * first and last response made 5,400,000 tokens a minute and projections of a billion
 * tokens; a quarter of an hour is long enough for a pace and short next to the 5-hour block.
 */
export const MIN_RATE_SPAN_MS = 15 * 60_000;

/** All tokens of a block (the budget `--token-limit max` compares). */
export function blockTotal(table: UsageTable, block: SessionBlock): number {
  const c = table.columns;
  let total = 0;
  for (const row of block.rows) {
    total +=
      (c.input[row] as number) +
      (c.output[row] as number) +
      (c.cacheWrite5m[row] as number) +
      (c.cacheWrite1h[row] as number) +
      (c.cacheRead[row] as number);
  }
  return total;
}

/** A block's report row: its times, sums, and for the active block a burn rate and projection. */
export function blockRow(
  block: SessionBlock,
  base: ReportRow,
  now: number,
  limit: number | undefined,
): ReportRow & Record<string, unknown> {
  const row: ReportRow & Record<string, unknown> = {
    start: new Date(block.start).toISOString(),
    end: new Date(block.end).toISOString(),
    first_activity: new Date(block.firstActivity).toISOString(),
    last_activity: new Date(block.lastActivity).toISOString(),
    is_active: block.isActive,
    estimated: true,
    ...base,
  };
  if (block.isActive) {
    // A burst of a few seconds is not a pace: no rate until MIN_RATE_SPAN_MS has passed
    // since the first activity, and then one over at least that span (docs/decisions.md).
    const minutes = Math.max(block.lastActivity - block.firstActivity, MIN_RATE_SPAN_MS) / 60_000;
    const remainingMinutes = Math.max(0, (block.end - now) / 60_000);
    if (now - block.firstActivity >= MIN_RATE_SPAN_MS) {
      const tokensPerMinute = base.total_tokens / minutes;
      // The price table's cost: Claude Code's own figure is in too few transcripts for a pace.
      const costPerHour = (base.list_cost_usd / minutes) * 60;
      row.burn_rate = {
        tokens_per_minute: Math.round(tokensPerMinute),
        output_tokens_per_minute: Math.round(base.output_tokens / minutes),
        list_cost_per_hour_usd: roundUsd(costPerHour),
      };
      row.projection = {
        total_tokens: Math.round(base.total_tokens + tokensPerMinute * remainingMinutes),
        list_cost_usd: roundUsd(base.list_cost_usd + (costPerHour * remainingMinutes) / 60),
        remaining_minutes: Math.round(remainingMinutes),
      };
    } else {
      row.burn_rate = null;
      row.projection = null;
    }
  }
  if (limit !== undefined && limit > 0) {
    const projection = row.projection as { total_tokens: number } | null | undefined;
    row.token_limit = {
      limit,
      used_percentage: Math.round((base.total_tokens / limit) * 1000) / 10,
      projected_percentage: projection ? Math.round((projection.total_tokens / limit) * 1000) / 10 : null,
      exceeded: base.total_tokens > limit,
    };
  }
  return row;
}
