import type { PriceTable } from '../../pricing/price-table.ts';
import type { TranscriptIndex } from '../../transcripts/transcript-index.ts';
import { FLAG_DEAD } from '../../transcripts/usage-table.ts';
import { defaultTimeZone, localDateIn } from '../../usage/local-time.ts';
import { modelRates, sumRowCosts } from '../../usage/row-costs.ts';
import { sessionBlocks } from '../../usage/session-blocks.ts';

/**
 * How far back the status line reads the index: today began less than two days ago in any
 * zone, and blocks chain back to the last 5-hour gap, which two days of history find unless
 * someone worked two days without a break.
 */
export const RECENT_MS = 2 * 86_400_000;

export interface WindowFigures {
  /** takt's cost of today (local day), all sessions and projects. */
  todayCostUsd: number;
  /** The session's cost from the index: only when asked for and the session is in it. */
  sessionCostUsd?: number;
  /**
   * The running session's part of `todayCostUsd` (takt's cost of its rows of today), and whether
   * it has rows before today (then it began on an earlier day): only when asked for.
   */
  runningSession?: { todayCostUsd: number; earlierRows: boolean };
  /** takt's estimate of the active 5-hour block: only when asked for and there is one. */
  activeBlock?: { costUsd: number; end: number };
}

/**
 * The status line's figures from the recent part of the index. `sessionId`: also the cost
 * of that session (when Claude Code did not send it); `runningSessionId`: also that session's
 * part of today (when Claude Code sent its cost); `activeBlock`: also the active block
 * (when Claude Code sent no official five-hour window). Each is computed only when asked for.
 */
export function windowFigures(
  index: TranscriptIndex,
  prices: PriceTable,
  now: number,
  ask: { sessionId?: string; runningSessionId?: string | undefined; activeBlock: boolean },
): WindowFigures {
  const window = now - RECENT_MS;
  const table = index.table;
  const rates = modelRates(table, prices);
  const localDate = localDateIn(defaultTimeZone());
  const today = localDate(now);
  const c = table.columns;
  const ts = c.timestampMs;
  // The responses of the window, in time order (saved rows are; lines just appended to
  // this session come last). Lines appended that copy older responses (a resumed
  // session) carry their old times and fall outside.
  const recent: number[] = [];
  let sorted = true;
  for (let row = 0; row < table.count; row++) {
    const t = ts[row] as number;
    if (t < window || t > now || ((c.flags[row] as number) & FLAG_DEAD) !== 0) continue;
    if (recent.length > 0 && t < (ts[recent[recent.length - 1] as number] as number)) sorted = false;
    recent.push(row);
  }
  if (!sorted) recent.sort((a, b) => (ts[a] as number) - (ts[b] as number));
  // Dates only grow with time: today's responses are a tail of `recent`.
  let first = 0;
  let last = recent.length;
  while (first < last) {
    const mid = (first + last) >>> 1;
    if (localDate(ts[recent[mid] as number] as number) < today) first = mid + 1;
    else last = mid;
  }
  const figures: WindowFigures = { todayCostUsd: sumRowCosts(table, rates, recent, first) };
  if (ask.sessionId !== undefined) {
    const sessionId = table.sessions.idOf(ask.sessionId) ?? -1;
    const rows: number[] = [];
    for (let row = 0; row < table.count; row++) if (c.session[row] === sessionId) rows.push(row);
    if (sessionId !== -1) figures.sessionCostUsd = sumRowCosts(table, rates, rows);
  }
  if (ask.runningSessionId !== undefined) {
    const sessionId = table.sessions.idOf(ask.runningSessionId) ?? -1;
    const todays: number[] = [];
    for (let i = first; i < recent.length; i++) {
      if (c.session[recent[i] as number] === sessionId) todays.push(recent[i] as number);
    }
    let earlierRows = false;
    for (let row = 0; row < table.count && sessionId !== -1 && !earlierRows; row++) {
      if (c.session[row] !== sessionId || ((c.flags[row] as number) & FLAG_DEAD) !== 0) continue;
      earlierRows = localDate(ts[row] as number) < today;
    }
    figures.runningSession = { todayCostUsd: sumRowCosts(table, rates, todays), earlierRows };
  }
  if (ask.activeBlock) {
    const active = sessionBlocks(table, recent, now).find((b) => b.isActive);
    if (active) figures.activeBlock = { costUsd: sumRowCosts(table, rates, active.rows), end: active.end };
  }
  return figures;
}
