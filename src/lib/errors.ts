/**
 * The one closed set of error codes. Every transport maps them once:
 * HTTP status in server/http-errors.ts, gRPC code in ingest/grpc-status.ts,
 * CLI exit code in cli/exit-code.ts.
 */
export const errorCodes = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  // A body in a media type the endpoint does not read (JSON endpoints take only application/json).
  'unsupported_media_type',
  // Well-formed, but it cannot be acted on as sent (e.g. no account can be told from it): say what to send.
  'unprocessable',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** An expected failure: its message tells the caller what to do next. */
export class TaktError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'TaktError';
    this.code = code;
    this.details = details;
  }
}

export function isTaktError(value: unknown): value is TaktError {
  return value instanceof TaktError;
}
