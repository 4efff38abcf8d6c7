import type { TranscriptFile } from './find-transcripts.ts';
import { planUpdate, type UpdateOptions, type Work } from './plan-index-update.ts';
import {
  type PackedReadResult,
  type ReadBuffer,
  type ReadResult,
  readAppended,
  unpackReadResult,
} from './read-appended.ts';
import type { TranscriptIndex, UpdateSummary } from './transcript-index.ts';
import { applyRead, readHere } from './update-transcript-index.ts';

/**
 * The worker's share of the bytes against this thread's: this thread also counts every
 * result and saves the index, so the worker reads more (~59%). Measured on 1 GB, side by
 * side: 1.3–1.45 beat 1.0 by 40–70 ms, 1.8 was slower again.
 */
const WORKER_SHARE = 1.45;

/** Below this many bytes to read, a worker thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * updateTranscriptIndex for a large amount of new bytes (the first build): this thread and a
 * worker thread read and scan the files between them (WORKER_SHARE); results are counted in
 * file order, so the index is the same as a sequential run's. TAKT_INDEX_THREADS=1 turns the worker off.
 */
export async function updateTranscriptIndexParallel(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions = {},
): Promise<UpdateSummary> {
  const { summary, work, totalBytes } = planUpdate(index, found, options);
  const threads = Number(process.env.TAKT_INDEX_THREADS ?? 2);
  // Beside this module (the build puts one beside the bundles in dist/ too); run from the
  // TypeScript sources (tests) there is none, and one thread reads.
  const workerFile = import.meta.url.endsWith('.ts') ? undefined : new URL('./scan-worker.cjs', import.meta.url);
  if (totalBytes < PARALLEL_MIN_BYTES || threads < 2 || workerFile === undefined) {
    readHere(index, work, summary, totalBytes, options);
    return summary;
  }
  // Split by bytes: the worker takes every file that keeps its bytes at or below
  // WORKER_SHARE times this thread's.
  const mine: number[] = [];
  const theirs: number[] = [];
  let mineBytes = 0;
  let theirBytes = 0;
  work.forEach((w, i) => {
    const bytes = w.job.size - w.job.offset;
    if (theirBytes <= mineBytes * WORKER_SHARE) {
      theirs.push(i);
      theirBytes += bytes;
    } else {
      mine.push(i);
      mineBytes += bytes;
    }
  });
  // Results are counted in file order as soon as they are all there up to a point: counting
  // overlaps the worker's reading, and memory holds only results not yet counted.
  const results: Array<ReadResult | undefined> = new Array(work.length);
  let next = 0;
  const drain = () => {
    while (next < work.length && results[next] !== undefined) {
      applyRead(index, (work[next] as Work).state, results[next] as ReadResult, summary);
      results[next] = undefined;
      next++;
    }
  };
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(workerFile, {
    workerData: { jobs: theirs.map((i) => (work[i] as Work).job) },
    // A smaller young generation: ~8 MB less peak memory, no measurable loss of speed.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  let received = 0;
  let readBytes = 0;
  let reported = 0;
  const report = () => {
    if (options.onProgress && readBytes - reported > 32 << 20) {
      reported = readBytes;
      options.onProgress(readBytes, totalBytes, summary.filesRead);
    }
  };
  const workerDone = new Promise<void>((resolve, reject) => {
    if (theirs.length === 0) resolve();
    worker.on('message', (packed: PackedReadResult) => {
      results[theirs[received] as number] = unpackReadResult(packed);
      received++;
      readBytes += packed.got;
      if (received === theirs.length) resolve();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (received < theirs.length) reject(new Error(`transcript reader thread stopped (exit code ${code})`));
    });
  });
  const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
  let sinceYield = 0;
  for (const i of mine) {
    const r = readAppended((work[i] as Work).job, into);
    results[i] = r;
    readBytes += r.got;
    sinceYield += r.got;
    drain();
    if (sinceYield > 8 << 20) {
      sinceYield = 0;
      report();
      await new Promise((resolve) => setImmediate(resolve)); // let the worker's results in
      drain();
    }
  }
  try {
    await workerDone;
  } catch {
    // The worker failed: read what it did not send here instead.
    for (const i of theirs) if (i >= next) results[i] ??= readAppended((work[i] as Work).job, into);
  } finally {
    await worker.terminate();
  }
  drain();
  report();
  return summary;
}
