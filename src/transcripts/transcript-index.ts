import { FileStates } from './file-states.ts';
import type { DirListing } from './find-transcripts.ts';
import { UsageTable } from './usage-table.ts';

/**
 * The transcript index in TAKT_HOME: per file what was read (identity, size, byte offset,
 * the responses it holds) and every response counted once. A run re-reads only bytes
 * appended since; a file that shrank, was replaced (new inode) or rewritten in place is
 * read again from its start, and a deleted file's responses leave the totals unless
 * another file (a resumed session's copy) still holds them.
 *
 * Where each part lives: the file on disk in index-file-format.ts (its directory listings in
 * saved-listings.ts), loading and saving it in load-transcript-index.ts and save-transcript-index.ts, the status line's partial load in
 * load-recent-transcript-index.ts, what an update must read in plan-index-update.ts, and
 * the update itself in update-transcript-index.ts (one thread) and
 * update-transcript-index-parallel.ts (with a worker thread).
 */
export interface TranscriptIndex {
  file: string;
  table: UsageTable;
  files: FileStates;
  /** Loaded with only some files' states (the status line): may be updated, never saved. */
  partial?: boolean;
  /** Reads what only an update needs, when the index was loaded without it. */
  complete?: () => void;
  /** The directories as listed when the index was saved (saved again with it). */
  listings: DirListing[];
}

/** The index file was replaced (by another takt run) between loading it and completing it. */
export class IndexReplacedError extends Error {}

export interface UpdateSummary {
  filesRead: number;
  filesRemoved: number;
  bytesRead: number;
  /** Of filesRead, those a worker thread read (the first build of a large history). */
  filesReadByWorker: number;
  changed: boolean;
}

export const emptyIndex = (file: string): TranscriptIndex => ({
  file,
  table: new UsageTable(),
  files: new FileStates(),
  listings: [],
});
