/**
 * Local calendar dates of instants in an IANA time zone, fast enough for 100,000 rows:
 * the zone's offset is asked of Intl once per UTC day (twice: at its start and end) and
 * only days that contain a DST change fall back to asking per hour, then per instant.
 */
export type LocalDate = (ms: number) => string;

import { defaultTimeZone } from '../lib/default-time-zone.ts';

export { defaultTimeZone };

/** Whether Intl knows this IANA zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Throws a message that names the zone when Intl does not know it. */
export function checkTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`unknown time zone '${timeZone}': use an IANA name such as UTC, Europe/Berlin or America/New_York`);
  }
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function localDateIn(timeZone: string): LocalDate {
  const names = new Map<number, string>(); // local day number → YYYY-MM-DD
  const nameOf = (localMs: number) => {
    const day = Math.floor(localMs / DAY);
    let name = names.get(day);
    if (name === undefined) {
      name = isoDate(day * DAY);
      names.set(day, name);
    }
    return name;
  };
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC' || timeZone === 'Etc/GMT' || timeZone === 'GMT') return nameOf;
  const offsetAt = offsetFunction(timeZone);
  const dayOffsets = new Map<number, number>(); // UTC day → offset, or NaN when the day has a change
  const hourOffsets = new Map<number, number>();
  // Rows come in file order, close in time: remember the last answer and the instants it holds for.
  let memoFrom = 0;
  let memoTo = -1;
  let memoName = '';
  return (ms) => {
    if (ms >= memoFrom && ms < memoTo) return memoName;
    const day = Math.floor(ms / DAY);
    let offset = dayOffsets.get(day);
    if (offset === undefined) {
      const a = offsetAt(day * DAY);
      offset = a === offsetAt(day * DAY + DAY - 1) ? a : Number.NaN;
      dayOffsets.set(day, offset);
    }
    if (Number.isNaN(offset)) {
      const hour = Math.floor(ms / HOUR);
      let h = hourOffsets.get(hour);
      if (h === undefined) {
        const a = offsetAt(hour * HOUR);
        h = a === offsetAt(hour * HOUR + HOUR - 1) ? a : Number.NaN;
        hourOffsets.set(hour, h);
      }
      return nameOf(ms + (Number.isNaN(h) ? offsetAt(ms) : h));
    }
    // The offset holds for the whole UTC day: the answer holds where that day and the local day overlap.
    const localDay = Math.floor((ms + offset) / DAY);
    memoFrom = Math.max(day * DAY, localDay * DAY - offset);
    memoTo = Math.min(day * DAY + DAY, localDay * DAY + DAY - offset);
    memoName = nameOf(ms + offset);
    return memoName;
  };
}

/**
 * Offset from UTC in ms of a zone at an instant. This process's own zone is asked of Date,
 * which costs nothing to set up; another zone needs Intl, whose first use costs 20–30 ms.
 */
export function offsetFunction(timeZone: string): (ms: number) => number {
  const key = `${process.env.TZ ?? ''}\u0000${timeZone}`; // this process's zone may change (TZ)
  let offsetAt = offsetFunctions.get(key);
  if (offsetAt === undefined) {
    offsetAt = newOffsetFunction(timeZone);
    offsetFunctions.set(key, offsetAt);
  }
  return offsetAt;
}

/** One per zone: a report's table asks for every row, and building one reads /etc/localtime or sets up Intl. */
const offsetFunctions = new Map<string, (ms: number) => number>();

function newOffsetFunction(timeZone: string): (ms: number) => number {
  if (timeZone === defaultTimeZone()) return (ms) => -new Date(ms).getTimezoneOffset() * 60_000;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (ms) => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asUtc = Date.UTC(
      parts.year as number,
      (parts.month as number) - 1,
      parts.day as number,
      parts.hour as number,
      parts.minute as number,
      parts.second as number,
    );
    return asUtc - Math.floor(ms / 1000) * 1000;
  };
}

/** "YYYY-MM-DD HH:MM" of an instant in a zone, for tables. */
export function localDateTime(ms: number, timeZone: string): string {
  const offset = timeZone === 'UTC' ? 0 : offsetFunction(timeZone)(ms);
  return new Date(ms + offset).toISOString().slice(0, 16).replace('T', ' ');
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The Monday (or `weekStart`, 0 = Sunday) on or before a YYYY-MM-DD date. */
export function weekOf(date: string, weekStart: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  const dow = new Date(ms).getUTCDay();
  return isoDate(ms - ((dow - weekStart + 7) % 7) * DAY);
}
