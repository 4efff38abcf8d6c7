import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '../../src/server/start-server.ts';
import { faultExport } from '../support/steady-exporters.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';

/**
 * 200 slow clients (100 trickling their headers, 100 their body, a byte at a time) do not
 * stop others being served, and are cut off by the timeouts. The test runs with short
 * timeouts; the defaults are those of docs/operations.md.
 */
let takt: TestTakt;
beforeAll(async () => {
  takt = await startTakt({ httpTimeouts: { headersMs: 1500, requestMs: 3000, checkIntervalMs: 250 } });
});
afterAll(async () => {
  await takt.stop();
});

function trickle(
  port: number,
  head: string,
  drip: string,
): { socket: Socket; connected: Promise<void>; closedAt: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const connected = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      socket.write(head);
      resolve();
    }),
  );
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(drip);
  }, 100);
  const closedAt = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now());
    }),
  );
  return { socket, connected, closedAt };
}

it('serves others while 200 clients trickle, and cuts the trickling ones off', async () => {
  const port = Number(new URL(takt.directUrl).port);
  const started = Date.now();
  const slow = [
    ...Array.from({ length: 100 }, () => trickle(port, 'POST /v1/metrics HTTP/1.1\r\nHost: x\r\n', 'X')),
    ...Array.from({ length: 100 }, () =>
      trickle(
        port,
        'POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n' +
          `Authorization: Bearer ${takt.token}\r\nContent-Length: 100000\r\n\r\n`,
        '\0',
      ),
    ),
  ];
  // Every slow client is connected and trickling before the others are measured.
  await Promise.all(slow.map((s) => s.connected));
  const latencies: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const r = await fetch(`${takt.directUrl}/v1/metrics`, {
      method: 'POST',
      body: faultExport(i).body,
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${takt.token}` },
    });
    statuses.push(r.status);
    latencies.push(performance.now() - t);
  }
  const closed = await Promise.all(slow.map((s) => s.closedAt));
  const lastClosed = Math.max(...closed) - started;

  expect(statuses).toEqual(Array(20).fill(200));
  expect(Math.max(...latencies)).toBeLessThan(1000);
  expect(lastClosed).toBeLessThan(6000);
  expect(HTTP_TIMEOUTS).toEqual({ headersMs: 20_000, requestMs: 120_000, keepAliveMs: 65_000, checkIntervalMs: 2_000 });
}, 30_000);
