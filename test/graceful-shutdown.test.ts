import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { loadConfig } from '../src/config/config.ts';
import { queryUsage } from '../src/queries/usage-report.ts';
import { startServer } from '../src/server/start-server.ts';
import { openStore } from '../src/store/open-store.ts';
import { insertUser } from '../src/store/users.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';

const home = mkdtempSync(join(tmpdir(), 'takt-shutdown-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('acknowledges only what it stored: every 200 sent before shutdown is on disk afterwards', async () => {
  const config = loadConfig({ TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0' });
  const server = await startServer(config);
  const user = await insertUser(server.context.store.db, { email: 'u@example.com' });
  const { token } = await issueApiToken(server.context.store.db, user.id);
  const T0 = Date.UTC(2026, 10, 1);
  const exports = Array.from({ length: 60 }, (_, i) =>
    encodeMetrics(
      tokenMetrics({ host: 'h', sessionId: `s${i}` }, [{ model: 'm', type: 'input', value: 1000 + i }], {
        startMs: T0 + i,
        timeMs: T0 + i + 1,
      }),
    ),
  );
  const sent = exports.map((body) =>
    fetch(`${server.httpUrl}/v1/metrics`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    }).then(
      (r) => r.status,
      () => 0,
    ),
  );
  // Shut down as soon as the first export is answered, with the others in flight.
  await Promise.race(sent);
  const closed = server.close();
  const statuses = await Promise.all(sent);
  await closed;

  const store = await openStore(config.databaseUrl);
  const stored = await queryUsage(store.db, { userId: user.id, from: T0, to: T0 + 60_000 });
  await store.close();
  const acknowledged = statuses.reduce((sum, s, i) => sum + (s === 200 ? 1000 + i : 0), 0);
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  expect(stored.totals.input_tokens).toBe(acknowledged);
});
