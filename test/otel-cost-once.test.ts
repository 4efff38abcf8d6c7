import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Issue 21.4's old-client quirk "OTel cost double counting" (before 2.1.214): one session's
 * cost arrives twice over OpenTelemetry — in each claude_code.api_request event's cost_usd and
 * in the claude_code.cost.usage metric. Summing both doubles it; takt counts one family per
 * (session, model) (usage/count-once.ts), so tokens and Claude Code's cost count once.
 */
const T0 = Date.parse('2026-03-02T10:20:00Z');
const MODEL = 'claude-sonnet-4-5-20250929';
const id = { host: 'laptop', sessionId: 'sess-cost' };

describe.each(dialects)('OTel cost counted once on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  let client: TestClient;
  const post = (path: string, body: Uint8Array) =>
    fetch(`${takt.directUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
      body,
    });

  beforeAll(async () => {
    db = await create();
    takt = await startTakt({ databaseUrl: db.url });
    client = new TestClient(takt.directUrl, takt.token);
  }, 60_000);
  afterAll(async () => {
    await takt?.stop();
    await db?.drop();
  });

  it('api_request cost_usd and claude_code.cost.usage of the same requests count once', async () => {
    const events = apiRequestLogs(id, [
      {
        model: MODEL,
        requestId: 'req_c1',
        input: 1200,
        output: 300,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0.03,
        timeMs: T0 + 1000,
        sequence: 1,
      },
      {
        model: MODEL,
        requestId: 'req_c2',
        input: 800,
        output: 700,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0.07,
        timeMs: T0 + 2000,
        sequence: 2,
      },
    ]);
    const metrics = tokenMetrics(
      id,
      [
        { model: MODEL, type: 'input', value: 2000 },
        { model: MODEL, type: 'output', value: 1000 },
      ],
      { startMs: T0, timeMs: T0 + 60_000, costs: [{ model: MODEL, value: 0.1 }] },
    );
    expect([
      (await post('/v1/logs', encodeLogs(events))).status,
      (await post('/v1/metrics', encodeMetrics(metrics))).status,
    ]).toEqual([200, 200]);
    const u = (
      await client.call('GET', '/api/usage?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&group_by=session')
    ).body;
    const session = u.groups.find((g: { key: string }) => g.key === 'sess-cost');
    expect({
      input: session.input_tokens,
      output: session.output_tokens,
      cost: Math.round(session.cost_usd * 1e6) / 1e6,
    }).toEqual({
      input: 2000,
      output: 1000,
      cost: 0.1,
    });
  });
});
