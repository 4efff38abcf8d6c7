import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapLogsExport, mapMetricsExport } from '../ingest/claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../ingest/otlp-decode.ts';
import { packJob, type TelemetryJob, unpackJob } from './telemetry-jobs.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'otlp', 'claude-code-2.1.330');

describe('jobs posted to the writer thread', () => {
  it('arrive as they were sent, each group key copied once', () => {
    const metrics = mapMetricsExport(decodeMetricsRequest(readFileSync(join(fixtures, 'metrics.json')), 'json'));
    const logs = mapLogsExport(decodeLogsRequest(readFileSync(join(fixtures, 'logs.json')), 'json'));
    const job: TelemetryJob = { userId: 'u1', observations: [...metrics.observations, ...logs.observations] };
    const packed = packJob(job);
    const groups = new Set(metrics.observations.map((o) => o.groupKey));
    expect(packed.groupKeys.length).toBe(groups.size);
    expect(packed.groupKeys.length).toBeLessThan(metrics.observations.length);
    // What the worker receives is a structured clone.
    expect(unpackJob(structuredClone(packed))).toEqual(job);
  });
});
