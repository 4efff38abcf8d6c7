import { TaktError } from '../lib/errors.ts';
import { bearerFrom, type TokenIdentity } from './api-token.ts';
import type { TokenVerifier } from './token-verifier.ts';

/**
 * The exporter's bearer token (OTLP/HTTP Authorization header or gRPC metadata) to its
 * identity, with one set of messages for both transports.
 */
export async function authenticateBearer(
  authorization: string | null | undefined,
  tokens: TokenVerifier,
): Promise<TokenIdentity> {
  const token = bearerFrom(authorization);
  if (!token) {
    throw new TaktError(
      'unauthenticated',
      'no bearer token: set OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <your takt token>" (takt setup does it for you)',
    );
  }
  const identity = await tokens.verify(token);
  if (!identity) {
    throw new TaktError(
      'unauthenticated',
      'the bearer token is unknown or revoked: create a new one (takt setup, or takt token create on the server)',
    );
  }
  return identity;
}
