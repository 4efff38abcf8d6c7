import type { FileState } from './file-states.ts';
import type { TranscriptFile } from './find-transcripts.ts';
import { planUpdate, type UpdateOptions, type Work } from './plan-index-update.ts';
import { type ReadBuffer, type ReadResult, readAppended } from './read-appended.ts';
import type { ScanResult } from './scan-usage-lines.ts';
import type { TranscriptIndex, UpdateSummary } from './transcript-index.ts';
import { usageReaderFor } from './usage-scan-wasm.ts';

/** Skipped lines remembered per file for --debug (all are counted). */
const SKIPPED_KEPT = 20;

/** Brings the index up to date with the files found now, reading on this thread. */
export function updateTranscriptIndex(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions = {},
): UpdateSummary {
  const { summary, work, totalBytes } = planUpdate(index, found, options);
  readHere(index, work, summary, totalBytes, options);
  return summary;
}

/** Reads and counts `work` on this thread, in order. */
export function readHere(
  index: TranscriptIndex,
  work: readonly Work[],
  summary: UpdateSummary,
  totalBytes: number,
  options: UpdateOptions,
): void {
  const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
  const wasm = usageReaderFor(totalBytes);
  const progress = progressReporter(summary, totalBytes, options);
  for (const w of work) {
    applyRead(index, w.state, readAppended(w.job, into, wasm), summary);
    progress();
  }
}

/** Counts what was read of a file and moves its offset past the complete lines. */
export function applyRead(index: TranscriptIndex, state: FileState, r: ReadResult, summary: UpdateSummary): void {
  if (r.complete > 0) {
    countLines(index, state, r.scan);
    state.offset += r.complete;
    state.tail = r.tail;
  }
  summary.filesRead++;
  summary.bytesRead += r.got;
}

function progressReporter(summary: UpdateSummary, totalBytes: number, options: UpdateOptions): () => void {
  let last = 0;
  return () => {
    if (options.onProgress && summary.bytesRead - last > 32 << 20) {
      last = summary.bytesRead;
      options.onProgress(summary.bytesRead, totalBytes, summary.filesRead);
    }
  };
}

function countLines(index: TranscriptIndex, state: FileState, scan: ScanResult): void {
  if (scan.lines.length > 0) {
    // The loaded rows are a view into the index file: a file that gets new rows gets an array.
    const rows = Array.isArray(state.rows) ? state.rows : Array.from(state.rows);
    state.rows = rows;
    const table = index.table;
    const serial = table.beginClaims(rows);
    for (const line of scan.lines) {
      const row = table.addLine(line, state.project);
      if (!table.claim(row, serial)) continue; // this file holds it already (a streaming snapshot)
      rows.push(row);
      table.columns.owners[row] = (table.columns.owners[row] as number) + 1;
    }
  }
  state.skippedCount += scan.skipped.length;
  for (const s of scan.skipped) if (state.skipped.length < SKIPPED_KEPT) state.skipped.push(s);
  state.synthetic += scan.synthetic;
}
