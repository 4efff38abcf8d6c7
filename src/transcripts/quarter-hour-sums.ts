import { ITERATION_MASK, ITERATION_SHIFT } from './iteration-types.ts';
import type { QuarterSums } from './quarter-sums.ts';
import { FLAG_FAST, type UsageTable } from './usage-table.ts';

export type { QuarterSums };

/**
 * The live responses of a usage table summed per quarter hour (or per hour, HOUR_MS) in UTC,
 * model and class: what a daily, weekly or monthly report needs, saved in the index so that a
 * warm run sums 3,500–8,500 entries instead of 90,000 rows (issue 24.2). Quarter hours because
 * every zone in use today is offset from UTC by a multiple of 15 minutes (+5:30, +5:45,
 * −3:30 …): each quarter falls on one local date; hours do in most zones. A report sums the
 * hours when every hour falls on one local date in its zone, else the quarters when every
 * quarter does, else the rows.
 *
 * A class is what prices a response besides its tokens, and what a report splits them by:
 * fast mode (bit 0), a request over LONG_CONTEXT_SPLIT tokens (bit 1), and the
 * `usage.iterations[]` part (bits 2–3, as in the flags column). Prices are not known here
 * (the price table may change between runs): the split is at the one long-context threshold
 * Anthropic's prices have (200,000 tokens); a report whose price table has another counts rows.
 */
export const QUARTER_MS = 900_000;
/** Sums per hour as well: a report in a zone offset by whole hours (most) sums 3,500 entries, not 8,500. */
export const HOUR_MS = 3_600_000;
export const LONG_CONTEXT_SPLIT = 200_000;
export const CLASS_FAST = 1;
export const CLASS_LONG = 2;
export const CLASS_ITERATION_SHIFT = 2;

/**
 * Whole numbers per entry, in a Uint32Array: quarter (ms / QUARTER_MS), model, class, the token
 * sums, responses, and how many responses carried Claude Code's costUSD. 32-bit whole numbers
 * because V8 reads them as small integers: a report's loop over them allocates nothing even
 * before it is optimized (as doubles each read made a heap number: 18 ms for 8,500 entries).
 * An entry that would pass 2^32 − 1 is continued in another entry of the same key.
 */
export const QS_FIELDS = 10;
export const QS_QUARTER = 0;
export const QS_MODEL = 1;
export const QS_CLASS = 2;
export const QS_INPUT = 3;
export const QS_OUTPUT = 4;
export const QS_WRITE_5M = 5;
export const QS_WRITE_1H = 6;
export const QS_READ = 7;
export const QS_RESPONSES = 8;
export const QS_REPORTED_ROWS = 9;

const MAX_U32 = 2 ** 32 - 1;

/** Entries in quarter order when the table's rows are in time order (as saved); any order works. */
export function quarterHourSums(table: UsageTable, spanMs = QUARTER_MS): QuarterSums {
  const c = table.columns;
  const numbers: number[] = [];
  const reported: number[] = [];
  let quarter = Number.NaN;
  let at = new Map<number, number>(); // model × 16 + class → entry, for the current quarter
  const seen = new Map<number, Map<number, number>>(); // quarters left behind (rows out of time order)
  for (let row = 0; row < table.count; row++) {
    if (!table.isLive(row)) continue;
    const q = Math.floor((c.timestampMs[row] as number) / spanMs);
    if (q !== quarter) {
      if (!Number.isNaN(quarter)) seen.set(quarter, at);
      quarter = q;
      at = seen.get(q) ?? new Map();
    }
    const flags = c.flags[row] as number;
    const fresh = c.input[row] as number;
    const output = c.output[row] as number;
    const w5 = c.cacheWrite5m[row] as number;
    const w1 = c.cacheWrite1h[row] as number;
    const read = c.cacheRead[row] as number;
    const cls =
      ((flags & FLAG_FAST) === 0 ? 0 : CLASS_FAST) |
      (fresh + w5 + w1 + read > LONG_CONTEXT_SPLIT ? CLASS_LONG : 0) |
      (((flags & ITERATION_MASK) >>> ITERATION_SHIFT) << CLASS_ITERATION_SHIFT);
    const model = c.model[row] as number;
    const key = model * 16 + cls;
    let entry = at.get(key);
    let e = entry === undefined ? -1 : entry * QS_FIELDS;
    if (
      e === -1 ||
      (numbers[e + QS_INPUT] as number) + fresh > MAX_U32 ||
      (numbers[e + QS_OUTPUT] as number) + output > MAX_U32 ||
      (numbers[e + QS_WRITE_5M] as number) + w5 > MAX_U32 ||
      (numbers[e + QS_WRITE_1H] as number) + w1 > MAX_U32 ||
      (numbers[e + QS_READ] as number) + read > MAX_U32
    ) {
      entry = reported.length;
      e = entry * QS_FIELDS;
      at.set(key, entry);
      numbers.push(q, model, cls, 0, 0, 0, 0, 0, 0, 0);
      reported.push(0);
    }
    numbers[e + QS_INPUT] = (numbers[e + QS_INPUT] as number) + fresh;
    numbers[e + QS_OUTPUT] = (numbers[e + QS_OUTPUT] as number) + output;
    numbers[e + QS_WRITE_5M] = (numbers[e + QS_WRITE_5M] as number) + w5;
    numbers[e + QS_WRITE_1H] = (numbers[e + QS_WRITE_1H] as number) + w1;
    numbers[e + QS_READ] = (numbers[e + QS_READ] as number) + read;
    numbers[e + QS_RESPONSES] = (numbers[e + QS_RESPONSES] as number) + 1;
    const usd = c.reportedCostUsd[row] as number;
    if (!Number.isNaN(usd)) {
      reported[entry as number] = (reported[entry as number] as number) + usd;
      numbers[e + QS_REPORTED_ROWS] = (numbers[e + QS_REPORTED_ROWS] as number) + 1;
    }
  }
  return { spanMs, numbers: Uint32Array.from(numbers), reported: Float64Array.from(reported) };
}

/**
 * The hour sums from the quarter sums (what a save does: ~15 ms less than another pass over the
 * rows): each quarter's entries added to its hour's entry of the same model and class. Entries
 * come in the order the rows' pass makes when the quarters are in time order, as they are
 * made from rows in time order; a sum that would pass 2^32 − 1 continues in another entry.
 */
export function sumsOverHours(quarters: QuarterSums): QuarterSums {
  const q = quarters.numbers;
  const numbers: number[] = [];
  const reported: number[] = [];
  let hour = Number.NaN;
  let at = new Map<number, number>(); // model × 16 + class → entry, for the current hour
  const seen = new Map<number, Map<number, number>>(); // hours left behind (quarters out of order)
  const perHour = HOUR_MS / quarters.spanMs;
  for (let from = 0, i = 0; from < q.length; from += QS_FIELDS, i++) {
    const h = Math.floor((q[from + QS_QUARTER] as number) / perHour);
    if (h !== hour) {
      if (!Number.isNaN(hour)) seen.set(hour, at);
      hour = h;
      at = seen.get(h) ?? new Map();
    }
    const key = (q[from + QS_MODEL] as number) * 16 + (q[from + QS_CLASS] as number);
    let entry = at.get(key);
    let e = entry === undefined ? -1 : entry * QS_FIELDS;
    let fits = e !== -1;
    for (let f = QS_INPUT; fits && f <= QS_READ; f++)
      fits = (numbers[e + f] as number) + (q[from + f] as number) <= MAX_U32;
    if (!fits) {
      entry = reported.length;
      e = entry * QS_FIELDS;
      at.set(key, entry);
      numbers.push(h, q[from + QS_MODEL] as number, q[from + QS_CLASS] as number, 0, 0, 0, 0, 0, 0, 0);
      reported.push(0);
    }
    for (let f = QS_INPUT; f < QS_FIELDS; f++) numbers[e + f] = (numbers[e + f] as number) + (q[from + f] as number);
    reported[entry as number] = (reported[entry as number] as number) + (quarters.reported[i] as number);
  }
  return { spanMs: HOUR_MS, numbers: Uint32Array.from(numbers), reported: Float64Array.from(reported) };
}
