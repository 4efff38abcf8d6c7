import * as grpc from '@grpc/grpc-js';
import { authenticateBearer } from '../auth/authenticate-bearer.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { TaktError, toTaktError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import type { TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import { handleExport } from './export-handler.ts';
import { grpcStatusOf } from './grpc-status.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { encodeExportResponse, type Signal } from './otlp-decode.ts';

/**
 * OTLP/gRPC: MetricsService/Export, LogsService/Export and TraceService/Export.
 * Messages pass through as raw bytes and are decoded by the same code as OTLP/HTTP.
 * grpc-js handles gzip (grpc-encoding) and enforces the size limit on the
 * decompressed message (RESOURCE_EXHAUSTED).
 */
const passThrough = (b: Buffer) => b;

function exportMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
}

const SERVICES: { signal: Signal; path: string }[] = [
  { signal: 'metrics', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' },
  { signal: 'logs', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
  { signal: 'traces', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
];

export interface GrpcDeps {
  recorder: TelemetryRecorder;
  metrics: IngestMetrics;
  tokens: TokenVerifier;
  log: Logger;
  bodyLimitBytes: number;
}

export function createGrpcServer(deps: GrpcDeps): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': deps.bodyLimitBytes,
    // Idle connections close after 5 minutes; every connection is asked to reconnect after
    // 30 (with a minute to finish its calls), so clients spread again over replicas behind
    // a load balancer. Exporters reconnect by themselves (docs/operations.md, "Timeouts").
    'grpc.max_connection_idle_ms': 300_000,
    'grpc.max_connection_age_ms': 1_800_000,
    'grpc.max_connection_age_grace_ms': 60_000,
  });
  for (const { signal, path } of SERVICES) {
    const method = exportMethod(path);
    server.addService({ Export: method } as grpc.ServiceDefinition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        handle(signal, call, deps).then(
          (response) => callback(null, response),
          (error: unknown) => {
            const e = toTaktError(error, 'internal error: see the server log');
            if (e.code !== 'unavailable' && !(error instanceof TaktError))
              deps.log.error('OTLP/gRPC export failed', { signal, error });
            else if (e.code === 'unavailable')
              deps.log.warn('OTLP/gRPC export refused: the store is unavailable', { signal, error });
            callback({ code: grpcStatusOf(e.code), details: e.message });
          },
        );
      },
    });
  }
  return server;
}

async function handle(signal: Signal, call: grpc.ServerUnaryCall<Buffer, Buffer>, deps: GrpcDeps): Promise<Buffer> {
  const header = call.metadata.get('authorization')[0];
  const identity = await authenticateBearer(
    typeof header === 'string' ? header : header?.toString(),
    deps.tokens,
  ).catch((error: unknown) => {
    deps.metrics.exportsTotal.inc({ signal, transport: 'grpc', outcome: 'rejected' });
    throw error;
  });
  const partial = await handleExport(deps, {
    signal,
    encoding: 'protobuf',
    body: call.request,
    identity,
    transport: 'grpc',
  });
  return Buffer.from(encodeExportResponse(signal, 'protobuf', partial));
}

export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
}
