import { collectDefaultMetrics, Registry } from 'prom-client';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';

/** The registry exposed in Prometheus text format on GET /metrics: process metrics and ingest's counters. */
export function createServerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'takt_process_' });
  return { registry, ...createIngestMetrics(registry) };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;
