import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it, verified with the `standardwebhooks` package. */
export interface ReceivedRequest {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified payload; null when verification failed. */
  verified: unknown;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Requests answered 2xx whose verification passed, in arrival order. */
  delivered(): ReceivedRequest[];
  /** The secret to verify with (set once the endpoint is created). */
  secret: string;
  /** Decides the answer for the n-th request (0-based) overall; 204 by default. */
  answer: (n: number, req: { id: string; body: string }) => number | Promise<number>;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 and a random port, verifying every request's signature. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const r: WebhookReceiver = {
    url: '',
    port: 0,
    requests: [],
    secret: '',
    answer: () => 204,
    delivered: () => r.requests.filter((q) => q.status >= 200 && q.status < 300 && q.verified !== null),
    async waitFor(predicate, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > until) throw new Error(`timed out; received ${r.requests.length} requests`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      let verified: unknown = null;
      try {
        verified = new Webhook(r.secret).verify(body, req.headers as Record<string, string>);
      } catch {
        verified = null;
      }
      const n = r.requests.length;
      const entry: ReceivedRequest = { id, headers: req.headers, body, verified, status: 0 };
      r.requests.push(entry);
      const status = await r.answer(n, { id, body });
      entry.status = status;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}/hook`;
  return r;
}
