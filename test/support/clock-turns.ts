/**
 * Calendar turns a test must not straddle. A test that sends usage stamped "now" and reads it
 * back as today's (or this week's) fails when midnight passes between the two: about one run
 * in a thousand for a file that takes a minute. Such a test waits out a turn that falls within
 * the time it takes before it starts, instead of failing on that night.
 */

const DAY_MS = 86_400_000;

/** Milliseconds from `now` to the next midnight in `timeZone` (a zone whose midnight exists). */
export function msToMidnight(timeZone: string, now = Date.now()): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const elapsed = ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000 + (now % 1000);
  return DAY_MS - elapsed;
}

/** Milliseconds from `now` to the next Monday 00:00 UTC (the dashboard's week start in UTC). */
export function msToUtcWeekStart(now = Date.now()): number {
  const daysToMonday = (8 - new Date(now).getUTCDay()) % 7 || 7;
  return msToMidnight('UTC', now) + (daysToMonday - 1) * DAY_MS;
}

/**
 * Resolves at once when the turn `msToTurn` away is more than `spanMs` ahead; else after it has
 * passed (and a second more, so that every clock involved has seen it).
 */
export async function clearOfTurn(msToTurn: number, spanMs: number): Promise<void> {
  if (msToTurn > spanMs) return;
  await new Promise((resolve) => setTimeout(resolve, msToTurn + 1000));
}
