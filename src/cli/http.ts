import { type ErrorCode, errorCodes, TaktError } from '../lib/errors.ts';

/**
 * JSON over HTTP to a takt server, for CLI commands. A server that cannot be reached, or
 * that answers something that is not JSON, is `unavailable` (exit code 3); the server's
 * own errors keep their code and message (serverError).
 */
export async function postJson<T>(
  server: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  return requestJson<T>('POST', server, path, body, token);
}

export async function getJson<T>(server: string, path: string, token?: string): Promise<{ status: number; body: T }> {
  return requestJson<T>('GET', server, path, undefined, token);
}

async function requestJson<T>(
  method: 'GET' | 'POST',
  server: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  let r: Response;
  try {
    r = await fetch(`${server.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new TaktError(
      'unavailable',
      `cannot reach ${server} (${(error as Error).message}): check the URL and that takt serve is running`,
    );
  }
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TaktError(
      'unavailable',
      `${server}${path} answered ${r.status} with something that is not JSON: is this a takt server?`,
    );
  }
  return { status: r.status, body: parsed as T };
}

export function errorMessage(body: unknown): string {
  const e = (body as { error?: { message?: string } }).error;
  return e?.message ?? JSON.stringify(body);
}

/** The server's error answer as a TaktError with the server's code (so the exit code follows it). */
export function serverError(answer: { status: number; body: unknown }): TaktError {
  const sent = (answer.body as { error?: { code?: unknown } }).error?.code;
  const code: ErrorCode = errorCodes.includes(sent as ErrorCode)
    ? (sent as ErrorCode)
    : answer.status >= 500
      ? 'unavailable'
      : 'bad_request';
  return new TaktError(code, errorMessage(answer.body));
}
