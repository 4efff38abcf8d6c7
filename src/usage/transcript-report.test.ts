import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { responseCostUsd } from '../pricing/calculate-cost.ts';
import { loadShippedPriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import type { UsageLine } from '../transcripts/scan-usage-lines.ts';
import { UsageTable } from '../transcripts/usage-table.ts';
import { buildReport } from './transcript-report.ts';

const prices = loadShippedPriceTable();
// Long-context and fast rates (opus-4-6), long-context only (sonnet-4-5), neither (haiku), no price.
const MODELS = ['claude-opus-4-6', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-mystery-9'];
const DAY = 86_400_000;
const START = Date.parse('2026-11-01T00:00:00Z');

const tokens = fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 150_000 }));
const line = fc.record({
  model: fc.constantFrom(...MODELS),
  day: fc.integer({ min: 0, max: 3 }),
  minute: fc.integer({ min: 0, max: 1439 }),
  input: tokens,
  output: fc.integer({ min: 0, max: 30_000 }),
  cacheWrite5m: tokens,
  cacheWrite1h: tokens,
  cacheRead: tokens,
  fast: fc.boolean(),
});

describe('buildReport', () => {
  it('prices sums per class exactly as pricing every response: long-context, fast, unpriced', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 60 }), (lines) => {
        const table = new UsageTable();
        const expected = new Map<string, number>();
        const unpriced = new Set<string>();
        lines.forEach((l, i) => {
          const usage: UsageLine = {
            key: `msg_${i}`,
            timestampMs: START + l.day * DAY + l.minute * 60_000,
            model: l.model,
            sessionId: 's',
            input: l.input,
            output: l.output,
            cacheWrite5m: l.cacheWrite5m,
            cacheWrite1h: l.cacheWrite1h,
            cacheRead: l.cacheRead,
            fast: l.fast,
            reportedCostUsd: Number.NaN,
          };
          table.addLine(usage, 'p');
          const date = new Date(usage.timestampMs).toISOString().slice(0, 10);
          const price = resolveModelPrice(prices, l.model)?.price;
          if (price === undefined) unpriced.add(l.model);
          else expected.set(date, (expected.get(date) ?? 0) + responseCostUsd(price, usage));
        });
        const report = buildReport(table, prices, {
          kind: 'daily',
          timeZone: 'UTC',
          breakdown: false,
          weekStart: 1,
          now: START + 5 * DAY,
        });
        for (const row of report.rows) {
          expect(row.list_cost_usd).toBeCloseTo(expected.get(row.date as string) ?? 0, 5);
        }
        expect(report.totals.unpriced_models).toEqual([...unpriced].sort());
        const all = [...expected.values()].reduce((a, b) => a + b, 0);
        expect(report.totals.list_cost_usd).toBeCloseTo(all, 5);
      }),
      { numRuns: 300 },
    );
  });
});
