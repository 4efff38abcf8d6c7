import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLASS_FAST,
  CLASS_LONG,
  HOUR_MS,
  LONG_CONTEXT_SPLIT,
  QS_FIELDS,
  QS_INPUT,
  QS_RESPONSES,
  quarterHourSums,
  sumsOverHours,
} from './quarter-hour-sums.ts';
import type { UsageLine } from './scan-usage-lines.ts';
import { UsageTable } from './usage-table.ts';

const START = Date.parse('2026-11-01T00:00:00Z');

function tableOf(lines: Array<Partial<UsageLine> & { atMs: number }>): UsageTable {
  const table = new UsageTable();
  lines.forEach((l, i) => {
    table.addLine(
      {
        key: `msg_${i}`,
        timestampMs: START + l.atMs,
        model: l.model ?? 'claude-opus-4-6',
        sessionId: 's',
        input: l.input ?? 0,
        output: l.output ?? 0,
        cacheWrite5m: l.cacheWrite5m ?? 0,
        cacheWrite1h: 0,
        cacheRead: l.cacheRead ?? 0,
        fast: l.fast ?? false,
        reportedCostUsd: l.reportedCostUsd ?? Number.NaN,
      },
      'p',
    );
  });
  return table;
}

/** Per hour, model and class: the summed fields (entries continued past 2^32 − 1 added up). */
function byKey(sums: { numbers: Uint32Array; reported: Float64Array }) {
  const out = new Map<string, number[]>();
  for (let e = 0; e * QS_FIELDS < sums.numbers.length; e++) {
    const n = Array.from(sums.numbers.subarray(e * QS_FIELDS, (e + 1) * QS_FIELDS));
    const key = n.slice(0, QS_INPUT).join('/');
    const was = out.get(key) ?? new Array(QS_FIELDS - QS_INPUT + 1).fill(0);
    out.set(key, [
      ...n.slice(QS_INPUT).map((v, i) => v + (was[i] as number)),
      (was.at(-1) as number) + (sums.reported[e] as number),
    ]);
  }
  return out;
}

const line = fc.record({
  atMs: fc.integer({ min: 0, max: 3 * 86_400_000 }),
  model: fc.constantFrom('claude-opus-4-6', 'claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929'),
  input: fc.integer({ min: 0, max: 300_000 }),
  output: fc.integer({ min: 0, max: 30_000 }),
  cacheRead: fc.integer({ min: 0, max: 150_000 }),
  fast: fc.boolean(),
  reportedCostUsd: fc.option(
    fc.integer({ min: 0, max: 1000 }).map((c) => c / 8),
    { nil: Number.NaN },
  ),
});

/** The sums per hour, model name and class, summed here line by line (no builder involved). */
function expectedSums(
  lines: Array<{
    atMs: number;
    model: string;
    input: number;
    output: number;
    cacheRead: number;
    fast: boolean;
    reportedCostUsd: number;
  }>,
) {
  const out = new Map<string, number[]>();
  for (const l of lines) {
    const cls = (l.fast ? CLASS_FAST : 0) | (l.input + l.cacheRead > LONG_CONTEXT_SPLIT ? CLASS_LONG : 0);
    const key = `${Math.floor((START + l.atMs) / HOUR_MS)}/${l.model}/${cls}`;
    const was = out.get(key) ?? [0, 0, 0, 0, 0, 0];
    const priced = !Number.isNaN(l.reportedCostUsd);
    out.set(key, [
      (was[0] as number) + l.input,
      (was[1] as number) + l.output,
      (was[2] as number) + l.cacheRead,
      (was[3] as number) + 1,
      (was[4] as number) + (priced ? 1 : 0),
      (was[5] as number) + (priced ? l.reportedCostUsd : 0),
    ]);
  }
  return out;
}

/** byKey with model names for numbers, in the fields expectedSums keeps. */
function byName(table: UsageTable, sums: { numbers: Uint32Array; reported: Float64Array }) {
  const out = new Map<string, number[]>();
  for (const [key, v] of byKey(sums)) {
    const [period, model, cls] = key.split('/').map(Number) as [number, number, number];
    const f = (i: number) => v[i - QS_INPUT] as number;
    out.set(`${period}/${table.models.values[model]}/${cls}`, [
      f(QS_INPUT),
      f(QS_INPUT + 1),
      f(QS_INPUT + 4),
      f(QS_RESPONSES),
      f(QS_RESPONSES + 1),
      v.at(-1) as number,
    ]);
  }
  return out;
}

describe('quarterHourSums', () => {
  it('sums every line once into its hour, model and class, whatever the order of the rows', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), fc.boolean(), (lines, ordered) => {
        const input = ordered ? [...lines].sort((a, b) => a.atMs - b.atMs) : lines;
        const table = tableOf(input);
        expect(byName(table, quarterHourSums(table, HOUR_MS))).toEqual(expectedSums(input));
        expect(byName(table, sumsOverHours(quarterHourSums(table)))).toEqual(expectedSums(input));
      }),
      { numRuns: 300 },
    );
  });

  it('continues a full hour in its latest entry when the rows come back to it out of order', () => {
    const big = 2 ** 32 - 10;
    const table = tableOf([
      // One class (over 200,000 tokens) throughout.
      { atMs: 60_000, input: big },
      { atMs: 10 * 60_000, input: 20, cacheRead: 300_000 }, // continues the hour in a second entry
      { atMs: 3 * HOUR_MS, input: 1, cacheRead: 300_000 }, // a later hour
      { atMs: 30 * 60_000, input: 20, cacheRead: 300_000 }, // back: into the second entry (the first is full), not a third
    ]);
    const hours = quarterHourSums(table, HOUR_MS);
    const entries = Array.from({ length: hours.numbers.length / QS_FIELDS }, (_, e) =>
      Array.from(hours.numbers.subarray(e * QS_FIELDS, (e + 1) * QS_FIELDS)),
    );
    expect(entries.map((n) => [n[0], n[QS_INPUT], n[QS_RESPONSES]])).toEqual([
      [START / HOUR_MS, big, 1],
      [START / HOUR_MS, 40, 2],
      [START / HOUR_MS + 3, 1, 1],
    ]);
  });
});

describe('sumsOverHours', () => {
  it('equals a pass over the rows: the same entries in the same order for rows in time order', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), fc.boolean(), (lines, ordered) => {
        const table = tableOf(ordered ? [...lines].sort((a, b) => a.atMs - b.atMs) : lines);
        const fromRows = quarterHourSums(table, HOUR_MS);
        const fromQuarters = sumsOverHours(quarterHourSums(table));
        expect(fromQuarters.spanMs).toBe(HOUR_MS);
        // In any order, the same sums per hour, model and class (costs in eighths: exact in binary).
        expect(byKey(fromQuarters)).toEqual(byKey(fromRows));
        if (ordered) {
          expect(fromQuarters.numbers).toEqual(fromRows.numbers);
          expect(fromQuarters.reported).toEqual(fromRows.reported);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('continues an hour in another entry where a sum would pass 2^32 - 1', () => {
    const big = 2 ** 32 - 10;
    const table = tableOf([
      { atMs: 60_000, input: big },
      // One class with the first (over 200,000 tokens): the same entry unless it would overflow.
      { atMs: 20 * 60_000, input: 5, cacheRead: 300_000 },
      { atMs: 40 * 60_000, input: 20, output: 3, cacheRead: 300_000 },
    ]);
    const hours = sumsOverHours(quarterHourSums(table));
    const entries = Array.from({ length: hours.numbers.length / QS_FIELDS }, (_, e) =>
      Array.from(hours.numbers.subarray(e * QS_FIELDS, (e + 1) * QS_FIELDS)),
    );
    expect(entries.map((n) => [n[0], n[QS_INPUT], n[QS_RESPONSES]])).toEqual([
      [START / HOUR_MS, big + 5, 2],
      [START / HOUR_MS, 20, 1],
    ]);
  });
});
