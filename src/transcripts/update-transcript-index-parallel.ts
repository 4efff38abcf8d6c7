import type { Worker } from 'node:worker_threads';
import type { TranscriptFile } from './find-transcripts.ts';
import { planUpdate, type UpdateOptions, type Work } from './plan-index-update.ts';
import { type ReadBuffer, type ReadResult, readAppended, unpackReadResult } from './read-appended.ts';
import type { ScanJobs, ScanWorkerMessage } from './scan-worker.ts';
import type { TranscriptIndex, UpdateSummary } from './transcript-index.ts';
import { applyRead, readHere } from './update-transcript-index.ts';
import { usageReaderFor } from './usage-scan-wasm.ts';

/** Below this many bytes to read, a worker thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * The worker thread's script beside this module (the build puts one beside the bundles in
 * dist/ too); run from the TypeScript sources (tests) there is none, and one thread reads.
 * TAKT_INDEX_THREADS=1 turns the worker off.
 */
function workerFile(): URL | undefined {
  if (Number(process.env.TAKT_INDEX_THREADS ?? 2) < 2) return undefined;
  return import.meta.url.endsWith('.ts') ? undefined : new URL('./scan-worker.cjs', import.meta.url);
}

/** A worker thread, and how it stopped if it did before its work was done (it rejects then). */
interface ScanWorker {
  worker: Worker;
  stopped: Promise<never>;
}

/**
 * Starts the worker thread, which waits for its jobs. A failure is kept from the start (a worker
 * can fail before it is given work): the reading then goes on without it. `Worker` is passed in:
 * node:worker_threads is loaded only by a build that starts one (~3 ms).
 */
function startScanWorker(Worker: typeof import('node:worker_threads').Worker, file: URL): ScanWorker {
  const worker = new Worker(file, {
    // A smaller young generation: ~8 MB less peak memory, no measurable loss of speed.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const stopped = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`transcript reader thread stopped (exit code ${code})`)));
  });
  stopped.catch(() => {}); // awaited only once it has work
  return { worker, stopped };
}

/**
 * updateTranscriptIndex for a large amount of new bytes (the first build): this thread and a
 * worker thread read and scan the files between them, each taking the next file in order from
 * a shared counter, so both are busy until the end (this thread also counts every result, and
 * so reads fewer files). Results are counted in file order, so the index is the same as a
 * sequential run's.
 */
export async function updateTranscriptIndexParallel(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions = {},
): Promise<UpdateSummary> {
  const file = workerFile();
  let worker: ScanWorker | undefined;
  try {
    // Started as soon as the stats show a large first read, so that its start-up (~40 ms: a
    // Node environment, the script) overlaps the rest of the stats. Synchronously, which needs
    // process.getBuiltinModule (Node 20.16); without it, after them.
    const builtin = process.getBuiltinModule as ((id: string) => unknown) | undefined;
    const onLargeRead =
      file === undefined || builtin === undefined
        ? undefined
        : {
            bytes: PARALLEL_MIN_BYTES,
            call: () => {
              const { Worker } = builtin('node:worker_threads') as typeof import('node:worker_threads');
              worker = startScanWorker(Worker, file);
            },
          };
    const { summary, work, totalBytes } = planUpdate(index, found, { ...options, onLargeRead });
    if (totalBytes >= PARALLEL_MIN_BYTES && file !== undefined && worker === undefined) {
      worker = startScanWorker((await import('node:worker_threads')).Worker, file);
    }
    if (totalBytes < PARALLEL_MIN_BYTES || worker === undefined) readHere(index, work, summary, totalBytes, options);
    else await readWithWorker(index, work, summary, totalBytes, options, worker);
    return summary;
  } finally {
    // Stopped in every case, also when the stats threw after starting it; not awaited: it
    // stops on its own thread.
    void (worker as ScanWorker | undefined)?.worker.terminate();
  }
}

async function readWithWorker(
  index: TranscriptIndex,
  work: readonly Work[],
  summary: UpdateSummary,
  totalBytes: number,
  options: UpdateOptions,
  { worker, stopped }: ScanWorker,
): Promise<void> {
  // Results are counted in file order as soon as they are all there up to a point: counting
  // overlaps the reading, and memory holds only results not yet counted (both threads take
  // files in order, so those are a few).
  const results: Array<ReadResult | undefined> = new Array(work.length);
  let next = 0;
  const drain = () => {
    while (next < work.length && results[next] !== undefined) {
      applyRead(index, (work[next] as Work).state, results[next] as ReadResult, summary);
      results[next] = undefined;
      next++;
    }
  };
  let readBytes = 0;
  let reported = 0;
  const report = () => {
    if (options.onProgress && readBytes - reported > 32 << 20) {
      reported = readBytes;
      options.onProgress(readBytes, totalBytes, summary.filesRead);
    }
  };
  const shared = new SharedArrayBuffer(4);
  const counter = new Int32Array(shared);
  const done = new Promise<void>((resolve) => {
    worker.on('message', (message: ScanWorkerMessage) => {
      if ('done' in message) return resolve();
      results[message.job] = unpackReadResult(message.packed);
      readBytes += message.packed.got;
      summary.filesReadByWorker++;
    });
  });
  // Settled now, awaited at the end: true when the worker sent all it took.
  const workerDone = Promise.race([done, stopped]).then(
    () => true,
    () => false,
  );
  worker.postMessage({ jobs: work.map((w) => w.job), next: shared } satisfies ScanJobs);
  const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
  const wasm = usageReaderFor(totalBytes);
  let sinceYield = 0;
  for (let i = Atomics.add(counter, 0, 1); i < work.length; i = Atomics.add(counter, 0, 1)) {
    const r = readAppended((work[i] as Work).job, into, wasm);
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
  if (!(await workerDone)) {
    // The worker failed: what it took and did not send is read here instead.
    for (let i = next; i < work.length; i++) results[i] ??= readAppended((work[i] as Work).job, into, wasm);
  }
  drain();
  report();
}
