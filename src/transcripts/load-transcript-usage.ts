import { existsSync } from 'node:fs';
import { type DirListing, listTranscriptFiles, transcriptProjectDirs } from './find-transcripts.ts';
import { indexFileFor } from './index-file-name.ts';
import { loadTranscriptIndex } from './load-transcript-index.ts';
import { UnchangedSeen } from './plan-index-update.ts';
import { saveTranscriptIndex } from './save-transcript-index.ts';
import { IndexReplacedError, type TranscriptIndex, type UpdateSummary } from './transcript-index.ts';
import { updateTranscriptIndexParallel } from './update-transcript-index-parallel.ts';

export interface LoadOptions {
  env: NodeJS.ProcessEnv;
  /** TAKT_HOME, where the index lives. */
  home: string;
  /** --dir: replaces the default transcript roots. */
  dirs?: readonly string[];
  /** Show progress on stderr (only when it is a terminal and there is much to read). */
  progress?: boolean;
  /**
   * Read the response columns only when first used (a report that sums the quarter hours does
   * not): reading them later throws IndexReplacedError if another run replaced the index
   * meanwhile, and the caller loads again.
   */
  lazyRows?: boolean;
}

export interface LoadedTranscripts {
  index: TranscriptIndex;
  projectDirs: string[];
  summary: UpdateSummary;
}

/**
 * Finds the transcripts, brings the index up to date (reading only what was appended)
 * and saves it when anything changed. The returned table holds every response once.
 */
export async function loadTranscriptUsage(options: LoadOptions): Promise<LoadedTranscripts> {
  const projectDirs = transcriptProjectDirs(options.env, options.dirs);
  const indexFile = indexFileFor(options.home, projectDirs);
  // Loaded for reading; an update reads the rest. Another run may replace the index in
  // between (the status line's background refresh): then the new one is loaded whole.
  let index = loadTranscriptIndex(indexFile, { lazyRows: options.lazyRows === true });
  const showProgress = options.progress === true && process.stderr.isTTY === true;
  let listings: DirListing[] = [];
  const update = (index: TranscriptIndex) => {
    // Directories unchanged since the index was saved are not listed again, and the files
    // their listings number are compared with it as the walk meets them.
    const seen = new UnchangedSeen(index);
    const found = listTranscriptFiles(projectDirs, new Map(index.listings.map((l) => [l.path, l])), seen.check);
    listings = found.listings;
    return updateTranscriptIndexParallel(index, found.files, {
      seen,
      onProgress: showProgress
        ? (read, total, count) => {
            if (total < 64 << 20) return;
            const pct = Math.min(100, Math.floor((read / total) * 100));
            process.stderr.write(`\rindexing transcripts: ${pct}% (${count} files, ${Math.round(read / 1048576)} MB)`);
          }
        : undefined,
    });
  };
  let summary: UpdateSummary;
  try {
    summary = await update(index);
  } catch (error) {
    if (!(error instanceof IndexReplacedError)) throw error;
    // Walked again: the files found unchanged were compared with the index that was replaced.
    index = loadTranscriptIndex(indexFile, { whole: true });
    summary = await update(index);
  }
  if (showProgress && summary.bytesRead >= 64 << 20) process.stderr.write('\r\x1b[K');
  // Saved also when there is nothing yet: an empty history is an answer (the status line shows $0.00).
  if (summary.changed || !existsSync(indexFile)) {
    index.listings = listings;
    saveTranscriptIndex(index);
  }
  return { index, projectDirs, summary };
}
