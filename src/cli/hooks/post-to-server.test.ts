import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postToServer } from './post-to-server.ts';

/** A server whose answers are scripted per request: a status, or 'drop' (the connection closed unanswered). */
let script: (number | 'drop')[] = [];
const received: unknown[] = [];
let server: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'takt-post-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = script.shift() ?? 201;
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(next, { 'content-type': 'application/json', ...(next === 503 ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify(next < 300 ? { created: true } : { error: { code: 'unavailable', message: 'busy' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function post(home: string, delaysMs: number[], slept: number[]) {
  return postToServer(
    '/api/limit-events',
    { kind: 'hit_limit', window: 'five_hour', source: 'hook' },
    {
      home,
      env: { HOME: dir, TAKT_SERVER: url, TAKT_TOKEN: 'takt_x' },
      delaysMs,
      sleep: async (ms) => {
        slept.push(ms);
      },
    },
  );
}
const logOf = (home: string) => readFileSync(join(home, 'hooks.log'), 'utf8').trim().split('\n');

it('tries again while the server says "not now" or cannot be reached, and stops at the first real answer', async () => {
  const home = join(dir, 'a');
  script = [503, 'drop', 429, 201];
  received.length = 0;
  const slept: number[] = [];
  expect(await post(home, [10, 20, 40, 80], slept)).toMatchObject({ status: 201 });
  expect(slept).toEqual([10, 20, 40]);
  expect(received).toHaveLength(3); // the dropped one never reached the handler's answer
  const log = logOf(home);
  expect(log).toHaveLength(4);
  expect(log[0]).toMatch(/POST \/api\/limit-events 503 .*busy.*\(trying again in 0\.01 s\)$/);
  expect(log[1]).toMatch(/POST \/api\/limit-events unreachable: .*\(trying again in 0\.02 s\)$/);
  expect(log[2]).toMatch(/429 .*\(trying again in 0\.04 s\)$/);
  expect(log[3]).toMatch(/POST \/api\/limit-events 201 /);
});

it('gives up after its last wait, saying so, and never retries a refusal', async () => {
  const home = join(dir, 'b');
  script = [503, 503, 503];
  const slept: number[] = [];
  expect(await post(home, [5, 5], slept)).toMatchObject({ status: 503 });
  expect(slept).toEqual([5, 5]);
  expect(logOf(home).at(-1)).not.toContain('trying again');

  const refused = join(dir, 'c');
  script = [401];
  const none: number[] = [];
  expect(await post(refused, [5, 5], none)).toMatchObject({ status: 401 });
  expect(none).toEqual([]);
  expect(logOf(refused)).toHaveLength(1);
});
