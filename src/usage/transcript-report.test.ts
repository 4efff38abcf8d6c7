import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { responseCostUsd } from '../pricing/calculate-cost.ts';
import { loadShippedPriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import { HOUR_MS, QUARTER_MS, quarterHourSums } from '../transcripts/quarter-hour-sums.ts';
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

describe('buildReport from quarter-hour sums', () => {
  const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kolkata'];
  // Around the end of European summer time (2026-10-25) and Lord Howe's half-hour change (2026-10-04).
  const FROM = Date.parse('2026-10-02T00:00:00Z');
  const usageLine = fc.record({
    model: fc.constantFrom(...MODELS),
    atMs: fc.integer({ min: 0, max: 30 * DAY }),
    input: tokens,
    output: fc.integer({ min: 0, max: 30_000 }),
    cacheWrite5m: tokens,
    cacheWrite1h: tokens,
    cacheRead: tokens,
    fast: fc.boolean(),
    reported: fc.option(fc.double({ min: 0, max: 5, noNaN: true }), { nil: undefined }),
    iteration: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    project: fc.constantFrom('p', 'q'),
    dead: fc.boolean(),
  });
  const options = fc.record({
    kind: fc.constantFrom('daily' as const, 'weekly' as const, 'monthly' as const),
    timeZone: fc.constantFrom(...ZONES),
    breakdown: fc.boolean(),
    weekStart: fc.integer({ min: 0, max: 6 }),
    since: fc.option(fc.constantFrom('2026-10-04', '2026-10-25'), { nil: undefined }),
    until: fc.option(fc.constantFrom('2026-10-10', '2026-10-26'), { nil: undefined }),
  });

  it('equals the report summed from rows (zones off whole hours, DST changes, --since/--until, iterations, costUSD)', () => {
    fc.assert(
      fc.property(fc.array(usageLine, { minLength: 1, maxLength: 80 }), options, (lines, o) => {
        const table = new UsageTable();
        const rows = lines.map((l, i) =>
          table.addLine(
            {
              key: `msg_${i}`,
              timestampMs: FROM + l.atMs,
              model: l.model,
              sessionId: 's',
              input: l.input,
              output: l.output,
              cacheWrite5m: l.cacheWrite5m,
              cacheWrite1h: l.cacheWrite1h,
              cacheRead: l.cacheRead,
              fast: l.fast,
              reportedCostUsd: l.reported ?? Number.NaN,
              ...(l.iteration === undefined ? {} : { iteration: l.iteration }),
            },
            l.project,
          ),
        );
        lines.forEach((l, i) => {
          if (l.dead) table.release(rows[i] as number);
        });
        const reportOptions = { ...o, now: FROM + 40 * DAY };
        const fromRows = buildReport(table, prices, reportOptions);
        table.quarterSums = quarterHourSums(table, QUARTER_MS);
        expect(buildReport(table, prices, reportOptions)).toEqual(fromRows);
        table.hourSums = quarterHourSums(table, HOUR_MS);
        expect(buildReport(table, prices, reportOptions)).toEqual(fromRows);
      }),
      { numRuns: 300 },
    );
  });

  it('sums the quarter-hour sums, not the rows, when it can', () => {
    const table = new UsageTable();
    table.addLine(
      {
        key: 'msg_1',
        timestampMs: Date.parse('2026-11-02T10:20:00Z'),
        model: 'claude-haiku-4-5-20251001',
        sessionId: 's',
        input: 10,
        output: 20,
        cacheWrite5m: 30,
        cacheWrite1h: 40,
        cacheRead: 50,
        fast: false,
        reportedCostUsd: Number.NaN,
      },
      'p',
    );
    table.quarterSums = quarterHourSums(table);
    table.count = 0; // the rows are gone; the sums still answer
    const options = { kind: 'daily' as const, timeZone: 'Asia/Kolkata', breakdown: false, weekStart: 1, now: START };
    const report = buildReport(table, prices, options);
    expect(report.rows.map((r) => [r.date, r.total_tokens])).toEqual([['2026-11-02', 150]]);
    // A project filter cannot be answered from them: the rows (none left here) are summed.
    expect(buildReport(table, prices, { ...options, project: 'p' }).totals.total_tokens).toBe(0);
  });
});
