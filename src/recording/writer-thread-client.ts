import { Worker } from 'node:worker_threads';
import type { RecordResult } from './telemetry-jobs.ts';
import { packJob } from './telemetry-jobs.ts';
import type { JobWriter } from './telemetry-recorder.ts';
import type { WorkerRequest, WorkerResponse } from './writer-thread.ts';

/**
 * A JobWriter that hands each group commit to a worker thread writing to the SQLite
 * file (writer-thread.ts). Run from TypeScript sources (tests, `npm run dev`), the
 * worker loads through tsx; from the built package it is plain JavaScript.
 */
export function workerJobWriter(sqliteFile: string, options: { accountsPerUserMax?: number } = {}): JobWriter {
  const workerData = { file: sqliteFile, accountsPerUserMax: options.accountsPerUserMax };
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./writer-thread${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`,
        { eval: true, workerData },
      )
    : new Worker(url, { workerData });
  const pending = new Map<number, { resolve: (r: RecordResult[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (response: WorkerResponse) => {
    const p = pending.get(response.id);
    if (!p) return;
    pending.delete(response.id);
    if ('error' in response) p.reject(new Error(response.error));
    else p.resolve(response.results);
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the telemetry writer stopped (exit code ${code})`)));
  worker.unref();

  return {
    write(jobs) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, jobs: jobs.map(packJob) } satisfies WorkerRequest);
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      }) as Promise<RecordResult[]>;
    },
    async close() {
      if (failure) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      await worker.terminate();
    },
  };
}
