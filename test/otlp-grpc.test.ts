import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs, encodeMetrics, MetricsResponse, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

const T0 = Date.UTC(2026, 10, 19, 9, 0, 0);
const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

let takt: TestTakt;
let client: grpc.Client;
let gzipClient: grpc.Client;

function call(c: grpc.Client, path: string, body: Uint8Array, token: string | null = takt.token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise<{ code: number; details: string; response?: Buffer }>((resolve) => {
    c.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata,
      { deadline: Date.now() + 10_000 },
      (error, response) =>
        resolve(
          error ? { code: error.code, details: error.details } : { code: 0, details: '', response: response as Buffer },
        ),
    );
  });
}

async function total(field: 'input_tokens' | 'output_tokens') {
  const r = await fetch(
    `${takt.directUrl}/api/usage?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 3_600_000).toISOString()}`,
    { headers: { authorization: `Bearer ${takt.token}` } },
  );
  return ((await r.json()) as { totals: Record<string, number> }).totals[field];
}

beforeAll(async () => {
  takt = await startTakt({ env: { TAKT_BODY_LIMIT: '64kb' } });
  client = new grpc.Client(takt.grpcAddress, grpc.credentials.createInsecure());
  gzipClient = new grpc.Client(takt.grpcAddress, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip,
  });
});
afterAll(async () => {
  client.close();
  gzipClient.close();
  await takt.stop();
});

describe('OTLP/gRPC receiver', () => {
  it('stores metrics and logs, plain and gzip, exactly once', async () => {
    const m = encodeMetrics(
      tokenMetrics({ host: 'grpc-box', sessionId: 'g1' }, [{ model: 'm', type: 'input', value: 321 }], {
        startMs: T0,
        timeMs: T0 + 1000,
      }),
    );
    const l = encodeLogs(
      apiRequestLogs({ host: 'grpc-box', sessionId: 'g2' }, [
        {
          model: 'm',
          requestId: 'req_g',
          input: 1,
          output: 50,
          cacheRead: 0,
          cacheCreation: 0,
          costUsd: 0.1,
          timeMs: T0 + 2000,
          sequence: 1,
        },
      ]),
    );
    const results = [
      await call(client, METRICS, m),
      await call(gzipClient, METRICS, m),
      await call(gzipClient, LOGS, l),
      await call(client, LOGS, l),
    ];
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(MetricsResponse.toObject(MetricsResponse.decode(results[0]!.response!))).toEqual({});
    expect([await total('input_tokens'), await total('output_tokens')]).toEqual([322, 50]);
  });

  it('answers UNAUTHENTICATED, INVALID_ARGUMENT and RESOURCE_EXHAUSTED with a message', async () => {
    const good = encodeMetrics(
      tokenMetrics({ host: 'grpc-box', sessionId: 'g3' }, [{ model: 'm', type: 'input', value: 1 }], {
        startMs: T0,
        timeMs: T0 + 5000,
      }),
    );
    const results = [
      await call(client, METRICS, good, null),
      await call(client, METRICS, good, 'nonsense'),
      await call(client, METRICS, Buffer.from([0x0a, 0xff, 0xff, 0x01])),
      await call(client, METRICS, Buffer.alloc(70 * 1024, 0x0a)),
      await call(gzipClient, METRICS, Buffer.alloc(70 * 1024, 0)),
    ];
    expect(results.map((r) => r.code)).toEqual([
      grpc.status.UNAUTHENTICATED,
      grpc.status.UNAUTHENTICATED,
      grpc.status.INVALID_ARGUMENT,
      grpc.status.RESOURCE_EXHAUSTED,
      grpc.status.RESOURCE_EXHAUSTED,
    ]);
    expect(results[0]!.details).toBe(
      'no bearer token: set OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <your takt token>" (takt setup does it for you)',
    );
    expect(results[2]!.details).toMatch(/^the body is not a valid protobuf ExportMetricsServiceRequest/);
    expect(await total('input_tokens')).toBe(322);
  });
});
