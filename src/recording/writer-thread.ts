import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from '../store/sqlite/open-sqlite.ts';
import { sqliteTelemetryWriter } from '../store/sqlite/sqlite-telemetry-writer.ts';
import { type PackedJob, unpackJob, writeJobs } from './telemetry-jobs.ts';

/**
 * Worker thread that owns the SQLite telemetry writes (writer-thread-client.ts starts it).
 * better-sqlite3 is synchronous: on the main thread every group commit would stop
 * the server from reading requests while SQLite works. Here it runs beside the
 * event loop, on its own connection to the same WAL database.
 */
export interface WorkerRequest {
  id: number;
  jobs: PackedJob[];
}
export type WorkerResponse =
  | { id: number; results: { stored: number; duplicates: number }[] }
  | { id: number; error: string };

const port = parentPort;
if (port) {
  const { file, accountsPerUserMax } = workerData as { file: string; accountsPerUserMax?: number };
  const { raw } = openSqlite(file);
  const write = sqliteTelemetryWriter(raw);
  port.on('message', (request: WorkerRequest | 'close') => {
    if (request === 'close') {
      raw.close();
      port.close();
      return;
    }
    writeJobs(write, request.jobs.map(unpackJob), { accountsPerUserMax }).then(
      (results) => port.postMessage({ id: request.id, results } satisfies WorkerResponse),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          error: error instanceof Error ? error.message : String(error),
        } satisfies WorkerResponse),
    );
  });
}
