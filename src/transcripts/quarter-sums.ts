/**
 * The shape of the per-quarter-hour (or per-hour) sums a usage table carries and the index
 * saves; quarter-hour-sums.ts makes them and says what the numbers are. Its own file so that
 * usage-table.ts can name the type without importing the module that reads the table.
 */
export interface QuarterSums {
  /** The span of an entry: QUARTER_MS or HOUR_MS (the first number of an entry is ms / spanMs). */
  spanMs: number;
  /** QS_FIELDS whole numbers per entry. */
  numbers: Uint32Array;
  /** Per entry: the sum of Claude Code's reported costUSD (0 when no response carried one). */
  reported: Float64Array;
}
