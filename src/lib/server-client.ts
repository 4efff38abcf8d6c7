import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { type ErrorCode, errorCodes, TaktError } from './errors.ts';

/**
 * The one client of a takt server, for every command and background job that talks to it
 * (CLI commands, `takt sync`'s uploads, the hooks' posts, official readings). It owns the
 * timeout, gzip, retries and the mapping of failures to takt's error set:
 * - no connection, no answer in time, or an answer that is not JSON: ServerAway (`unavailable`);
 * - the server's own error answer: serverError keeps its code and message.
 */

/** The server cannot take it now (not reachable, no answer in time, 5xx, 408, 429): try again later. */
export class ServerAway extends TaktError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'ServerAway';
  }
}

export interface ServerRequest {
  server: string;
  path: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  token?: string | undefined;
  /** Default 15 s. */
  timeoutMs?: number;
  /** Gzip a body over 1 KiB (only endpoints that read gzip: the transcript upload). */
  gzip?: boolean;
  /** Further attempts after a failed connection (never after an answer); default 1 for GET, 0 otherwise. */
  retries?: number;
}

export interface ServerAnswer<T> {
  status: number;
  body: T;
}

const GZIP_ABOVE = 1024;
const RETRY_DELAY_MS = 250;

/** One request; its status and text. Throws ServerAway when no answer came. */
export async function callServer(r: ServerRequest): Promise<{ status: number; text: string }> {
  const method = r.method ?? (r.body === undefined ? 'GET' : 'POST');
  const retries = r.retries ?? (method === 'GET' ? 1 : 0);
  for (let attempt = 0; ; attempt++) {
    try {
      return await callOnce(r, method);
    } catch (error) {
      if (!(error instanceof ServerAway) || attempt >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

async function callOnce(r: ServerRequest, method: string): Promise<{ status: number; text: string }> {
  const server = r.server.replace(/\/+$/, '');
  const json = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
  const gzip = r.gzip === true && json !== undefined && json.length > GZIP_ABOVE;
  // A timer that holds the process open: AbortSignal.timeout's does not, and a request that
  // never settles (a proxy that drops the connection) must end as "away", not as a silent exit.
  const timeoutMs = r.timeoutMs ?? 15_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  try {
    let answer: Response;
    try {
      answer = await fetch(`${server}${r.path}`, {
        method,
        headers: {
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
        },
        ...(json === undefined ? {} : { body: gzip ? gzipSync(json) : json }),
        signal: controller.signal,
      });
    } catch (error) {
      // Aborted by the timer, fetch rejects with the timer's reason: its message says what happened.
      throw new ServerAway(`cannot reach ${server} (${(error as Error).message})`);
    }
    const text = await answer.text().catch(() => '');
    return { status: answer.status, text };
  } finally {
    clearTimeout(timer);
  }
}

/** One request whose answer must be JSON (any status); not JSON means this is no takt server. */
export async function requestJson<T>(r: ServerRequest): Promise<ServerAnswer<T>> {
  const { status, text } = await callServer(r);
  try {
    return { status, body: JSON.parse(text) as T };
  } catch {
    throw new ServerAway(
      `${r.server.replace(/\/+$/, '')}${r.path} answered ${status} with something that is not JSON: is this a takt server?`,
    );
  }
}

/** An answer that says "not now" (5xx, 408, 429): sending the same again later can succeed. */
export function retryLater(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * For queued work: the answer on success; ServerAway when retrying later can help
 * (retryLater); the server's refusal as a TaktError with its code when it cannot.
 */
export async function sendOrQueue<T>(r: ServerRequest): Promise<ServerAnswer<T>> {
  const { status, text } = await callServer(r);
  const where = `${r.server.replace(/\/+$/, '')}${r.path}`;
  if (retryLater(status)) throw new ServerAway(`${r.server} answered ${status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ServerAway(`${where} answered ${status} with something that is not JSON: is this a takt server?`);
  }
  if (status >= 400) {
    const e = (body as { error?: { message?: unknown } }).error;
    throw new TaktError(
      serverErrorCode({ status, body }),
      `${where}: ${typeof e?.message === 'string' ? e.message : text}`,
    );
  }
  return { status, body: body as T };
}

export function errorMessage(body: unknown): string {
  const e = (body as { error?: { message?: string } } | null)?.error;
  return e?.message ?? JSON.stringify(body);
}

function serverErrorCode(answer: { status: number; body: unknown }): ErrorCode {
  const sent = (answer.body as { error?: { code?: unknown } } | null)?.error?.code;
  if (errorCodes.includes(sent as ErrorCode)) return sent as ErrorCode;
  return answer.status >= 500 ? 'unavailable' : 'bad_request';
}

/** The server's error answer as a TaktError with the server's code (so the exit code follows it). */
export function serverError(answer: { status: number; body: unknown }): TaktError {
  return new TaktError(serverErrorCode(answer), errorMessage(answer.body));
}

export function postJson<T>(server: string, path: string, body: unknown, token?: string): Promise<ServerAnswer<T>> {
  return requestJson<T>({ server, path, method: 'POST', body, token });
}

export function getJson<T>(server: string, path: string, token?: string): Promise<ServerAnswer<T>> {
  return requestJson<T>({ server, path, method: 'GET', token });
}

/**
 * A GET whose answer may be long (an export): on 2xx the body is piped into `into` as it
 * arrives (the timeout covers only the wait for the answer's head); otherwise the server's
 * error as a TaktError. Throws ServerAway when no answer came.
 */
export async function downloadFromServer(
  r: Omit<ServerRequest, 'method' | 'body' | 'gzip' | 'retries'>,
  into: NodeJS.WritableStream,
): Promise<void> {
  const server = r.server.replace(/\/+$/, '');
  const timeoutMs = r.timeoutMs ?? 15_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  let answer: Response;
  try {
    answer = await fetch(`${server}${r.path}`, {
      headers: r.token ? { authorization: `Bearer ${r.token}` } : {},
      signal: controller.signal,
    });
  } catch (error) {
    throw new ServerAway(`cannot reach ${server} (${(error as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  if (answer.status >= 300) {
    const text = await answer.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      if (answer.status >= 500) throw new ServerAway(`${server} answered ${answer.status}`);
    }
    throw serverError({ status: answer.status, body });
  }
  if (!answer.body) return;
  try {
    // Written chunk by chunk, waiting for 'drain': memory holds a chunk, whatever the size.
    for await (const chunk of answer.body as AsyncIterable<Uint8Array>) {
      if (!into.write(chunk)) await once(into, 'drain');
    }
  } catch (error) {
    throw new ServerAway(`${server} cut the answer short (${(error as Error).message}): run it again`);
  }
}
