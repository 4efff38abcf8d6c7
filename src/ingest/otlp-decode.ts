import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { TaktError } from '../lib/errors.ts';
import type { ExportLogsRequest, ExportMetricsRequest } from './otlp-types.ts';

/**
 * Decodes OTLP export requests from protobuf or JSON into one shape (protobufjs
 * message objects, camelCase fields, 64-bit integers as Long). JSON goes through
 * fromObject, which accepts the OTLP/JSON encoding's decimal-string int64s and
 * integer enums (OTLP spec, "JSON Protobuf Encoding").
 */
const root = protobuf.loadSync(fileURLToPath(new URL('./proto/otlp.proto', import.meta.url)));
const types = {
  metricsRequest: root.lookupType('opentelemetry.proto.ExportMetricsServiceRequest'),
  logsRequest: root.lookupType('opentelemetry.proto.ExportLogsServiceRequest'),
  metricsResponse: root.lookupType('opentelemetry.proto.ExportMetricsServiceResponse'),
  logsResponse: root.lookupType('opentelemetry.proto.ExportLogsServiceResponse'),
  traceResponse: root.lookupType('opentelemetry.proto.ExportTraceServiceResponse'),
  status: root.lookupType('opentelemetry.proto.Status'),
};

export type Signal = 'metrics' | 'logs' | 'traces';
export type Encoding = 'protobuf' | 'json';

function decodeWith(type: protobuf.Type, body: Uint8Array, encoding: Encoding, what: string): unknown {
  if (encoding === 'protobuf') {
    try {
      return type.decode(body);
    } catch (error) {
      // OTLP/HTTP: a request that cannot be decoded is a 400 and must not be retried.
      throw new TaktError(
        'bad_request',
        `the body is not a valid protobuf ${what}: ${(error as Error).message}. ` +
          'Send Content-Type: application/x-protobuf with an OTLP export request, or application/json.',
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    throw new TaktError('bad_request', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TaktError('bad_request', `the JSON body must be an object (an OTLP ${what})`);
  }
  if (what === 'ExportMetricsServiceRequest') saturateJsonInts(parsed);
  try {
    return type.fromObject(parsed as Record<string, unknown>);
  } catch (error) {
    throw new TaktError('bad_request', `the JSON body is not an OTLP ${what}: ${(error as Error).message}`);
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * protobufjs's fromObject wraps an int64 written as decimal text past 64 bits
 * ("99999999999999999999999" became 200376420520689660). A data point's asInt outside
 * the int64 range, or not an integer at all, is set to the nearest int64 bound, so
 * that the mapper's range check rejects the point with its reason instead of storing
 * a wrapped number (OTLP spec, JSON encoding: int64 as a decimal string).
 */
function saturateJsonInts(request: unknown): void {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const rm of list((request as { resourceMetrics?: unknown }).resourceMetrics))
    for (const sm of list((rm as { scopeMetrics?: unknown })?.scopeMetrics))
      for (const m of list((sm as { metrics?: unknown })?.metrics)) {
        const metric = m as { sum?: { dataPoints?: unknown }; gauge?: { dataPoints?: unknown } } | null;
        for (const p of [...list(metric?.sum?.dataPoints), ...list(metric?.gauge?.dataPoints)]) {
          const point = p as { asInt?: unknown } | null;
          if (point === null || typeof point !== 'object' || point.asInt === undefined || point.asInt === null)
            continue;
          const text = typeof point.asInt === 'number' ? String(point.asInt) : point.asInt;
          if (typeof text !== 'string' || !/^-?\d+$/.test(text)) {
            point.asInt = INT64_MAX.toString();
            continue;
          }
          const n = BigInt(text);
          if (n > INT64_MAX) point.asInt = INT64_MAX.toString();
          else if (n < INT64_MIN) point.asInt = INT64_MIN.toString();
        }
      }
}

export function decodeMetricsRequest(body: Uint8Array, encoding: Encoding): ExportMetricsRequest {
  return decodeWith(types.metricsRequest, body, encoding, 'ExportMetricsServiceRequest') as ExportMetricsRequest;
}

export function decodeLogsRequest(body: Uint8Array, encoding: Encoding): ExportLogsRequest {
  return decodeWith(types.logsRequest, body, encoding, 'ExportLogsServiceRequest') as ExportLogsRequest;
}

export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

/**
 * Encodes the Export*ServiceResponse. partial_success is set only when something
 * was rejected (OTLP spec: "the server MUST leave partial_success unset" on full success,
 * when the message is empty).
 */
export function encodeExportResponse(signal: Signal, encoding: Encoding, partial?: PartialSuccess): Uint8Array {
  const rejectedField =
    signal === 'metrics' ? 'rejectedDataPoints' : signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
  const body =
    partial && (partial.rejected > 0 || partial.errorMessage)
      ? { partialSuccess: { [rejectedField]: partial.rejected, errorMessage: partial.errorMessage } }
      : {};
  if (encoding === 'json') return Buffer.from(JSON.stringify(body));
  const type =
    signal === 'metrics' ? types.metricsResponse : signal === 'logs' ? types.logsResponse : types.traceResponse;
  return type.encode(type.fromObject(body)).finish();
}

/**
 * The body of an OTLP/HTTP error response: a google.rpc.Status in the request's
 * encoding (OTLP spec, "Failures": the server MUST return a Status message).
 */
export function encodeStatus(encoding: Encoding, grpcCode: number, message: string): Uint8Array {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code: grpcCode, message }));
  return types.status.encode(types.status.fromObject({ code: grpcCode, message })).finish();
}
