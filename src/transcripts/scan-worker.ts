import { parentPort } from 'node:worker_threads';
import { packReadResult, type ReadBuffer, type ReadJob, readAppended } from './read-appended.ts';
import { usageReaderFor } from './usage-scan-wasm.ts';

/**
 * A worker thread of the first build of a large index. It may start before the walk has found
 * the files (its start-up overlaps the walk), and waits for them: the jobs of the whole build,
 * and a counter shared with the main thread. Each thread takes the next job by adding one to
 * the counter, so both finish within a file of each other whatever their speeds; each result
 * is sent, numbered, as soon as it is read, and `done` after the last.
 */
export interface ScanJobs {
  jobs: ReadJob[];
  /** One Int32: the number of the next job nobody took yet. */
  next: SharedArrayBuffer;
}

export type ScanWorkerMessage = { done: true } | { job: number; packed: ReturnType<typeof packReadResult> };

parentPort?.once('message', ({ jobs, next }: ScanJobs) => {
  const counter = new Int32Array(next);
  const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
  const wasm = usageReaderFor(Number.POSITIVE_INFINITY); // only large reads have a worker
  for (let job = Atomics.add(counter, 0, 1); job < jobs.length; job = Atomics.add(counter, 0, 1)) {
    const packed = packReadResult(readAppended(jobs[job] as ReadJob, into, wasm));
    parentPort?.postMessage({ job, packed } satisfies ScanWorkerMessage, [packed.numbers.buffer as ArrayBuffer]);
  }
  parentPort?.postMessage({ done: true } satisfies ScanWorkerMessage);
});
