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
  try {
    return type.fromObject(parsed as Record<string, unknown>);
  } catch (error) {
    throw new TaktError('bad_request', `the JSON body is not an OTLP ${what}: ${(error as Error).message}`);
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
