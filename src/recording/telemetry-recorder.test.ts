import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from '../../test/support/otlp-payloads.ts';
import { mapLogsExport, mapMetricsExport } from '../ingest/claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../ingest/otlp-decode.ts';
import { queryUsage } from '../queries/usage-report.ts';
import { openStore } from '../store/open-store.ts';
import { insertUser } from '../store/users.ts';
import { inProcessJobWriter, TelemetryRecorder } from './telemetry-recorder.ts';

const T0 = Date.UTC(2026, 9, 1);
const TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'] as const;

/** One process's exports of one session: per export and type, the tokens used in that interval. */
const exportsArb = fc.array(fc.array(fc.nat({ max: 5000 }), { minLength: 4, maxLength: 4 }), {
  minLength: 1,
  maxLength: 8,
});

describe('exactly once, against a brute-force count', () => {
  it('delta and cumulative, resent, reordered and restarted exports sum to what was used', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(exportsArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('delta', 'cumulative'),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (processes, temporality, resendPicks, protobuf) => {
          const store = await openStore('sqlite::memory:');
          const recorder = new TelemetryRecorder(inProcessJobWriter(store));
          const user = await insertUser(store.db, { email: 'p@example.com' });
          const bodies: Uint8Array[] = [];
          const expected = [0, 0, 0, 0];
          processes.forEach((intervals, p) => {
            const start = T0 + p * 3_600_000; // each process (a restart, or --continue) has its own start time
            const running = [0, 0, 0, 0];
            intervals.forEach((used, i) => {
              used.forEach((v, t) => {
                running[t] = (running[t] as number) + v;
                expected[t] = (expected[t] as number) + v;
              });
              const values = temporality === 'cumulative' ? running : used;
              const body = tokenMetrics(
                { host: 'h', sessionId: 'one-session' },
                TYPES.map((type, t) => ({ model: 'claude-sonnet-4-5', type, value: values[t] as number })),
                {
                  startMs: temporality === 'cumulative' ? start : start + i * 60_000,
                  timeMs: start + (i + 1) * 60_000,
                  temporality,
                },
              );
              bodies.push(protobuf ? encodeMetrics(body) : Buffer.from(JSON.stringify(body)));
            });
          });
          // Exporters retry: some batches arrive again, possibly late.
          const sent = [...bodies, ...resendPicks.map((k) => bodies[k % bodies.length] as Uint8Array)];
          for (const body of sent) {
            await recorder.record(
              user.id,
              mapMetricsExport(decodeMetricsRequest(body, protobuf ? 'protobuf' : 'json')).observations,
            );
          }
          const report = await queryUsage(store.db, { userId: user.id, from: T0, to: T0 + 10 * 3_600_000 });
          await store.close();
          expect([
            report.totals.input_tokens,
            report.totals.output_tokens,
            report.totals.cache_read_tokens,
            report.totals.cache_creation_tokens,
          ]).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodes the same export identically from protobuf and JSON', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            requestId: fc.uuid(),
            input: fc.nat(),
            output: fc.nat(),
            cost: fc.double({ min: 0, max: 10, noNaN: true }),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (requests) => {
          const logs = apiRequestLogs(
            { host: 'h', sessionId: 's', accountUuid: 'a' },
            requests.map((r, i) => ({
              model: 'm',
              requestId: r.requestId,
              input: r.input,
              output: r.output,
              cacheRead: 0,
              cacheCreation: 0,
              costUsd: r.cost,
              timeMs: T0 + i,
              sequence: i,
            })),
          );
          const viaProtobuf = mapLogsExport(decodeLogsRequest(encodeLogs(logs), 'protobuf'));
          const viaJson = mapLogsExport(decodeLogsRequest(Buffer.from(JSON.stringify(logs)), 'json'));
          expect(viaProtobuf).toEqual(viaJson);
          expect(viaJson.observations.length).toBe(requests.length);
        },
      ),
    );
  });
});
