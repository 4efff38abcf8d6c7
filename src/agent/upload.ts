import { gzipSync } from 'node:zlib';
import { type ErrorCode, errorCodes, TaktError } from '../lib/errors.ts';

/** The server cannot take it now (not reachable, 5xx, 429): keep it queued and try again later. */
export class ServerAway extends Error {}

/**
 * POSTs JSON to the takt server, gzipped when it is large enough to gain from it. The
 * server's answer on success; ServerAway when it should be retried later; a TaktError with
 * the server's code when retrying cannot help (a bad token, a rejected body).
 */
export async function postToServer<T>(
  server: string,
  path: string,
  body: unknown,
  token: string | undefined,
  options: { timeoutMs?: number } = {},
): Promise<{ status: number; body: T }> {
  const json = Buffer.from(JSON.stringify(body));
  const gzip = json.length > 1024;
  // A timer that holds the process open: AbortSignal.timeout's does not, and a request that
  // never settles (a proxy that drops the connection) must end as "away", not as a silent exit.
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  let r: Response;
  try {
    r = await fetch(`${server.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: gzip ? gzipSync(json) : json,
      signal: controller.signal,
    });
  } catch (error) {
    clearTimeout(timer);
    // Aborted by the timer, fetch rejects with the timer's reason: its message says what happened.
    throw new ServerAway(`cannot reach ${server} (${(error as Error).message})`);
  }
  const text = await r.text().catch(() => '');
  clearTimeout(timer);
  if (r.status >= 500 || r.status === 429 || r.status === 408) {
    throw new ServerAway(`${server} answered ${r.status}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ServerAway(
      `${server}${path} answered ${r.status} with something that is not JSON: is this a takt server?`,
    );
  }
  if (r.status >= 400) {
    const e = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
    const code: ErrorCode = errorCodes.includes(e?.code as ErrorCode) ? (e?.code as ErrorCode) : 'bad_request';
    throw new TaktError(code, `${server}${path}: ${typeof e?.message === 'string' ? e.message : text}`);
  }
  return { status: r.status, body: parsed as T };
}
