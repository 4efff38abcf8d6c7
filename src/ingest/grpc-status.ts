import { status } from '@grpc/grpc-js';
import type { ErrorCode } from '../lib/errors.ts';

/** The one mapping from takt error codes to gRPC status codes (OTLP/gRPC spec, "Failures"). */
export function grpcStatusOf(code: ErrorCode): status {
  switch (code) {
    case 'bad_request':
      return status.INVALID_ARGUMENT;
    case 'unauthenticated':
      return status.UNAUTHENTICATED;
    case 'forbidden':
      return status.PERMISSION_DENIED;
    case 'not_found':
      return status.NOT_FOUND;
    case 'conflict':
      return status.ALREADY_EXISTS;
    case 'payload_too_large':
      return status.RESOURCE_EXHAUSTED;
    case 'unprocessable':
    case 'unsupported_media_type':
      // gRPC has no media-type status; a wrong content-type is the caller's argument error.
      return status.INVALID_ARGUMENT;
    case 'rate_limited':
      return status.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return status.UNAVAILABLE;
    case 'internal':
      return status.INTERNAL;
    default:
      return code satisfies never;
  }
}
