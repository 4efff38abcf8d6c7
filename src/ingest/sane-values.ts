import { EARLIEST_USAGE_MS, shownTime } from '../lib/usage-time.ts';
import type { AttributeValue } from './otlp-values.ts';

export { EARLIEST_USAGE_MS };

/**
 * The range a usage number must be in to be stored. Token counts are whole numbers below
 * 2^40 (a trillion: no request or export interval comes near it) and costs finite,
 * non-negative dollars below a million, so that sums of any realistic number of points
 * stay exact integers in 64-bit columns and in JavaScript numbers (2^53), and no point
 * can poison a total (1e20 or 1e308 turned a SQLite sum into a float, then null).
 * Anything else is rejected per point, with the reason, in partial_success.
 */
export const MAX_TOKENS_PER_POINT = 2 ** 40;
export const MAX_COST_USD_PER_POINT = 1_000_000;

export type Checked = { value: number; error?: undefined } | { value?: undefined; error: string };

export function checkTokenCount(value: number, what: string): Checked {
  if (Number.isInteger(value) && value >= 0 && value < MAX_TOKENS_PER_POINT) return { value };
  return { error: `${what} must be a whole number from 0 to ${MAX_TOKENS_PER_POINT - 1}, got ${value}` };
}

export function checkCostUsd(value: number, what: string): Checked {
  if (Number.isFinite(value) && value >= 0 && value < MAX_COST_USD_PER_POINT) return { value };
  return {
    error: `${what} must be a finite number of dollars from 0 to under ${MAX_COST_USD_PER_POINT}, got ${value}`,
  };
}

/** Plain decimal text only: "12", "0.5", "1e3". Not "0x10", "Infinity", " 7", "". */
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * An attribute read as a number for a range check: numbers as they are, decimal text
 * parsed, anything else (hex, words, booleans) NaN so that the check names it.
 */
export function attributeAsNumber(v: AttributeValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return Number.NaN;
}

/**
 * When a usage point may be dated: not before 2020 (a zero or 1970 clock, a seconds value
 * read as nanoseconds) and not more than 30 days ahead of the server's clock (skew is
 * minutes; year 3000 is a bug). Outside it the point is rejected with the reason, as an
 * absurd count is: stored, it would sit in a window nobody looks at, or in every forecast.
 */
export const MAX_FUTURE_MS = 30 * 86_400_000;

export function checkUsageTime(ms: number, what: string, now = Date.now()): Checked {
  if (Number.isFinite(ms) && ms >= EARLIEST_USAGE_MS && ms <= now + MAX_FUTURE_MS) return { value: ms };
  const shown = shownTime(ms);
  return {
    error: `${what} must be from 2020-01-01 to 30 days after the server's clock, got ${shown}: check the sender's clock`,
  };
}
