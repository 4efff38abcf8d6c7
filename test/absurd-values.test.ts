import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Usage numbers out of range (absurd, negative, fractional token counts, hex and words in
 * event attributes, int64 text past 64 bits) are rejected point by point with their
 * reason in partial_success; the good points beside them are stored, and totals stay exact.
 */
const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const MODEL = 'claude-sonnet-4-5-20250929';
let takt: TestTakt;

beforeAll(async () => {
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
});

async function post(path: string, body: string | Uint8Array, type: string) {
  const r = await fetch(`${takt.directUrl}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${takt.token}`, 'content-type': type },
  });
  type Answer = {
    partialSuccess: { rejectedDataPoints?: number; rejectedLogRecords?: number; errorMessage: string };
  };
  return { status: r.status, body: (type === 'application/json' ? await r.json() : null) as Answer };
}

async function totals(session: string) {
  const r = await fetch(
    `${takt.directUrl}/api/usage?from=${new Date(T0 - 3_600_000).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}&group_by=session`,
    { headers: { authorization: `Bearer ${takt.token}` } },
  );
  const body = (await r.json()) as { groups: { key: string; input_tokens: number }[] };
  return body.groups.find((g) => g.key === session) ?? null;
}

describe('absurd usage numbers', () => {
  it('metric points: 1e20, 1e308, int64 max, 12.7 tokens and int64 text past 64 bits are rejected, the rest stored', async () => {
    const id = { host: 'box', sessionId: 'absurd-metrics' };
    const at = { startMs: T0, timeMs: T0 + 60_000 };
    const json = tokenMetrics(
      id,
      [
        { model: MODEL, type: 'input', value: 1200 },
        { model: MODEL, type: 'output', value: 1e20 },
        { model: MODEL, type: 'cacheRead', value: 1e308 },
        { model: MODEL, type: 'cacheCreation', value: 12.7 },
      ],
      at,
    );
    type Points = {
      resourceMetrics: { scopeMetrics: { metrics: { sum: { dataPoints: Record<string, unknown>[] } }[] }[] }[];
    };
    const points = (json as Points).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.sum.dataPoints ?? [];
    points.push({ ...points[0], asDouble: undefined, asInt: '99999999999999999999999' });
    points.push({ ...points[0], asDouble: undefined, asInt: '9223372036854775807' });
    const r = await post('/v1/metrics', JSON.stringify(json), 'application/json');
    expect(r.status).toBe(200);
    expect(r.body.partialSuccess.rejectedDataPoints).toBe(5);
    expect(r.body.partialSuccess.errorMessage).toContain(
      'claude_code.token.usage: the value must be a whole number from 0 to 1099511627775, got 100000000000000000000',
    );
    expect(await totals('absurd-metrics')).toMatchObject({ input_tokens: 1200, output_tokens: 0 });
  });

  it('the same over protobuf: a negative, an infinite and a huge cost are rejected', async () => {
    const json = tokenMetrics(
      { host: 'box', sessionId: 'absurd-proto' },
      [
        { model: MODEL, type: 'input', value: 300 },
        { model: MODEL, type: 'output', value: -5 },
      ],
      { startMs: T0, timeMs: T0 + 60_000, costs: [{ model: MODEL, value: 5e9 }] },
    );
    const r = await post('/v1/metrics', encodeMetrics(json), 'application/x-protobuf');
    expect(r.status).toBe(200);
    expect(await totals('absurd-proto')).toMatchObject({ input_tokens: 300, output_tokens: 0, cost_usd: 0 });
  });

  it('api_request attributes "-500", "NaN", "Infinity", "12.7", "0x10" reject their record with the reason', async () => {
    const id = { host: 'box', sessionId: 'absurd-events' };
    const base = { model: MODEL, output: 10, cacheRead: 0, cacheCreation: 0, costUsd: 0.01 };
    const bad = ['-500', 'NaN', 'Infinity', '12.7', '0x10'];
    const events = [
      { ...base, input: 111, requestId: 'req_good', timeMs: T0 + 1000, sequence: 1 },
      ...bad.map((_, i) => ({ ...base, input: 1, requestId: `req_bad_${i}`, timeMs: T0 + 2000 + i, sequence: 2 + i })),
    ];
    type Records = {
      resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: unknown }[] }[] }[] }[];
    };
    const json = apiRequestLogs(id, events) as Records;
    const records = json.resourceLogs[0]?.scopeLogs[0]?.logRecords ?? [];
    bad.forEach((text, i) => {
      const input = records[i + 1]?.attributes.find((a) => a.key === 'input_tokens');
      if (input) input.value = { stringValue: text };
    });
    const r = await post('/v1/logs', JSON.stringify(json), 'application/json');
    expect(r.status).toBe(200);
    expect(r.body.partialSuccess.rejectedLogRecords).toBe(5);
    expect(r.body.partialSuccess.errorMessage).toContain(
      'api_request: input_tokens ("-500") must be a whole number from 0 to 1099511627775, got -500',
    );
    expect(r.body.partialSuccess.errorMessage).toContain('input_tokens ("0x10")');
    expect(await totals('absurd-events')).toMatchObject({ input_tokens: 111, output_tokens: 10 });
  });

  // Year 3000 in nanoseconds does not fit OTLP's fixed64, so the metric point says 2400.
  it('usage dated in 1970 or in the year 2400 or 3000 is rejected with the reason, the rest stored', async () => {
    const id = { host: 'box', sessionId: 'absurd-times' };
    const good = tokenMetrics(id, [{ model: MODEL, type: 'input', value: 40 }], { startMs: T0, timeMs: T0 + 60_000 });
    const y1970 = tokenMetrics(id, [{ model: MODEL, type: 'input', value: 5000 }], { startMs: 1000, timeMs: 2000 });
    const y3000 = Date.UTC(3000, 0, 1);
    const y2400 = Date.UTC(2400, 0, 1);
    const future = tokenMetrics(id, [{ model: MODEL, type: 'output', value: 7000 }], {
      startMs: y2400,
      timeMs: y2400 + 1,
    });
    type Rm = { resourceMetrics: unknown[] };
    const json = { resourceMetrics: [good, y1970, future].flatMap((m) => (m as Rm).resourceMetrics) };
    const metrics = await post('/v1/metrics', JSON.stringify(json), 'application/json');
    const events = apiRequestLogs({ host: 'box', sessionId: 'absurd-times-events' }, [
      { model: MODEL, input: 9, output: 1, cacheRead: 0, cacheCreation: 0, costUsd: 0, timeMs: y3000, sequence: 1 },
      { model: MODEL, input: 8, output: 1, cacheRead: 0, cacheCreation: 0, costUsd: 0, timeMs: 5, sequence: 2 },
    ]);
    const logs = await post('/v1/logs', JSON.stringify(events), 'application/json');
    expect([metrics.status, metrics.body.partialSuccess.rejectedDataPoints]).toEqual([200, 2]);
    expect(metrics.body.partialSuccess.errorMessage).toBe(
      "2 rejected: claude_code.token.usage: time_unix_nano must be from 2020-01-01 to 30 days after the server's clock, got 1970-01-01T00:00:02.000Z: check the sender's clock; " +
        "claude_code.token.usage: time_unix_nano must be from 2020-01-01 to 30 days after the server's clock, got 2400-01-01T00:00:00.001Z: check the sender's clock",
    );
    expect([logs.status, logs.body.partialSuccess.rejectedLogRecords]).toEqual([200, 2]);
    expect(logs.body.partialSuccess.errorMessage).toContain(
      "api_request: the time must be from 2020-01-01 to 30 days after the server's clock, got 3000-01-01T00:00:00.000Z",
    );
    expect(await totals('absurd-times')).toMatchObject({ input_tokens: 40, output_tokens: 0 });
    expect(await totals('absurd-times-events')).toBe(null);
  });
});
