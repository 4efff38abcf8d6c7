import type { Context } from 'hono';
import { authenticateBearer } from '../auth/authenticate-bearer.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { handleExport, type Transport } from '../ingest/export-handler.ts';
import { grpcStatusOf } from '../ingest/grpc-status.ts';
import { type Encoding, encodeExportResponse, encodeStatus, type Signal } from '../ingest/otlp-decode.ts';
import { TaktError, toTaktError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import type { TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import { httpStatusOf } from './http-errors.ts';
import type { ServerMetrics } from './observability.ts';
import { decompressBody, EXPORT_HINT, readRequestBody } from './read-body.ts';

export interface OtlpHttpDeps {
  recorder: TelemetryRecorder;
  metrics: ServerMetrics;
  tokens: TokenVerifier;
  log: Logger;
  bodyLimitBytes: number;
}

const CONTENT_TYPES: Record<string, Encoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/** OTLP/HTTP paths, also under a base-path prefix such as /otlp/v1/logs. */
export const OTLP_PATH = /^(?:\/.*)?\/v1\/(metrics|logs|traces)\/?$/;

/** POST /v1/{metrics,logs,traces} (OTLP/HTTP, protobuf or JSON, gzip or not). */
export async function handleOtlpHttp(c: Context, signal: Signal, deps: OtlpHttpDeps): Promise<Response> {
  const transport: Transport = 'http';
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const encoding = CONTENT_TYPES[mediaType];
  if (!encoding) {
    // OTLP/HTTP: only binary protobuf and JSON are defined; anything else is 415.
    deps.metrics.exportsTotal.inc({ signal, transport, outcome: 'rejected' });
    return c.json(
      {
        code: 3,
        message: `Content-Type ${mediaType || '(none)'} is not supported: send application/x-protobuf or application/json`,
      },
      415,
    );
  }
  let handled = false;
  try {
    const identity = await authenticateBearer(c.req.header('authorization'), deps.tokens);
    const raw = await readRequestBody(c, deps.bodyLimitBytes, EXPORT_HINT);
    const body = await decompressBody(raw, c.req.header('content-encoding'), deps.bodyLimitBytes);
    handled = true;
    const partial = await handleExport(deps, { signal, encoding, body, identity, transport });
    return respond(c, encoding, 200, encodeExportResponse(signal, encoding, partial));
  } catch (error) {
    const e = toTaktError(error, 'internal error: see the server log');
    if (e.code === 'unavailable' && !(error instanceof TaktError))
      deps.log.warn('OTLP/HTTP export refused: the store is unavailable', { signal, error });
    else if (!(error instanceof TaktError)) deps.log.error('OTLP/HTTP export failed', { signal, error });
    // handleExport counts its own rejections; count those that happened before it.
    if (!handled) deps.metrics.exportsTotal.inc({ signal, transport, outcome: 'rejected' });
    const status = httpStatusOf(e.code);
    const headers: Record<string, string> = {};
    // OTLP/HTTP: 429 and 503 are retryable; Retry-After tells the exporter when.
    if (status === 503 || status === 429) headers['Retry-After'] = '2';
    // The rest of an oversized body is not read: close the connection rather than leave
    // unread bytes where the client's next request on it would start.
    if (status === 413) headers.Connection = 'close';
    return respond(c, encoding, status, encodeStatus(encoding, grpcStatusOf(e.code), e.message), headers);
  }
}

function respond(
  _c: Context,
  encoding: Encoding,
  status: number,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      ...headers,
    },
  });
}
