import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenMetrics } from '../../test/support/otlp-payloads.ts';
import { mapLogsExport, mapMetricsExport } from '../ingest/claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../ingest/otlp-decode.ts';
import type { TelemetryPlan, WriteTelemetry } from '../store/telemetry-writer.ts';
import { packJob, type TelemetryJob, unpackJob, writeJobs } from './telemetry-jobs.ts';

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

describe('a group of jobs planned together', () => {
  it('differences two exports of one cumulative series one after the other and saves the series once', async () => {
    const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
    const cumulative = (timeMs: number, value: number) =>
      mapMetricsExport(
        decodeMetricsRequest(
          Buffer.from(
            JSON.stringify(
              tokenMetrics({ host: 'desk', sessionId: 's1' }, [{ model: 'claude-opus-4-1', type: 'output', value }], {
                startMs: T0,
                timeMs,
                temporality: 'cumulative',
              }),
            ),
          ),
          'json',
        ),
      ).observations;
    let planned: TelemetryPlan | undefined;
    const write: WriteTelemetry = async (needs, plan) => {
      planned = plan({ machineId: () => 'm1', accountId: () => '', seriesState: () => undefined });
      expect(needs.series.length).toBe(1);
      return { usage: new Set(planned.usage), activity: new Set(planned.activity) };
    };
    const results = await writeJobs(write, [
      { userId: 'u1', observations: cumulative(T0 + 60_000, 100) },
      { userId: 'u1', observations: cumulative(T0 + 120_000, 250) },
    ]);
    expect(results.map((r) => r.stored)).toEqual([1, 1]);
    expect(planned?.usage.map((r) => r.output_tokens)).toEqual([100, 150]);
    expect(planned?.series.map((s) => [s.last_time_ns, s.last_value])).toEqual([[`${T0 + 120_000}000000`, 250]]);
  });
});
