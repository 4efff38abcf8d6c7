import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { gunzip, inflate } from 'node:zlib';
import type { Context } from 'hono';
import { TaktError } from '../lib/errors.ts';

/** OTLP exports: the hint a 413 gives, since the exporter's batch size is what to change. */
export const EXPORT_HINT =
  'send smaller batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE) or raise TAKT_BODY_LIMIT on the server';

/**
 * JSON and form bodies of the API: a few hundred bytes in practice (an email, a password, a
 * host name). 64 kB leaves room and stops a flood after one read, not after gigabytes.
 */
export const API_BODY_LIMIT = 64 * 1024;
export const API_HINT = 'API requests are small: send only the documented fields (docs/api.md)';

/** The request's media type, lower-case, without parameters ("" when there is none). */
export function mediaTypeOf(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The body of a request, with the limit enforced while reading. Behind @hono/node-server it
 * reads Node's request stream: touching c.req.raw.body would build a web Request around it.
 */
export function readRequestBody(c: Context, limit: number, hint: string): Promise<Buffer> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return readBodyLimited(incoming ?? c.req.raw.body, limit, c.req.header('content-length'), hint);
}

/** An HTML form's fields (application/x-www-form-urlencoded), read within `limit`. */
export async function readForm(c: Context, limit = API_BODY_LIMIT): Promise<Record<string, string>> {
  const type = mediaTypeOf(c);
  if (type !== 'application/x-www-form-urlencoded') {
    throw new TaktError(
      'unsupported_media_type',
      `Content-Type ${type || '(none)'} is not accepted here: send the form as application/x-www-form-urlencoded`,
    );
  }
  const body = await readRequestBody(c, limit, API_HINT);
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

/**
 * Reads a request body with a size limit enforced while reading (a chunked body
 * without Content-Length is cut off as soon as it passes the limit) and again after
 * decompression, so a small gzip bomb cannot expand past it.
 */
export async function readBodyLimited(
  stream: Readable | ReadableStream<Uint8Array> | null,
  limit: number,
  contentLength: string | undefined,
  hint = EXPORT_HINT,
): Promise<Buffer> {
  if (contentLength !== undefined && Number(contentLength) > limit) throw tooLarge(limit, hint);
  if (!stream) return Buffer.alloc(0);
  if (stream instanceof Readable) return readNodeStream(stream, limit, hint);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit, hint);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The body from Node's request stream, as the server gets it: no web Request, AbortSignal
 * and ReadableStream built around it for every export. Past the limit it stops reading
 * (the caller answers 413 and closes the connection).
 */
function readNodeStream(stream: Readable, limit: number, hint: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: TaktError) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else {
        stream.pause();
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit, hint));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) =>
      finish(new TaktError('bad_request', `the body could not be read: ${error.message}`));
    const onClose = () => finish(new TaktError('bad_request', 'the connection closed before the body ended'));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

export async function decompressBody(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return body;
  if (e !== 'gzip' && e !== 'deflate') {
    throw new TaktError('bad_request', `Content-Encoding ${encoding} is not supported: send gzip or no encoding`);
  }
  const fn = e === 'gzip' ? gunzip : inflate;
  return new Promise((resolve, reject) => {
    fn(body, { maxOutputLength: limit }, (error, out) => {
      if (!error) resolve(out);
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        reject(tooLarge(limit, EXPORT_HINT, true));
      else reject(new TaktError('bad_request', `the body is not valid ${e} data: ${error.message}`));
    });
  });
}

function tooLarge(limit: number, hint: string, decompressed = false): TaktError {
  return new TaktError(
    'payload_too_large',
    `the body is larger than ${limit} bytes${decompressed ? ' once decompressed' : ''}: ${hint}`,
  );
}
