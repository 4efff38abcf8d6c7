import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '../../src/server/start-server.ts';
import { faultExport } from '../support/steady-exporters.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';

/**
 * 200 slow clients (100 trickling their headers, 100 their body, a byte at a time) do not
 * stop others being served, and are cut off by the timeouts. The test runs with short
 * timeouts; the defaults are those of docs/operations.md. No wall-clock budget: the others
 * must be answered before the timeouts cut any slow client off, whatever the machine's speed;
 * and the server ends every slow client, with 408 (or 400 for a header it cannot parse).
 */
let takt: TestTakt;
beforeAll(async () => {
  takt = await startTakt({ httpTimeouts: { headersMs: 5000, requestMs: 7000, checkIntervalMs: 250 } });
});
afterAll(async () => {
  await takt.stop();
});

function trickle(
  port: number,
  head: string,
  drip: string,
): { socket: Socket; connected: Promise<void>; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let got = '';
  socket.on('data', (d) => {
    got += String(d);
  });
  const connected = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      socket.write(head);
      resolve();
    }),
  );
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(drip);
  }, 100);
  // What the server said as it closed the connection (its status line).
  const answer = new Promise<string>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(got.split('\r\n')[0] ?? '');
    }),
  );
  return { socket, connected, answer };
}

const send = (i: number) =>
  fetch(`${takt.directUrl}/v1/metrics`, {
    method: 'POST',
    body: faultExport(i).body,
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${takt.token}` },
  });

it('serves others while 200 clients trickle, and cuts the trickling ones off', async () => {
  const port = Number(new URL(takt.directUrl).port);
  // A first export warms the server (its writer thread, the ingest path) before the clock matters.
  expect((await send(1000)).status).toBe(200);
  const slow = [
    ...Array.from({ length: 100 }, () =>
      trickle(port, `POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, 'X'),
    ),
    ...Array.from({ length: 100 }, () =>
      trickle(
        port,
        `POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-protobuf\r\n` +
          `Authorization: Bearer ${takt.token}\r\nContent-Length: 100000\r\n\r\n`,
        '\0',
      ),
    ),
  ];
  // Every slow client is connected and trickling before the others are measured.
  await Promise.all(slow.map((s) => s.connected));
  // Cut off by a timeout before the others were served: the server made them wait for it.
  let timedOut = 0;
  for (const s of slow) void s.answer.then((a) => (timedOut += a.includes(' 408 ') ? 1 : 0));
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await send(i);
    statuses.push(r.status);
  }
  const timedOutWhenServed = timedOut;
  // The clients trickle forever: each close is the server cutting it off, saying why.
  const answers = await Promise.all(slow.map((s) => s.answer));

  expect(statuses).toEqual(Array(20).fill(200));
  // Served before any timeout: had the slow clients blocked the server, the others would have
  // been answered only once the timeouts had cut them off.
  expect(timedOutWhenServed).toBe(0);
  expect(new Set(answers.map((a) => a.replace(/^HTTP\/1\.1 (400|408) .*$/, 'cut off')))).toEqual(new Set(['cut off']));
  expect(HTTP_TIMEOUTS).toEqual({ headersMs: 20_000, requestMs: 120_000, keepAliveMs: 65_000, checkIntervalMs: 2_000 });
}, 30_000);
