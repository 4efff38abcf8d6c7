import { collectDefaultMetrics, type OpenMetricsContentType, Registry } from 'prom-client';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';

/** The registry exposed in OpenMetrics text format on GET /metrics: process metrics and ingest's counters. */
export function createServerMetrics() {
  // OpenMetrics text (issue 23), which Prometheus asks for first; merged per scrape with the
  // per-account families (routes/metrics/), which needs one content type.
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register: registry, prefix: 'takt_process_' });
  return { registry, ...createIngestMetrics(registry) };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;
