import { request } from 'node:http';

/** An answer as it came off the wire: status, lower-case headers and the body as text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request with exactly the headers given (fetch adds its own, such as a
 * text/plain Content-Type for a string body, and would hide what a browser sends).
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Streams a chunked body (no Content-Length) of up to `maxBytes` until the server answers,
 * and says how much was sent by then: a server that enforces its limit while reading answers
 * after a few chunks, one that reads everything first answers after all of them.
 */
export function streamUntilAnswered(
  url: string,
  headers: Record<string, string>,
  maxBytes: number,
): Promise<{ status: number; sentBytes: number; text: string }> {
  const chunk = Buffer.alloc(64 * 1024, 0x61); // 'a'
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: 'POST', headers }, (res) => {
      answered = true;
      const sentBytes = sent;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, sentBytes, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    // Writing after the server closed its side fails (EPIPE, ECONNRESET): expected once answered.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < maxBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}
