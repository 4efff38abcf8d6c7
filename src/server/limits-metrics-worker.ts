import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type { PriceTable } from '../pricing/price-table.ts';
import { LimitsMetrics } from '../queries/limits-metrics.ts';
import { openStore } from '../store/open-store.ts';
import type { RefreshRequest } from './latest-exposition.ts';
import { limitsExposition } from './limits-exposition.ts';

/**
 * Worker thread that computes GET /metrics' per-account and per-machine families
 * (limits-metrics-thread.ts starts it). Evaluating a user takes tens to hundreds of
 * milliseconds of CPU and, on SQLite, synchronous reads: on the main thread a refresh of 200
 * accounts held every request (scrapes included) for up to a user's evaluation at a time. Here
 * it runs beside the event loop, on its own connection, and with its own copy of the limits
 * read model's caches (queries/recent-usage-rows.ts, queries/official-figures.ts are per module
 * instance): working through every user no longer evicts the dashboard's users from them.
 */
export interface MetricsWorkerRequest extends RefreshRequest {
  id: number;
}
export type MetricsWorkerResponse = { id: number; plain: Buffer; gzip: Buffer } | { id: number; error: string };

const port = parentPort;
if (port) {
  // Below the server's thread (Linux applies a thread's nice value to that thread alone): when
  // the cores are busy a refresh takes longer, rather than the requests waiting for it.
  try {
    setPriority(0, 10);
  } catch {
    // Not permitted here (some containers): the thread runs at the server's priority.
  }
  const { databaseUrl, prices } = workerData as { databaseUrl: string; prices: PriceTable };
  // Opened once; the listener is attached at once so that no request is missed meanwhile.
  // A user's figures take 4 queries at once; one refresh runs at a time (PostgreSQL: 4 connections).
  const opened = openStore(databaseUrl, { migrate: false, maxConnections: 4 }).then((store) => ({
    store,
    metrics: new LimitsMetrics(store.db, () => prices),
  }));
  port.on('message', (request: MetricsWorkerRequest | 'close') => {
    if (request === 'close') {
      opened
        .then(({ store }) => store.close())
        .catch(() => {})
        .finally(() => port.close());
      return;
    }
    opened
      .then(({ metrics }) => {
        if (request.allChanged) metrics.markAllChanged();
        for (const id of request.changed) metrics.markChanged(id);
        return metrics.refresh();
      })
      .then(
        (snapshot) => {
          const plain = Buffer.from(limitsExposition(snapshot));
          // Once per refresh, here: a scrape asking for gzip gets these bytes as they are.
          const gzip = gzipSync(plain);
          port.postMessage({ id: request.id, plain, gzip } satisfies MetricsWorkerResponse);
        },
        (error: unknown) =>
          port.postMessage({
            id: request.id,
            error: error instanceof Error ? error.message : String(error),
          } satisfies MetricsWorkerResponse),
      );
  });
}
