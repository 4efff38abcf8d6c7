import { describe, expect, it } from 'vitest';
import { loadShippedPriceTable } from '../pricing/price-table.ts';
import { UsageTable } from '../transcripts/usage-table.ts';
import { buildReport } from './transcript-report.ts';

const prices = loadShippedPriceTable();
const FIRST = Date.parse('2026-11-21T10:00:00Z');
const MINUTE = 60_000;

/** A burst: three responses of 150,000 input tokens within five seconds, from 10:00:00. */
function burst(): UsageTable {
  const table = new UsageTable();
  [0, 2_000, 5_000].forEach((after, i) => {
    table.addLine(
      {
        key: `msg_${i}`,
        timestampMs: FIRST + after,
        model: 'claude-haiku-4-5-20251001',
        sessionId: 's',
        input: 150_000,
        output: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        cacheRead: 0,
        fast: false,
        reportedCostUsd: Number.NaN,
      },
      'p',
    );
  });
  return table;
}

const blocksAt = (now: number) =>
  buildReport(burst(), prices, {
    kind: 'blocks',
    timeZone: 'UTC',
    breakdown: false,
    weekStart: 1,
    now,
    tokenLimit: 1_000_000,
  }).rows;

describe('the active block after a burst', () => {
  it('has no burn rate or projection until 15 minutes after its first activity', () => {
    const [block] = blocksAt(FIRST + 2 * MINUTE);
    expect(block).toMatchObject({ is_active: true, total_tokens: 450_000, burn_rate: null, projection: null });
    expect(block?.token_limit).toEqual({
      limit: 1_000_000,
      used_percentage: 45,
      projected_percentage: null,
      exceeded: false,
    });
  });

  it('measures the rate over at least 15 minutes, not over the seconds the burst took', () => {
    const [block] = blocksAt(FIRST + 30 * MINUTE);
    // 450,000 tokens over 15 minutes: 30,000 a minute; 270 minutes left until 15:00
    expect(block?.burn_rate).toMatchObject({ tokens_per_minute: 30_000, output_tokens_per_minute: 0 });
    expect(block?.projection).toMatchObject({ total_tokens: 8_550_000, remaining_minutes: 270 });
  });
});
