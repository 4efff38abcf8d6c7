import type { Db } from '../store/db.ts';
import { type SourceArrivals, sourceArrivals } from '../store/source-arrivals.ts';

/** For `takt validate`: each way usage reaches takt, its last arrival, and what to do when it never came. */
export interface SourceStatus {
  last_arrival: string | null;
  /** null when it arrived; otherwise what sets it up. */
  missing: string | null;
}

const SET_UP: Record<keyof SourceArrivals, string> = {
  opentelemetry:
    "no telemetry from Claude Code yet: run takt setup (it writes Claude Code's settings), restart Claude Code and send a prompt",
  sync: 'no takt sync upload yet: run takt sync (or takt service install sync to keep it running)',
  hooks: 'no hook or status-line report yet: run takt hooks install, then restart Claude Code',
  official: 'no official reading yet: run takt usage official (or takt sync --watch --official oauth)',
  manual: 'no manual entry (optional): takt track records usage by hand',
};

export async function sourceStatus(db: Db, userId: string): Promise<Record<keyof SourceArrivals, SourceStatus>> {
  const arrivals = await sourceArrivals(db, userId);
  const out = {} as Record<keyof SourceArrivals, SourceStatus>;
  for (const key of Object.keys(SET_UP) as (keyof SourceArrivals)[]) {
    const at = arrivals[key];
    out[key] = {
      last_arrival: at === null ? null : new Date(at).toISOString(),
      missing: at === null ? SET_UP[key] : null,
    };
  }
  return out;
}
