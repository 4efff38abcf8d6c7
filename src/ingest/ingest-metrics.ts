import { Counter, Histogram, type Registry, type RegistryContentType } from 'prom-client';

/**
 * The OTLP receivers' counters (exports by outcome, points stored, duplicate and
 * rejected, export duration). They live with ingest, which counts them; the server
 * only owns the registry they are exposed from on GET /metrics.
 */
export function createIngestMetrics(registry: Registry<RegistryContentType>) {
  const exportsTotal = new Counter({
    name: 'takt_otlp_exports_total',
    help: 'OTLP export requests, by signal, transport and outcome (accepted, partial, rejected)',
    labelNames: ['signal', 'transport', 'outcome'] as const,
    registers: [registry],
  });
  const pointsStored = new Counter({
    name: 'takt_otlp_points_stored_total',
    help: 'Data points and log records stored (new, not duplicates)',
    labelNames: ['signal'] as const,
    registers: [registry],
  });
  const pointsDuplicate = new Counter({
    name: 'takt_otlp_points_duplicate_total',
    help: 'Data points and log records ignored because they were already stored (resent exports)',
    labelNames: ['signal'] as const,
    registers: [registry],
  });
  const pointsRejected = new Counter({
    name: 'takt_otlp_points_rejected_total',
    help: 'Data points and log records rejected as malformed (reported in partial_success)',
    labelNames: ['signal'] as const,
    registers: [registry],
  });
  const exportDuration = new Histogram({
    name: 'takt_otlp_export_duration_seconds',
    help: 'Time to handle an OTLP export, from decoded body to committed store',
    labelNames: ['signal', 'transport'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { exportsTotal, pointsStored, pointsDuplicate, pointsRejected, exportDuration };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
