import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiRequestLogs,
  encodeLogs,
  encodeMetrics,
  LogsResponse,
  MetricsResponse,
  StatusMessage,
  tokenMetrics,
} from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const MODEL = 'claude-sonnet-4-5-20250929';
const PROTOBUF = 'application/x-protobuf';

interface Totals {
  input_tokens: number;
  output_tokens: number;
}

let takt: TestTakt;
let seq = 0;

/** A fresh session's export with distinct numbers, so each test sees only its own usage. */
function uniqueExport(input: number) {
  seq++;
  return tokenMetrics(
    { host: 'laptop', sessionId: `http-${seq}` },
    [
      { model: MODEL, type: 'input', value: input },
      { model: MODEL, type: 'output', value: input * 2 },
    ],
    { startMs: T0 + seq * 1000, timeMs: T0 + seq * 1000 + 500 },
  );
}

async function post(
  path: string,
  body: Uint8Array | string | ReadableStream<Uint8Array>,
  headers: Record<string, string>,
  token: string | null = takt.token,
) {
  return fetch(`${takt.directUrl}${path}`, {
    method: 'POST',
    body,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    duplex: 'half',
  } as RequestInit);
}

async function usage(
  token = takt.token,
  query = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`,
) {
  const r = await fetch(`${takt.directUrl}/api/usage?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: r.status,
    body: (await r.json()) as { totals: Totals; groups: ({ key: string } & Totals)[] },
  };
}

async function statusOf(r: Response) {
  return StatusMessage.toObject(StatusMessage.decode(new Uint8Array(await r.arrayBuffer()))) as {
    code: number;
    message: string;
  };
}

beforeAll(async () => {
  takt = await startTakt({ env: { TAKT_BODY_LIMIT: '64kb' } });
});
afterAll(async () => {
  await takt.stop();
});

describe('OTLP/HTTP receiver', () => {
  it('accepts protobuf, JSON, gzip and a base-path prefix, and counts each token once', async () => {
    const before = (await usage()).body.totals.input_tokens;
    const results = await Promise.all([
      post('/v1/metrics', encodeMetrics(uniqueExport(100)), { 'content-type': PROTOBUF }),
      post('/v1/metrics', JSON.stringify(uniqueExport(200)), { 'content-type': 'application/json' }),
      post('/v1/metrics', gzipSync(encodeMetrics(uniqueExport(400))), {
        'content-type': PROTOBUF,
        'content-encoding': 'gzip',
      }),
      post('/otlp/v1/metrics', gzipSync(JSON.stringify(uniqueExport(800))), {
        'content-type': 'application/json; charset=utf-8',
        'content-encoding': 'gzip',
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(MetricsResponse.toObject(MetricsResponse.decode(new Uint8Array(await results[0]!.arrayBuffer())))).toEqual(
      {},
    );
    expect(await results[1]!.json()).toEqual({});
    expect((await usage()).body.totals.input_tokens - before).toBe(1500);
  });

  it('changes nothing when a byte-identical export is resent', async () => {
    const body = encodeMetrics(uniqueExport(7));
    const before = (await usage()).body.totals;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/v1/metrics', body, { 'content-type': PROTOBUF })).status);
    const after = (await usage()).body.totals;
    expect(statuses).toEqual([200, 200, 200]);
    expect([
      after.input_tokens - (before.input_tokens ?? 0),
      after.output_tokens - (before.output_tokens ?? 0),
    ]).toEqual([7, 14]);
  });

  it('reads a chunked body without Content-Length', async () => {
    const bytes = encodeMetrics(uniqueExport(3));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    });
    const before = (await usage()).body.totals.input_tokens;
    const r = await post('/v1/metrics', stream, { 'content-type': PROTOBUF });
    expect(r.status).toBe(200);
    expect((await usage()).body.totals.input_tokens - before).toBe(3);
  });

  it('accepts api_request log events and /v1/traces', async () => {
    const logs = apiRequestLogs({ host: 'laptop', sessionId: 'logs-only' }, [
      {
        model: MODEL,
        requestId: 'req_1',
        input: 5,
        output: 6,
        cacheRead: 7,
        cacheCreation: 8,
        costUsd: 0.25,
        timeMs: T0 + 5000,
        sequence: 1,
      },
    ]);
    const r = await post('/v1/logs', encodeLogs(logs), { 'content-type': PROTOBUF });
    const t = await post('/v1/traces', JSON.stringify({ resourceSpans: [] }), {
      'content-type': 'application/json',
    });
    expect([r.status, t.status]).toEqual([200, 200]);
    expect(LogsResponse.toObject(LogsResponse.decode(new Uint8Array(await r.arrayBuffer())))).toEqual({});
    const sessions = await usage(
      takt.token,
      `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 60_000).toISOString()}&group_by=session`,
    );
    expect(sessions.body.groups.find((g) => g.key === 'logs-only')).toEqual({
      key: 'logs-only',
      input_tokens: 5,
      output_tokens: 6,
      cache_read_tokens: 7,
      cache_creation_tokens: 8,
      cache_creation_5m_tokens: 0,
      cache_creation_1h_tokens: 0,
      cost_usd: 0.25,
      // Sonnet 4.5 list: (5·3 + 6·15 + 7·0.30 + 8·3.75) / 1e6.
      list_cost_usd: 0.0001371,
    });
  });

  it('reports malformed points in partial_success, stores the rest, and ignores unknown metrics', async () => {
    const body = uniqueExport(9) as { resourceMetrics: { scopeMetrics: { metrics: unknown[] }[] }[] };
    const metrics = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    metrics.push({
      name: 'claude_code.token.usage',
      sum: {
        aggregationTemporality: 1,
        dataPoints: [
          {
            attributes: [],
            startTimeUnixNano: '1',
            timeUnixNano: String(BigInt(T0) * 1_000_000n),
            asDouble: 5,
          },
        ],
      },
    });
    metrics.push({ name: 'some.other.metric', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: '5' }] } });
    const before = (await usage()).body.totals.input_tokens;
    const r = await post('/v1/metrics', JSON.stringify(body), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: 1,
        errorMessage:
          '1 rejected: claude_code.token.usage: attribute "type" must be one of input, output, cacheRead, cacheCreation',
      },
    });
    expect((await usage()).body.totals.input_tokens - before).toBe(9);
  });

  it('answers bad requests with the OTLP status and a message that says what to fix', async () => {
    const good = encodeMetrics(uniqueExport(1));
    const cases = await Promise.all([
      post('/v1/metrics', good, { 'content-type': 'text/plain' }).then(async (r) => [
        r.status,
        ((await r.json()) as { message: string }).message,
      ]),
      post('/v1/metrics', good, { 'content-type': PROTOBUF }, null).then(async (r) => [
        r.status,
        (await statusOf(r)).message,
      ]),
      post(
        '/v1/metrics',
        good,
        { 'content-type': PROTOBUF },
        'takt_AAAAAAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      ).then(async (r) => [r.status, (await statusOf(r)).message]),
      post('/v1/metrics', Buffer.from([0x0a, 0xff, 0xff, 0x01]), { 'content-type': PROTOBUF }).then(async (r) => [
        r.status,
        (await statusOf(r)).code,
      ]),
      post('/v1/logs', '{"resourceLogs": 5', { 'content-type': 'application/json' }).then(async (r) => [
        r.status,
        ((await r.json()) as { code: number }).code,
      ]),
      post('/v1/metrics', Buffer.from('not gzip'), {
        'content-type': PROTOBUF,
        'content-encoding': 'gzip',
      }).then(async (r) => [r.status, (await statusOf(r)).message]),
    ]);
    expect(cases).toEqual([
      [415, 'Content-Type text/plain is not supported: send application/x-protobuf or application/json'],
      [
        401,
        'no bearer token: set OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <your takt token>" (takt setup does it for you)',
      ],
      [
        401,
        'the bearer token is unknown or revoked: create a new one (takt setup, or takt token create on the server)',
      ],
      [400, 3],
      [400, 3],
      [400, 'the body is not valid gzip data: incorrect header check'],
    ]);
  });

  it('keeps serving when a client hangs up in the middle of a body, and stores none of it', async () => {
    const url = new URL(takt.directUrl);
    const body = encodeMetrics(uniqueExport(5151));
    const session = `http-${seq}`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /v1/metrics HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${PROTOBUF}\r\n` +
            `Authorization: Bearer ${takt.token}\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.write(body.subarray(0, 10));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
      socket.on('error', reject);
    });
    const next = await post('/v1/metrics', encodeMetrics(uniqueExport(6161)), { 'content-type': PROTOBUF });
    expect(next.status).toBe(200);
    const bySession = await usage(
      takt.token,
      `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}&group_by=session`,
    );
    const keys = (bySession.body.groups as Array<{ key: string; input_tokens: number }>).map((g) => g.key);
    expect(keys).not.toContain(session);
    expect(keys).toContain(`http-${seq}`);
  });

  it('enforces the body limit on Content-Length, while streaming, and after decompression (413)', async () => {
    const big = Buffer.alloc(65 * 1024, 1);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(8 * 1024));
        controller.close();
      },
    });
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
    const statuses = await Promise.all([
      post('/v1/metrics', big, { 'content-type': PROTOBUF }).then((r) => r.status),
      post('/v1/metrics', stream, { 'content-type': PROTOBUF }).then((r) => r.status),
      post('/v1/metrics', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).then(async (r) => [
        r.status,
        ((await r.json()) as { message: string }).message,
      ]),
    ]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(statuses).toEqual([
      413,
      413,
      [
        413,
        'the body is larger than 65536 bytes once decompressed: send smaller batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE) or raise TAKT_BODY_LIMIT on the server',
      ],
    ]);
  });
});

describe('/api/usage', () => {
  it('shows each caller only their own data', async () => {
    const other = await takt.addUser('other@example.com');
    const r = await post('/v1/metrics', encodeMetrics(uniqueExport(4242)), { 'content-type': PROTOBUF }, other.token);
    const mine = await usage();
    const theirs = await usage(other.token);
    expect(r.status).toBe(200);
    expect(theirs.body.totals.input_tokens).toBe(4242);
    expect(mine.body.totals.input_tokens).not.toBe(0);
    expect(mine.body.groups).toEqual([]);
  });

  it('rejects missing auth and bad parameters with a message', async () => {
    const noAuth = await fetch(`${takt.directUrl}/api/usage?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`);
    const badFrom = await usage(takt.token, 'from=yesterday&to=2026-02-01T00:00:00Z');
    const badGroup = await usage(takt.token, 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&group_by=planet');
    const badTz = await usage(
      takt.token,
      'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&group_by=day&tz=Mars/Base',
    );
    expect([noAuth.status, badFrom.status, badGroup.status, badTz.status]).toEqual([401, 400, 400, 400]);
    expect([badFrom.body, badGroup.body, badTz.body]).toEqual([
      {
        error: { code: 'bad_request', message: 'from must be an ISO 8601 time such as 2026-11-01T00:00:00Z' },
      },
      {
        error: {
          code: 'bad_request',
          message: 'group_by must be one or two of day, model, session, machine, account, source joined by a comma',
        },
      },
      {
        error: {
          code: 'bad_request',
          message: 'unknown time zone Mars/Base: use an IANA name such as Europe/Berlin or UTC',
        },
      },
    ]);
  });
});

describe('operations endpoints', () => {
  it('serves /healthz and Prometheus /metrics with takt counters', async () => {
    const health = await fetch(`${takt.directUrl}/healthz`).then((r) => r.json());
    const metrics = await fetch(`${takt.directUrl}/metrics`).then((r) => r.text());
    expect(health).toEqual({
      status: 'ok',
      store: 'sqlite',
      local_mode: { on: false, reason: 'this store was not made by takt setup --local' },
    });
    expect(metrics).toMatch(/takt_otlp_exports_total\{signal="metrics",transport="http",outcome="accepted"\} \d+/);
    expect(metrics).toMatch(/takt_otlp_points_duplicate_total\{signal="metrics"\} [1-9]/);
    expect(metrics).toMatch(/takt_otlp_export_duration_seconds_bucket/);
  });
});
