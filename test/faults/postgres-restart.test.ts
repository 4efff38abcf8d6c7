import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PostgresServer, startPostgresServer } from '../support/postgres-server.ts';
import { runExporters, storedBySession } from '../support/steady-exporters.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * PostgreSQL stopped and started again under steady ingest (a server of this test's own):
 * takt answers 503 with Retry-After while it is down (OTLP exporters retry those), needs
 * no restart itself, and once the exporters have resent, every export is stored once.
 */
let pgServer: PostgresServer;
let takt: TestTakt;

beforeAll(async () => {
  pgServer = startPostgresServer();
  takt = await startTakt({ databaseUrl: pgServer.url });
}, 60_000);
afterAll(async () => {
  await takt?.stop();
  pgServer?.dispose();
});

it('answers 503 + Retry-After while PostgreSQL is down, recovers by itself, loses nothing', async () => {
  const count = 400;
  // A token never used yet, so no verifier cache answers for it while the database is down.
  const fresh = await takt.addUser('probe@example.com');
  const run = runExporters({ baseUrl: () => takt.directUrl, token: takt.token, count, workers: 4 });
  const acknowledged = () => run.outcomes.filter((o) => o.acknowledgedAt !== undefined).length;
  await waitFor('the first 20 exports acknowledged', acknowledged, (n) => n >= 20, 60_000);
  pgServer.stop();
  // While it is down: a direct probe of both an export and the health check.
  const during = await fetch(`${takt.directUrl}/v1/metrics`, {
    method: 'POST',
    body: new Uint8Array(0),
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${fresh.token}` },
  });
  const health = await fetch(`${takt.directUrl}/healthz`);
  const refusals = () => run.outcomes.reduce((n, o) => n + o.statuses.filter((st) => st === 503).length, 0);
  await waitFor('the exporters refused (503) while PostgreSQL is down', refusals, (n) => n >= 4, 60_000);
  pgServer.start();
  await run.done;

  const statuses = new Set(run.outcomes.flatMap((o) => o.statuses));
  const stored = await storedBySession(takt.directUrl, takt.token);
  const total = [...stored.values()].reduce((a, b) => a + b, 0);
  expect([during.status, during.headers.get('retry-after'), health.status]).toEqual([503, '2', 503]);
  expect([...statuses].sort()).toEqual([200, 503]);
  expect(run.outcomes.every((o) => o.acknowledgedAt !== undefined)).toBe(true);
  expect(stored.size).toBe(count);
  expect(total).toBe(run.outcomes.reduce((a, o) => a + o.value, 0));
}, 180_000);
