import { existsSync } from 'node:fs';
import { findTranscriptFiles, transcriptProjectDirs } from './find-transcripts.ts';
import {
  indexFileFor,
  loadTranscriptIndex,
  saveTranscriptIndex,
  type TranscriptIndex,
  type UpdateSummary,
  updateTranscriptIndexParallel,
} from './transcript-index.ts';

export interface LoadOptions {
  env: NodeJS.ProcessEnv;
  /** TAKT_HOME, where the index lives. */
  home: string;
  /** --dir: replaces the default transcript roots. */
  dirs?: readonly string[];
  /** Show progress on stderr (only when it is a terminal and there is much to read). */
  progress?: boolean;
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
  const files = findTranscriptFiles(projectDirs);
  const indexFile = indexFileFor(options.home, projectDirs);
  const index = loadTranscriptIndex(indexFile);
  const showProgress = options.progress === true && process.stderr.isTTY === true;
  const summary = await updateTranscriptIndexParallel(index, files, {
    onProgress: showProgress
      ? (read, total, count) => {
          if (total < 64 << 20) return;
          const pct = Math.min(100, Math.floor((read / total) * 100));
          process.stderr.write(`\rindexing transcripts: ${pct}% (${count} files, ${Math.round(read / 1048576)} MB)`);
        }
      : undefined,
  });
  if (showProgress && summary.bytesRead >= 64 << 20) process.stderr.write('\r\x1b[K');
  // Saved also when there is nothing yet: an empty history is an answer (the status line shows $0.00).
  if (summary.changed || !existsSync(indexFile)) saveTranscriptIndex(index);
  return { index, projectDirs, summary };
}
