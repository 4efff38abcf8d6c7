import { describe, expect, it } from 'vitest';
import { loadShippedPriceTable } from '../pricing/price-table.ts';
import type { UsageTotalRow } from '../store/usage-rows.ts';
import { usageByAccount } from './limits-metrics.ts';

const row = (source: UsageTotalRow['source'], input: number, output: number, cost: number): UsageTotalRow => ({
  account_id: 'acc',
  session_id: 's',
  model: 'claude-sonnet-4-5-20250929',
  source,
  input_tokens: input,
  output_tokens: output,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  cache_creation_5m_tokens: 0,
  cache_creation_1h_tokens: 0,
  cost_usd: cost,
});

describe('usageByAccount (takt_cost_usd_total)', () => {
  it("reported is Claude Code's figure only: the metrics' cost beside transcript tokens, never a transcript's list price", () => {
    // The transcript's stored cost ($0.0105) is takt's list price of 1,000 in + 500 out.
    const usage = usageByAccount(
      [row('transcript', 1000, 500, 0.0105), row('metric', 800, 400, 0.3)],
      loadShippedPriceTable(),
    );
    const acc = usage.get('acc');
    expect([acc?.reported, Math.round((acc?.list ?? 0) * 1e8) / 1e8]).toEqual([0.3, 0.0105]);
    expect(acc?.tokens.map((t) => [t.source, t.type, t.value])).toEqual([
      ['transcript', 'input', 1000],
      ['transcript', 'output', 500],
      ['transcript', 'cache_read', 0],
      ['transcript', 'cache_creation', 0],
    ]);
  });
});
