import { parentPort, workerData } from 'node:worker_threads';
import { packReadResult, type ReadBuffer, type ReadJob, readAppended } from './read-appended.ts';

/**
 * A worker thread of the first build of a large index: reads and scans its share of the
 * files and sends each file's result, in order, as soon as it has it.
 */
const { jobs } = workerData as { jobs: ReadJob[] };
const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
for (const job of jobs) {
  const packed = packReadResult(readAppended(job, into));
  parentPort?.postMessage(packed, [packed.numbers.buffer as ArrayBuffer]);
}
