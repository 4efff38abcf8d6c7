import type { UsageTable } from '../transcripts/usage-table.ts';

/**
 * 5-hour usage blocks estimated the way Claude users know them: a block starts at its
 * first activity floored to the hour and lasts 5 hours; activity after the block's end,
 * or after a gap of 5 hours, starts a new one. It is an estimate: Anthropic's own
 * window (the status line's rate_limits) wins where it is known.
 */

export const BLOCK_MS = 5 * 3_600_000;

export interface SessionBlock {
  start: number;
  end: number;
  firstActivity: number;
  lastActivity: number;
  isActive: boolean;
  rows: number[];
}

/** `rows` must be sorted by time. */
export function sessionBlocks(
  table: UsageTable,
  rows: ArrayLike<number> & Iterable<number>,
  now: number,
): SessionBlock[] {
  const ts = table.columns.timestampMs;
  const blocks: SessionBlock[] = [];
  let current: SessionBlock | undefined;
  for (const row of rows) {
    const t = ts[row] as number;
    if (current === undefined || t >= current.end || t - current.lastActivity >= BLOCK_MS) {
      const start = Math.floor(t / 3_600_000) * 3_600_000;
      current = { start, end: start + BLOCK_MS, firstActivity: t, lastActivity: t, isActive: false, rows: [] };
      blocks.push(current);
    }
    current.rows.push(row);
    current.lastActivity = t;
  }
  for (const block of blocks)
    block.isActive = now < block.end && now - block.lastActivity < BLOCK_MS && now >= block.start;
  return blocks;
}
