import {
  FIVE_HOURS,
  type LimitEvent,
  type OfficialObservation,
  type PlanId,
  SAME_WINDOW_MS,
  SEVEN_DAYS,
  type WeeklyReset,
  type WindowBounds,
  type WindowKind,
} from './limit-types.ts';
import { offsetFunction } from './local-time.ts';
import { inDisplayOrder, isBucket, planWindows } from './plans.ts';

/**
 * The current window of each kind (docs/limits.md, "Windows"). Pure: `now` is a parameter.
 *
 * - five_hour: the latest official reset (status line, OAuth, a hit's resetsAt), jitter-tolerant;
 *   an official reset already past is rolled forward once (labelled `extrapolated`), never more;
 *   a later New Window mark starts a window at the mark; otherwise estimated: a window starts at
 *   the first activity after the previous one ended, floored to the hour, and lasts 5 h.
 * - seven_day and seven_day_<bucket>: the latest official reset (a bucket without one of its own
 *   borrows seven_day's), else the account's configured weekday/hour/zone anchor, DST-correct.
 * - monthly: the calendar month from the configured start day, in the weekly anchor's zone.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

export function periodOf(kind: WindowKind): number {
  return kind === 'five_hour' ? FIVE_HOURS : SEVEN_DAYS; // monthly has no fixed period; not asked
}

interface OfficialReset {
  /** When the latest evidence was seen. */
  at: number;
  resetsAt: number;
}

/**
 * The reset of the latest official evidence for a window, seen at or before `now`. Resets within
 * 60 s of each other are one window (resets_at jitters by ~2 s): the cluster keeps the value it
 * was first seen with, so its bounds do not wiggle between observations.
 */
export function latestOfficialReset(
  kind: WindowKind,
  now: number,
  officials: readonly OfficialObservation[],
  events: readonly LimitEvent[],
): OfficialReset | null {
  const index = resetIndex(kind, officials, events);
  let lo = 0;
  let hi = index.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((index.at[mid] as number) <= now) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : { at: index.at[lo - 1] as number, resetsAt: index.resetsAt[lo - 1] as number };
}

interface ResetIndex {
  /** Instants of the evidence, ascending. */
  at: number[];
  /** The window's reset as known after each piece of evidence (its cluster's first value). */
  resetsAt: number[];
}

/**
 * Built once per (officials, events, kind): calibration asks for the window at every
 * observation without a reset, and scanning thousands of observations each time cost seconds.
 */
const resetIndexes = new WeakMap<
  readonly OfficialObservation[],
  WeakMap<readonly LimitEvent[], Map<WindowKind, ResetIndex>>
>();

function resetIndex(
  kind: WindowKind,
  officials: readonly OfficialObservation[],
  events: readonly LimitEvent[],
): ResetIndex {
  let byEvents = resetIndexes.get(officials);
  if (byEvents === undefined) {
    byEvents = new WeakMap();
    resetIndexes.set(officials, byEvents);
  }
  let byKind = byEvents.get(events);
  if (byKind === undefined) {
    byKind = new Map();
    byEvents.set(events, byKind);
  }
  let index = byKind.get(kind);
  if (index !== undefined) return index;
  const evidence: OfficialReset[] = [];
  for (const o of officials)
    if (o.window === kind && o.resetsAt !== null) evidence.push({ at: o.at, resetsAt: o.resetsAt });
  for (const e of events)
    if (e.window === kind && e.kind === 'hit_limit' && e.resetsAt !== null)
      evidence.push({ at: e.at, resetsAt: e.resetsAt });
  evidence.sort((a, b) => a.at - b.at);
  index = { at: [], resetsAt: [] };
  let cluster = Number.NaN;
  for (const e of evidence) {
    if (!(Math.abs(e.resetsAt - cluster) < SAME_WINDOW_MS)) cluster = e.resetsAt;
    index.at.push(e.at);
    index.resetsAt.push(cluster);
  }
  byKind.set(kind, index);
  return index;
}

function latestMark(kind: WindowKind, now: number, events: readonly LimitEvent[]): LimitEvent | null {
  let latest: LimitEvent | null = null;
  for (const e of events)
    if (e.window === kind && e.kind === 'new_window' && e.at <= now && (latest === null || e.at > latest.at))
      latest = e;
  return latest;
}

/** `activity`: instants with usage, sorted ascending. */
export function fiveHourWindow(
  now: number,
  officials: readonly OfficialObservation[],
  events: readonly LimitEvent[],
  activity: readonly number[],
): WindowBounds {
  const kind = 'five_hour';
  const official = latestOfficialReset(kind, now, officials, events);
  const mark = latestMark(kind, now, events);
  let floor = Number.NEGATIVE_INFINITY; // the previous window ended here; estimates start after it
  if (mark !== null && (official === null || mark.at > official.at)) {
    const end = mark.resetsAt ?? mark.at + FIVE_HOURS;
    if (now < end)
      return {
        kind,
        start: end - FIVE_HOURS,
        end,
        source: 'configured',
        extrapolated: false,
        active: true,
        note: 'started by a New Window mark',
      };
    floor = end;
  } else if (official !== null) {
    const r = official.resetsAt;
    if (now < r)
      return {
        kind,
        start: r - FIVE_HOURS,
        end: r,
        source: 'official',
        extrapolated: false,
        active: true,
        note: 'official reset',
      };
    if (now < r + FIVE_HOURS)
      return {
        kind,
        start: r,
        end: r + FIVE_HOURS,
        source: 'official',
        extrapolated: true,
        active: true,
        note: 'the official reset has passed: rolled forward one period, not yet confirmed',
      };
    floor = r + FIVE_HOURS;
  }
  return estimatedFiveHourWindow(now, floor, activity);
}

/** The rule users know from ccusage: first activity after the previous window, floored to the hour, 5 h long. */
function estimatedFiveHourWindow(now: number, floor: number, activity: readonly number[]): WindowBounds {
  let end = floor;
  let start = Number.NaN;
  for (const t of activity) {
    if (t > now) break;
    if (t < end) continue;
    start = Math.max(Math.floor(t / HOUR) * HOUR, end);
    end = start + FIVE_HOURS;
  }
  if (!Number.isNaN(start) && now < end)
    return {
      kind: 'five_hour',
      start,
      end,
      source: 'estimated',
      extrapolated: false,
      active: true,
      note: 'estimated: first activity after the previous window, floored to the hour',
    };
  const idleStart = Math.max(Math.floor(now / HOUR) * HOUR, floor);
  return {
    kind: 'five_hour',
    start: idleStart,
    end: idleStart + FIVE_HOURS,
    source: 'estimated',
    extrapolated: false,
    active: false,
    note: 'no activity in a window now: the next activity opens one',
  };
}

/** A weekly window: official reset (a bucket without its own borrows seven_day's), else the configured anchor. */
export function weeklyWindow(
  kind: WindowKind,
  now: number,
  officials: readonly OfficialObservation[],
  events: readonly LimitEvent[],
  weeklyReset: WeeklyReset,
): WindowBounds {
  const own = latestOfficialReset(kind, now, officials, events);
  const official = own ?? (kind === 'seven_day' ? null : latestOfficialReset('seven_day', now, officials, events));
  const borrowed = own === null && official !== null ? " (seven_day's: this bucket has none of its own)" : '';
  const mark = latestMark(kind, now, events);
  if (mark !== null && (official === null || mark.at > official.at)) {
    const end = mark.resetsAt ?? mark.at + SEVEN_DAYS;
    if (now < end)
      return {
        kind,
        start: end - SEVEN_DAYS,
        end,
        source: 'configured',
        extrapolated: false,
        active: true,
        note: 'started by a New Window mark',
      };
  } else if (official !== null) {
    const r = official.resetsAt;
    if (now < r)
      return {
        kind,
        start: r - SEVEN_DAYS,
        end: r,
        source: 'official',
        extrapolated: false,
        active: true,
        note: `official reset${borrowed}`,
      };
    if (now < r + SEVEN_DAYS)
      return {
        kind,
        start: r,
        end: r + SEVEN_DAYS,
        source: 'official',
        extrapolated: true,
        active: true,
        note: `the official reset${borrowed} has passed: rolled forward one week, not yet confirmed`,
      };
  }
  const anchored = weeklyAnchorWindow(now, weeklyReset);
  return {
    kind,
    ...anchored,
    source: 'configured',
    extrapolated: false,
    active: true,
    note: `configured weekly reset (${weekdays[weeklyReset.weekday]} ${String(weeklyReset.hour).padStart(2, '0')}:00 ${weeklyReset.timeZone}): no official reset seen`,
  };
}

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function offsetIn(timeZone: string): (ms: number) => number {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC' ? () => 0 : offsetFunction(timeZone);
}

/** The instant a zone's wall-clock time (given as if it were UTC) happens; a skipped time lands after the gap. */
function localToUtc(local: number, offsetAt: (ms: number) => number): number {
  const guess = local - offsetAt(local);
  return local - offsetAt(guess);
}

/** The week containing `now` that starts at the configured weekday and hour, in its zone (167 h or 169 h across DST). */
export function weeklyAnchorWindow(now: number, weeklyReset: WeeklyReset): { start: number; end: number } {
  const offsetAt = offsetIn(weeklyReset.timeZone);
  const localNow = now + offsetAt(now);
  const localMidnight = Math.floor(localNow / DAY) * DAY;
  const back = (new Date(localMidnight).getUTCDay() - weeklyReset.weekday + 7) % 7;
  let localStart = localMidnight - back * DAY + weeklyReset.hour * HOUR;
  if (localToUtc(localStart, offsetAt) > now) localStart -= 7 * DAY;
  return { start: localToUtc(localStart, offsetAt), end: localToUtc(localStart + 7 * DAY, offsetAt) };
}

/** The calendar month from `monthStartDay` 00:00 in the zone, containing `now`. */
export function monthlyWindow(now: number, monthStartDay: number, timeZone: string): WindowBounds {
  const offsetAt = offsetIn(timeZone);
  const local = new Date(now + offsetAt(now));
  const month = local.getUTCMonth() - (local.getUTCDate() < monthStartDay ? 1 : 0);
  const start = localToUtc(Date.UTC(local.getUTCFullYear(), month, monthStartDay), offsetAt);
  const end = localToUtc(Date.UTC(local.getUTCFullYear(), month + 1, monthStartDay), offsetAt);
  return {
    kind: 'monthly',
    start,
    end,
    source: 'configured',
    extrapolated: false,
    active: true,
    note: `calendar month from day ${monthStartDay}, ${timeZone}`,
  };
}

/**
 * The windows an account is evaluated on: its plan's (plans.json), every per-model bucket ever
 * observed or given a limit, in the plan table's display order.
 */
export function windowKinds(
  plan: PlanId,
  officials: readonly OfficialObservation[],
  events: readonly LimitEvent[],
  limits: Partial<Record<WindowKind, number>> | undefined,
): WindowKind[] {
  const kinds = new Set<WindowKind>(planWindows(plan));
  const add = (k: WindowKind) => {
    if (isBucket(k)) kinds.add(k);
  };
  for (const o of officials) {
    add(o.window);
    if (o.window === 'spend_limit') kinds.add(o.window); // a spend limit exists once a reading shows one
  }
  for (const e of events) add(e.window);
  for (const k of Object.keys(limits ?? {})) add(k as WindowKind);
  return inDisplayOrder(kinds);
}
