import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type { PriceTable } from '../pricing/price-table.ts';
import { LimitsMetrics } from '../queries/limits-metrics.ts';
import type { Db } from '../store/db.ts';
import type { FamiliesText, RefreshExposition, RefreshRequest } from './latest-exposition.ts';
import { limitsExposition } from './limits-exposition.ts';
import type { MetricsWorkerRequest, MetricsWorkerResponse } from './limits-metrics-worker.ts';

/** Computes GET /metrics' per-account and per-machine families, refresh by refresh. */
export interface LimitsRefresher {
  refresh: RefreshExposition<FamiliesText>;
  close(): Promise<void>;
}

/**
 * In a worker thread (limits-metrics-worker.ts) on its own connection to `databaseUrl`, started
 * on the first refresh (a server nobody scrapes for limits starts none) and again after it
 * failed. Run from TypeScript sources (tests, `npm run dev`), the worker loads through tsx;
 * from the built package it is plain JavaScript (as recording/writer-thread-client.ts).
 */
export function workerLimitsRefresher(databaseUrl: string, prices: PriceTable): LimitsRefresher {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./limits-metrics-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const pending = new Map<number, { resolve: (text: FamiliesText) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let worker: Worker | undefined;

  const start = (): Worker => {
    const workerData = { databaseUrl, prices };
    const w = fromSource
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(url, { workerData });
    const failAll = (error: Error) => {
      if (worker === w) worker = undefined;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    w.on('message', (response: MetricsWorkerResponse) => {
      const p = pending.get(response.id);
      if (!p) return;
      pending.delete(response.id);
      if ('error' in response) p.reject(new Error(response.error));
      // Buffers arrive as plain Uint8Arrays: viewed, not copied.
      else p.resolve({ plain: asBuffer(response.plain), gzip: asBuffer(response.gzip) });
      if (pending.size === 0) w.unref();
    });
    w.on('error', (error) => failAll(error));
    w.on('exit', (code) => failAll(new Error(`the metrics worker stopped (exit code ${code})`)));
    return w;
  };

  return {
    refresh(request: RefreshRequest) {
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise<FamiliesText>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref(); // held while a refresh runs, so that a clean shutdown waits for it
        w.postMessage({ id, ...request } satisfies MetricsWorkerRequest);
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage('close');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      await w.terminate();
    },
  };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * In this thread, on the server's own connection: for a store without a file another thread
 * could open (SQLite `:memory:`). Its reads share the read model's caches with the dashboard.
 */
export function inProcessLimitsRefresher(db: Db, prices: () => PriceTable): LimitsRefresher {
  const metrics = new LimitsMetrics(db, prices);
  return {
    async refresh(request) {
      if (request.allChanged) metrics.markAllChanged();
      for (const id of request.changed) metrics.markChanged(id);
      const plain = Buffer.from(limitsExposition(await metrics.refresh()));
      return { plain, gzip: gzipSync(plain) };
    },
    async close() {},
  };
}
