/**
 * The earliest time takt stores usage or a limit reading for: nothing it tracks predates
 * 2020, so an earlier time is a zero or 1970 clock, or a seconds value read as another unit.
 * Shared by ingest (`checkUsageTime`), manual entries and the limits API (issue 22.13).
 */
export const EARLIEST_USAGE_MS = Date.UTC(2020, 0, 1);

/** A time for an error message: ISO 8601 where a Date can hold it (±8.64e15 ms), else the number as sent. */
export function shownTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
