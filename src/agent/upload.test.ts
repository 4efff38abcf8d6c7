import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaktError } from '../lib/errors.ts';
import { postToServer, ServerAway } from './upload.ts';

let server: Server;
let base = '';
const seen: { encoding: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      seen.push({ encoding, body: (encoding === 'gzip' ? gunzipSync(raw) : raw).toString() });
      if (req.url === '/hang') return; // never answers
      const status = Number(req.url?.slice(1));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 400 ? '{"ok":true}' : '{"error":{"code":"unauthenticated","message":"bad token"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('posting to the takt server', () => {
  it('gzips a large body and returns the answer', async () => {
    const big = { records: Array.from({ length: 100 }, (_, i) => ({ message_id: `msg_${i}` })) };
    expect(await postToServer(base, '/200', big, 't')).toEqual({ status: 200, body: { ok: true } });
    expect(seen.at(-1)).toEqual({ encoding: 'gzip', body: JSON.stringify(big) });
    await postToServer(base, '/201', { records: [] }, 't');
    expect(seen.at(-1)).toEqual({ encoding: undefined, body: '{"records":[]}' });
  });

  it('treats no answer, 5xx and 429 as the server away; a refusal as an error with its code', async () => {
    await expect(postToServer(base, '/hang', {}, 't', { timeoutMs: 300 })).rejects.toThrow(
      new ServerAway(`cannot reach ${base} (no answer within 0.3 s)`),
    );
    await expect(postToServer(base, '/503', {}, 't')).rejects.toBeInstanceOf(ServerAway);
    await expect(postToServer(base, '/429', {}, 't')).rejects.toBeInstanceOf(ServerAway);
    await expect(postToServer(base, '/401', {}, 't')).rejects.toEqual(
      new TaktError('unauthenticated', `${base}/401: bad token`),
    );
    await expect(postToServer('http://127.0.0.1:1', '/x', {}, 't')).rejects.toBeInstanceOf(ServerAway);
  });
});
