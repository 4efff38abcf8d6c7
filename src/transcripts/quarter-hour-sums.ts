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

/**
 * Entries being summed, one per (period, model, class), in the order they are first met: the
 * rows' pass and the hours' pass over quarters share it, and with it the rule that a sum which
 * would pass 2^32 − 1 continues in another entry of the same key.
 */
class SumsBuilder {
  readonly numbers: number[] = [];
  readonly reported: number[] = [];
  private period = Number.NaN;
  private at = new Map<number, number>(); // model × 16 + class → entry, for the current period
  private readonly seen = new Map<number, Map<number, number>>(); // periods left behind (input out of order)

  /** The entry that takes these token counts: the key's own, or a new one when it would overflow. */
  entry(period: number, model: number, cls: number, tokens: ArrayLike<number>, from: number): number {
    if (period !== this.period) {
      if (!Number.isNaN(this.period)) this.seen.set(this.period, this.at);
      this.period = period;
      this.at = this.seen.get(period) ?? new Map();
    }
    const key = model * 16 + cls;
    const n = this.numbers;
    let entry = this.at.get(key);
    if (entry !== undefined) {
      const e = entry * QS_FIELDS;
      for (let f = QS_INPUT; f <= QS_READ; f++) {
        if ((n[e + f] as number) + (tokens[from + f - QS_INPUT] as number) > MAX_U32) {
          entry = undefined;
          break;
        }
      }
    }
    if (entry === undefined) {
      entry = this.reported.length;
      this.at.set(key, entry);
      n.push(period, model, cls, 0, 0, 0, 0, 0, 0, 0);
      this.reported.push(0);
    }
    return entry;
  }

  done(spanMs: number): QuarterSums {
    return { spanMs, numbers: Uint32Array.from(this.numbers), reported: Float64Array.from(this.reported) };
  }
}

/** Entries in quarter order when the table's rows are in time order (as saved); any order works. */
export function quarterHourSums(table: UsageTable, spanMs = QUARTER_MS): QuarterSums {
  const c = table.columns;
  const sums = new SumsBuilder();
  const n = sums.numbers;
  const tokens = [0, 0, 0, 0, 0]; // one row's input, output, 5-minute and 1-hour writes, reads
  for (let row = 0; row < table.count; row++) {
    if (!table.isLive(row)) continue;
    const flags = c.flags[row] as number;
    const fresh = c.input[row] as number;
    const w5 = c.cacheWrite5m[row] as number;
    const w1 = c.cacheWrite1h[row] as number;
    const read = c.cacheRead[row] as number;
    tokens[0] = fresh;
    tokens[1] = c.output[row] as number;
    tokens[2] = w5;
    tokens[3] = w1;
    tokens[4] = read;
    const cls =
      ((flags & FLAG_FAST) === 0 ? 0 : CLASS_FAST) |
      (fresh + w5 + w1 + read > LONG_CONTEXT_SPLIT ? CLASS_LONG : 0) |
      (((flags & ITERATION_MASK) >>> ITERATION_SHIFT) << CLASS_ITERATION_SHIFT);
    const q = Math.floor((c.timestampMs[row] as number) / spanMs);
    const entry = sums.entry(q, c.model[row] as number, cls, tokens, 0);
    const e = entry * QS_FIELDS;
    for (let f = 0; f < tokens.length; f++)
      n[e + QS_INPUT + f] = (n[e + QS_INPUT + f] as number) + (tokens[f] as number);
    n[e + QS_RESPONSES] = (n[e + QS_RESPONSES] as number) + 1;
    const usd = c.reportedCostUsd[row] as number;
    if (!Number.isNaN(usd)) {
      sums.reported[entry] = (sums.reported[entry] as number) + usd;
      n[e + QS_REPORTED_ROWS] = (n[e + QS_REPORTED_ROWS] as number) + 1;
    }
  }
  return sums.done(spanMs);
}

/**
 * The hour sums from the quarter sums (what a save does: ~15 ms less than another pass over the
 * rows): each quarter's entries added to its hour's entry of the same model and class. Entries
 * come in the order the rows' pass makes when the quarters are in time order, as they are
 * made from rows in time order.
 */
export function sumsOverHours(quarters: QuarterSums): QuarterSums {
  const q = quarters.numbers;
  const sums = new SumsBuilder();
  const n = sums.numbers;
  const perHour = HOUR_MS / quarters.spanMs;
  for (let from = 0, i = 0; from < q.length; from += QS_FIELDS, i++) {
    const hour = Math.floor((q[from + QS_QUARTER] as number) / perHour);
    const entry = sums.entry(hour, q[from + QS_MODEL] as number, q[from + QS_CLASS] as number, q, from + QS_INPUT);
    const e = entry * QS_FIELDS;
    for (let f = QS_INPUT; f < QS_FIELDS; f++) n[e + f] = (n[e + f] as number) + (q[from + f] as number);
    sums.reported[entry] = (sums.reported[entry] as number) + (quarters.reported[i] as number);
  }
  return sums.done(HOUR_MS);
}
