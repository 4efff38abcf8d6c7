import { ITERATION_MASK, ITERATION_SHIFT } from './iteration-types.ts';
import { FLAG_FAST, type UsageTable } from './usage-table.ts';

/**
 * The live responses of a usage table summed per quarter hour (UTC), model and class: what a
 * daily, weekly or monthly report needs, saved in the index so that a warm run sums ~8,500
 * entries instead of 90,000 rows (issue 24.2). Quarter hours because every zone in use today
 * is offset from UTC by a multiple of 15 minutes (+5:30, +5:45, −3:30 …): each quarter falls on
 * one local date; a report checks that it does and counts rows where it does not.
 *
 * A class is what prices a response besides its tokens, and what a report splits them by:
 * fast mode (bit 0), a request over LONG_CONTEXT_SPLIT tokens (bit 1), and the
 * `usage.iterations[]` part (bits 2–3, as in the flags column). Prices are not known here
 * (the price table may change between runs): the split is at the one long-context threshold
 * Anthropic's prices have (200,000 tokens); a report whose price table has another counts rows.
 */
export const QUARTER_MS = 900_000;
export const LONG_CONTEXT_SPLIT = 200_000;
export const CLASS_FAST = 1;
export const CLASS_LONG = 2;
export const CLASS_ITERATION_SHIFT = 2;

/** Numbers per entry: quarter (ms / QUARTER_MS), model, class, then the sums. */
export const QS_FIELDS = 11;
export const QS_QUARTER = 0;
export const QS_MODEL = 1;
export const QS_CLASS = 2;
export const QS_INPUT = 3;
export const QS_OUTPUT = 4;
export const QS_WRITE_5M = 5;
export const QS_WRITE_1H = 6;
export const QS_READ = 7;
export const QS_RESPONSES = 8;
/** The sum of Claude Code's reported costUSD, and how many responses carried one. */
export const QS_REPORTED = 9;
export const QS_REPORTED_ROWS = 10;

/** Entries in quarter order (the table's rows are in time order after compacting; any order works). */
export function quarterHourSums(table: UsageTable): Float64Array {
  const c = table.columns;
  const entries: number[] = [];
  let quarter = Number.NaN;
  let at = new Map<number, number>(); // model × 16 + class → entry's offset, for the current quarter
  const seen = new Map<number, Map<number, number>>(); // quarters left behind (rows out of time order)
  for (let row = 0; row < table.count; row++) {
    if (!table.isLive(row)) continue;
    const q = Math.floor((c.timestampMs[row] as number) / QUARTER_MS);
    if (q !== quarter) {
      if (!Number.isNaN(quarter)) seen.set(quarter, at);
      quarter = q;
      at = seen.get(q) ?? new Map();
    }
    const flags = c.flags[row] as number;
    const fresh = c.input[row] as number;
    const w5 = c.cacheWrite5m[row] as number;
    const w1 = c.cacheWrite1h[row] as number;
    const read = c.cacheRead[row] as number;
    const cls =
      ((flags & FLAG_FAST) === 0 ? 0 : CLASS_FAST) |
      (fresh + w5 + w1 + read > LONG_CONTEXT_SPLIT ? CLASS_LONG : 0) |
      (((flags & ITERATION_MASK) >>> ITERATION_SHIFT) << CLASS_ITERATION_SHIFT);
    const model = c.model[row] as number;
    const key = model * 16 + cls;
    let e = at.get(key);
    if (e === undefined) {
      e = entries.length;
      at.set(key, e);
      entries.push(q, model, cls, 0, 0, 0, 0, 0, 0, 0, 0);
    }
    entries[e + QS_INPUT] = (entries[e + QS_INPUT] as number) + fresh;
    entries[e + QS_OUTPUT] = (entries[e + QS_OUTPUT] as number) + (c.output[row] as number);
    entries[e + QS_WRITE_5M] = (entries[e + QS_WRITE_5M] as number) + w5;
    entries[e + QS_WRITE_1H] = (entries[e + QS_WRITE_1H] as number) + w1;
    entries[e + QS_READ] = (entries[e + QS_READ] as number) + read;
    entries[e + QS_RESPONSES] = (entries[e + QS_RESPONSES] as number) + 1;
    const usd = c.reportedCostUsd[row] as number;
    if (!Number.isNaN(usd)) {
      entries[e + QS_REPORTED] = (entries[e + QS_REPORTED] as number) + usd;
      entries[e + QS_REPORTED_ROWS] = (entries[e + QS_REPORTED_ROWS] as number) + 1;
    }
  }
  return Float64Array.from(entries);
}
