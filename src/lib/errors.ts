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

/**
 * Failures of the database that pass: PostgreSQL down, restarting or out of connections,
 * SQLite's disk full or file busy. Recognised by their codes (pg and better-sqlite3 set
 * `code`) so that lib needs neither driver. They become `unavailable` (503 + Retry-After,
 * gRPC UNAVAILABLE): OTLP exporters retry those, and drop data on a 500.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOSPC',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '53100', // disk_full
  'SQLITE_FULL',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
const TRANSIENT_MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|database or disk is full|database is locked|the database system is (starting up|shutting down)/i;

export function isTransientStoreError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (TRANSIENT_CODES.has(code) || code.startsWith('08') || code.startsWith('SQLITE_IOERR'))
  )
    return true;
  return TRANSIENT_MESSAGES.test(error.message);
}

/** A TaktError as is; a passing database failure as `unavailable`; anything else `internal`. */
export function toTaktError(error: unknown, internalMessage: string): TaktError {
  if (isTaktError(error)) return error;
  if (isTransientStoreError(error)) {
    return new TaktError(
      'unavailable',
      `the database cannot be reached or written just now (${(error as Error).message}): retry in a few seconds`,
    );
  }
  return new TaktError('internal', internalMessage);
}
