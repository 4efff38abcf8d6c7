import { type FSWatcher, watch } from 'node:fs';
import type { SyncSummary, TranscriptSync } from './sync-transcripts.ts';

export interface WatchOptions {
  projectDirs: string[];
  /** The periodic rescan (fs.watch misses events on some file systems and over network mounts). */
  intervalMs: number;
  /** First wait before trying an away server again; doubles up to intervalMs. */
  retryMs: number;
  /** How long records must rest before they are sent (see SyncOptions.settleMs). */
  settleMs: number;
  signal: AbortSignal;
  onCycle(summary: SyncSummary): void;
  /** Called once when the server goes away, and once when it is back. */
  onAway(reason: string): void;
  onBack(): void;
}

/**
 * `takt sync --watch`: a sync after every change under the transcript roots (debounced), and
 * at least every intervalMs. When the server is away the queue is kept (in the state file)
 * and sent when it answers again; that is said once each way, not on every retry.
 */
export async function watchSync(sync: TranscriptSync, o: WatchOptions): Promise<void> {
  let wake: (() => void) | undefined;
  let changed = false;
  const poke = () => {
    changed = true;
    wake?.();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of o.projectDirs) {
    try {
      const w = watch(dir, { recursive: true }, poke);
      w.on('error', () => {}); // a vanished directory: the periodic rescan carries on
      watchers.push(w);
    } catch {
      // recursive watching is not available here: the periodic rescan does the work
    }
  }
  o.signal.addEventListener('abort', () => wake?.(), { once: true });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (o.signal.aborted || changed) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  let away = false;
  let retry = o.retryMs;
  try {
    while (!o.signal.aborted) {
      changed = false;
      const summary = await sync.runOnce();
      o.onCycle(summary);
      if (summary.serverAway !== null) {
        if (!away) o.onAway(summary.serverAway);
        away = true;
        await sleep(retry);
        retry = Math.min(retry * 2, o.intervalMs);
        continue;
      }
      if (away) o.onBack();
      away = false;
      retry = o.retryMs;
      // Records held back to settle: come back for them when they have.
      await sleep(summary.queued > 0 ? o.settleMs : o.intervalMs);
      // Let a burst of writes finish before reading (Claude Code appends several lines per turn).
      if (changed && !o.signal.aborted) await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    for (const w of watchers) w.close();
  }
}
