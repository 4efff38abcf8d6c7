import type { Db } from '../store/db.ts';
import { HOUR_MS } from '../store/telemetry.ts';
import { countRecordsPerHour, loadUsageRows, type UsageRow } from '../store/usage-rows.ts';

/**
 * A user's raw usage records of the last days, kept in memory hour by hour and re-read only
 * for the hours that changed. The limits read model needs the last 8 days at minute
 * resolution (5-hour windows, burn rates, calibration): thousands of records scattered
 * across the table among every other user's, ~10 µs each to fetch, on every request.
 *
 * Whether an hour changed is known exactly and cheaply: usage_hourly counts the records of
 * each hour (`records`), written in the same transaction as the records themselves (both
 * telemetry writers), and records are only ever inserted, or moved once from no account to
 * one (linking, which lowers the hour's unlinked count). An hour whose counts are the ones
 * cached holds the same records; any other is read again. The rows returned are the ones,
 * in the order, that reading [from, to) straight from usage_records returns (hour by hour
 * in key order: keys start with the time), so every sum over them is the same to the bit.
 */

interface CachedHour {
  records: number;
  /** Records without an account when read: linking one later (issue 19.6) lowers it. */
  unlinked: number;
  rows: UsageRow[];
}

interface UserHours {
  hours: Map<number, CachedHour>;
}

/**
 * Users kept per store; the least recently asked is dropped beyond it. A busy user has ~5,000
 * records in 8 days (~1 MB here): 64 users bound the copy to tens of MB.
 */
const MAX_USERS = 64;
const caches = new WeakMap<Db, Map<string, UserHours>>();

/** Raw usage rows of a user with from <= at < to, as loadUsageRows reads them (every hour raw). */
export async function recentUsageRows(db: Db, userId: string, from: number, to: number): Promise<UsageRow[]> {
  if (!(to > from)) return [];
  let users = caches.get(db);
  if (!users) {
    users = new Map();
    caches.set(db, users);
  }
  const cached = users.get(userId) ?? { hours: new Map<number, CachedHour>() };
  users.delete(userId); // re-inserted below: Map order is the recency order
  const firstHour = Math.floor(from / HOUR_MS) * HOUR_MS;
  const counts = await countRecordsPerHour(db, userId, firstHour, to);
  const hours = new Map<number, CachedHour>();
  for (const c of counts) {
    const known = cached.hours.get(c.hour);
    if (known && known.records === c.records && known.unlinked === c.unlinked) {
      hours.set(c.hour, known);
      continue;
    }
    const rows = await loadUsageRows(db, { userId, from: c.hour, to: c.hour + HOUR_MS, rawFrom: c.hour });
    // Counted as read: a record committed after the count above makes the next count differ.
    hours.set(c.hour, { records: rows.length, unlinked: rows.filter((r) => r.account_id === '').length, rows });
  }
  users.set(userId, { hours });
  if (users.size > MAX_USERS) users.delete(users.keys().next().value as string);
  const out: UsageRow[] = [];
  for (const { rows } of hours.values()) for (const r of rows) if (r.at >= from && r.at < to) out.push(r);
  return out;
}

/** The users whose hours are kept for `db`, least recently asked first (tests: who fills the cache). */
export function usersWithCachedHours(db: Db): string[] {
  return [...(caches.get(db)?.keys() ?? [])];
}
