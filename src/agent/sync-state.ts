import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupHash } from '../transcripts/lookup-hash.ts';
import type { SyncRecord } from '../transcripts/transcript-records.ts';

/** A limit hit read from a transcript, waiting to be posted as a limit event. */
export interface QueuedHit {
  key: string;
  at: number;
  session_id: string | null;
  window: string;
  resets_at: number | null;
}

/**
 * What `takt sync` remembers per server and set of transcript roots, in one JSON file in
 * TAKT_HOME written atomically (temporary file, rename):
 * - per transcript file, how far it was read (and its identity, to notice a replaced file);
 * - the queue: records and hits read but not yet acknowledged by the server;
 * - the hits and the status line's rate limits the server acknowledged.
 * Read offsets and the queue are saved together, so what was read is either queued or sent:
 * nothing is lost, and what is sent twice (a crash between an answer and the save) is
 * recognised by the server as a duplicate.
 */
export interface SyncState {
  version: 1;
  server: string;
  roots: string[];
  files: Record<string, { dev: number; ino: number; offset: number }>;
  queue: SyncRecord[];
  hits: QueuedHit[];
  /** Keys of hits the server acknowledged (kept for a year of hits: a few bytes each). */
  sentHits: string[];
  /** captured_at of the last status-line rate limits the server acknowledged. */
  rateLimitsSent: string | null;
}

export function syncStateFile(home: string, server: string, roots: readonly string[]): string {
  const id = lookupHash(`${server.replace(/\/+$/, '')}\u0000${[...roots].sort().join('\u0000')}`).toString(36);
  return join(home, `sync-state-${id}.json`);
}

export function loadSyncState(file: string, server: string, roots: readonly string[]): SyncState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as SyncState;
    if (s.version === 1 && typeof s.files === 'object' && Array.isArray(s.queue)) {
      return { ...s, hits: s.hits ?? [], sentHits: s.sentHits ?? [], rateLimitsSent: s.rateLimitsSent ?? null };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  return { version: 1, server, roots: [...roots], files: {}, queue: [], hits: [], sentHits: [], rateLimitsSent: null };
}

export function saveSyncState(file: string, state: SyncState): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}
