import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Issue 21.5 on both databases: Claude Code's own cost where the tokens count from `takt sync`
 * transcripts. The metrics' `claude_code.cost.usage` is Claude Code's figure for the session
 * even when the transcripts win its tokens; where events and metrics both report a cost, the
 * larger counts — never their sum. Sonnet 4.5 at list prices ($3 in, $15 out per million):
 *
 * - sess-m (desk, account A): transcripts 600/300 + 400/200 (list $0.0105); metrics that lost an
 *   interval, 800/400 and $0.30 → transcripts win the tokens, cost_usd $0.30 (was null);
 * - sess-b (desk, account A): an api_request event req_b1 100/50, $0.10 (list $0.00105); the
 *   transcripts req_b1 (stored already) and req_b2 200/100 (list $0.0021); metrics 250/120, $0.35
 *   → the per-request family wins the tokens, cost_usd $0.35 (the metrics', not $0.45, not $0.10);
 * - sess-c (lonely, no account: unlinked): transcript 1,000/500 (list $0.0105); metrics 800/400,
 *   $0.20 → unlinked cost_usd $0.20, list_cost_usd $0.0105.
 */

const MODEL = 'claude-sonnet-4-5-20250929';
const ACCOUNT = '11111111-2222-4333-8444-555555555555';

let takt: TestTakt;
let database: TestDatabase;
let now: number;

const call = (method: string, path: string, body?: unknown) =>
  new TestClient(takt.directUrl, takt.token).call(method, path, body);
const range = () => `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;

async function post(path: string, body: Uint8Array) {
  const r = await fetch(`${takt.directUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
    body,
  });
  expect(r.status).toBe(200);
}

async function metrics(host: string, sessionId: string, input: number, output: number, cost: number, account = true) {
  const id = { host, sessionId, ...(account ? { accountUuid: ACCOUNT } : {}) };
  await post(
    '/v1/metrics',
    encodeMetrics(
      tokenMetrics(
        id,
        [
          { model: MODEL, type: 'input', value: input },
          { model: MODEL, type: 'output', value: output },
        ],
        { startMs: now - 3000, timeMs: now - 2000, costs: [{ model: MODEL, value: cost }] },
      ),
    ),
  );
}

const record = (n: string, session: string, input: number, output: number) => ({
  message_id: `msg_${n}`,
  request_id: `req_${n}`,
  session_id: session,
  timestamp: new Date(now - 1500).toISOString(),
  model: MODEL,
  input_tokens: input,
  output_tokens: output,
  cache_read_tokens: 0,
  cache_creation_5m_tokens: 0,
  cache_creation_1h_tokens: 0,
});

describe.each(dialects)('reported cost from metrics beside transcript tokens on $name', ({ create }) => {
  beforeAll(async () => {
    database = await create();
    takt = await startTakt(database.dialect === 'postgres' ? { databaseUrl: database.url } : {});
    now = Date.now();
    await post(
      '/v1/logs',
      encodeLogs(
        apiRequestLogs({ host: 'desk', sessionId: 'sess-b', accountUuid: ACCOUNT }, [
          {
            model: MODEL,
            requestId: 'req_b1',
            input: 100,
            output: 50,
            cacheRead: 0,
            cacheCreation: 0,
            costUsd: 0.1,
            timeMs: now - 1500,
            sequence: 1,
          },
        ]),
      ),
    );
    await metrics('desk', 'sess-m', 800, 400, 0.3);
    await metrics('desk', 'sess-b', 250, 120, 0.35);
    await metrics('lonely', 'sess-c', 800, 400, 0.2, false);
    for (const [host, records] of [
      [
        'desk',
        [
          record('a1', 'sess-m', 600, 300),
          record('a2', 'sess-m', 400, 200),
          record('b1', 'sess-b', 100, 50),
          record('b2', 'sess-b', 200, 100),
        ],
      ],
      ['lonely', [record('c1', 'sess-c', 1000, 500)]],
    ] as const) {
      const upload = await call('POST', '/api/transcript-usage', { host_name: host, records });
      expect(upload.status).toBe(201);
    }
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  it('/api/usage: per session the metrics’ cost beside the transcripts’ tokens, the larger of events and metrics', async () => {
    const r = await call('GET', `/api/usage?${range()}&group_by=session`);
    expect(r.status).toBe(200);
    expect(
      r.body.groups.map((g: Record<string, unknown>) => [
        g.key,
        g.input_tokens,
        g.output_tokens,
        g.cost_usd,
        g.list_cost_usd,
      ]),
    ).toEqual([
      ['sess-b', 300, 150, 0.35, 0.00315],
      ['sess-c', 1000, 500, 0.2, 0.0105],
      ['sess-m', 1000, 500, 0.3, 0.0105],
    ]);
    expect(r.body.totals).toMatchObject({
      input_tokens: 2300,
      output_tokens: 1150,
      cost_usd: 0.85,
      list_cost_usd: 0.02415,
    });
  });

  it('/api/me/sessions carries the same two costs', async () => {
    const r = await call('GET', '/api/me/sessions');
    expect(
      r.body.sessions
        .map((s: Record<string, unknown>) => [s.session_id, s.tokens, s.cost_usd, s.list_cost_usd])
        .sort(([a]: string[], [b]: string[]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['sess-b', 450, 0.35, 0.00315],
      ['sess-c', 1500, 0.2, 0.0105],
      ['sess-m', 1500, 0.3, 0.0105],
    ]);
  });

  it('machines and unlinked usage split the reported cost from the list cost', async () => {
    // "Today" in a zone where it is about noon (Etc/GMT-N is N hours east of UTC): no midnight
    // falls between the usage of seconds ago and this read. In UTC one did in the first seconds
    // of a UTC day, and tokens today were 0.
    const east = 12 - new Date().getUTCHours();
    const zone = `Etc/GMT${east > 0 ? '-' : '+'}${Math.abs(east)}`;
    const machines = await call('GET', `/api/me/machines?tz=${encodeURIComponent(zone)}`);
    expect(
      machines.body.machines
        .map((m: Record<string, unknown>) => [m.host_name, m.tokens_today, m.cost_usd_today, m.list_cost_usd_today])
        .sort(([a]: string[], [b]: string[]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['desk', 1950, 0.65, 0.01365],
      ['lonely', 1500, 0.2, 0.0105],
    ]);
    const usage = await call('GET', '/api/me/usage');
    expect(usage.body.unlinked).toMatchObject({ total_tokens: 1500, cost_usd: 0.2, list_cost_usd: 0.0105 });
    const five = usage.body.accounts[0].windows.five_hour;
    expect([five.cost_usd, five.list_cost_usd]).toEqual([0.65, 0.01365]);
  });
});
