import type { Db } from '../store/db.ts';
import {
  countOfficialFigures,
  latestOfficialFigures,
  listOfficialFiguresAfter,
  listOfficialWindows,
  type OfficialFigureRow,
} from '../store/limit-observations.ts';

/**
 * What the limits read model needs of these accounts' official observations, oldest first:
 * every figure captured since `since`, and for a window with none since then its latest
 * figure however old (the weekly anchor) — the union of listOfficialObservations and
 * latestObservationPerWindow, read per (account, window) from the covering index.
 *
 * A status line sends a figure a minute: an account has thousands in the lookback. They are
 * kept in memory per (account, window) from the start of `since`'s day, and a request asks
 * the index only how many there are since then and the latest instant: figures are only ever
 * inserted, so the same count and latest mean the same rows; more rows than cached, all
 * newer, are read and appended; anything else (an older figure uploaded late by `takt sync`,
 * a new day) reads the window again.
 */

const DAY = 86_400_000;
/**
 * Accounts' windows kept per store; the least recently asked is dropped beyond it. A window
 * has at most ~50,000 figures in the lookback (one a minute): usually a few thousand.
 */
const MAX_WINDOWS = 256;

interface CachedWindow {
  from: number;
  latest: number | null;
  rows: OfficialFigureRow[];
}

const caches = new WeakMap<Db, Map<string, CachedWindow>>();

export async function listOfficialFigures(db: Db, accountIds: string[], since: number): Promise<OfficialFigureRow[]> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const from = Math.floor(since / DAY) * DAY;
  const out: OfficialFigureRow[] = [];
  for (const accountId of accountIds) {
    for (const window of await listOfficialWindows(db, accountId)) {
      const key = `${accountId}\u0000${window}`;
      const { count, latest } = await countOfficialFigures(db, accountId, window, from);
      let cached = cache.get(key);
      cache.delete(key); // re-inserted below: Map order is the recency order
      if (cached && cached.from === from && (cached.rows.length !== count || cached.latest !== latest)) {
        const newer =
          cached.latest === null ? [] : await listOfficialFiguresAfter(db, accountId, window, cached.latest);
        cached =
          cached.latest !== null && cached.rows.length + newer.length === count
            ? {
                from,
                latest: Number(newer[newer.length - 1]?.captured_at ?? cached.latest),
                rows: [...cached.rows, ...newer],
              }
            : undefined;
      }
      if (!cached || cached.from !== from) {
        const rows = await listOfficialFiguresAfter(db, accountId, window, from - 1);
        cached = { from, latest: rows.length > 0 ? Number(rows[rows.length - 1]?.captured_at) : null, rows };
      }
      cache.set(key, cached);
      if (cache.size > MAX_WINDOWS) cache.delete(cache.keys().next().value as string);
      let recent = 0;
      for (const r of cached.rows)
        if (Number(r.captured_at) >= since) {
          out.push(r);
          recent++;
        }
      if (recent === 0) out.push(...(await latestOfficialFigures(db, accountId, window)));
    }
  }
  return out.sort((a, b) => Number(a.captured_at) - Number(b.captured_at));
}
