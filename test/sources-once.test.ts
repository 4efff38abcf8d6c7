import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Every source counted once, on both databases: transcript records (POST /api/transcript-usage),
 * api_request events and metrics of the same requests, and manual entries.
 */

const T0 = Date.parse('2026-03-02T10:20:00Z');
const FROM = '2026-03-02T00:00:00Z';
const TO = '2026-03-03T00:00:00Z';
const MODEL = 'claude-sonnet-4-5-20250929';

const rec = (n: number, overrides: Record<string, unknown> = {}) => ({
  message_id: `msg_${n}`,
  request_id: `req_${n}`,
  session_id: 'sess-t',
  timestamp: new Date(T0 + n * 60_000).toISOString(),
  model: MODEL,
  input_tokens: 10 * n,
  output_tokens: 100 * n,
  cache_read_tokens: 1000 * n,
  cache_creation_5m_tokens: 50 * n,
  cache_creation_1h_tokens: 5 * n,
  cwd: '/home/dev/project',
  ...overrides,
});

let takt: TestTakt;
let database: TestDatabase;
let client: TestClient;

async function upload(body: unknown, gzip = true) {
  const json = Buffer.from(JSON.stringify(body));
  const r = await fetch(`${takt.directUrl}/api/transcript-usage`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${client.token}`,
      'content-type': 'application/json',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? gzipSync(json) : json,
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const usage = async (query = '') => (await client.call('GET', `/api/usage?from=${FROM}&to=${TO}${query}`)).body;

/** Raw rows and the hourly rollup agree, per source (the rollup is what whole-hour reports read). */
async function rollupMatchesRecords() {
  const db = takt.server.context.store.db;
  const sum = async (table: 'usage_records' | 'usage_hourly') =>
    (
      await db
        .selectFrom(table)
        .select((eb) => [
          'source',
          eb.fn.sum<number>('input_tokens').as('input'),
          eb.fn.sum<number>('output_tokens').as('output'),
          eb.fn.sum<number>('cache_creation_1h_tokens').as('w1h'),
        ])
        .where('user_id', '=', takt.userId)
        .groupBy('source')
        .orderBy('source')
        .execute()
    ).map((r) => ({ source: r.source, input: Number(r.input), output: Number(r.output), w1h: Number(r.w1h) }));
  return { records: await sum('usage_records'), hourly: await sum('usage_hourly') };
}

describe.each(dialects)('every source once on $name', ({ create }) => {
  beforeAll(async () => {
    database = await create();
    takt = await startTakt(database.dialect === 'postgres' ? { databaseUrl: database.url } : {});
    client = new TestClient(takt.directUrl, takt.token);
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  it('stores transcript records once: a re-upload and a second copy of the files change nothing', async () => {
    const first = await upload({ host_name: 'laptop', records: [rec(1), rec(2), rec(3)] });
    expect(first).toEqual({ status: 201, body: { received: 3, stored: 3, duplicates: 0, rejected: [] } });
    const again = await upload({ host_name: 'laptop', records: [rec(1), rec(2), rec(3)] });
    expect(again).toEqual({ status: 200, body: { received: 3, stored: 0, duplicates: 3, rejected: [] } });
    // A copy of the same transcripts on another machine, overlapping and adding one.
    const copy = await upload({ host_name: 'desktop', records: [rec(2), rec(3), rec(4)] }, false);
    expect(copy).toEqual({ status: 201, body: { received: 3, stored: 1, duplicates: 2, rejected: [] } });
    const u = await usage();
    expect(u.totals).toMatchObject({
      input_tokens: 100,
      output_tokens: 1000,
      cache_read_tokens: 10_000,
      cache_creation_tokens: 550,
      cache_creation_5m_tokens: 500,
      cache_creation_1h_tokens: 50,
    });
    // Transcripts carry no Claude Code cost; the list price (sonnet 4.5: $3 in, $15 out, $0.30 read, $3.75 5m write, $6 1h write per M).
    expect(u.totals.cost_usd).toBeNull();
    expect(u.totals.list_cost_usd).toBeCloseTo((100 * 3 + 1000 * 15 + 10_000 * 0.3 + 500 * 3.75 + 50 * 6) / 1e6, 10);
    expect((await usage('&group_by=machine')).groups.map((g: { key: string }) => g.key)).toEqual(['desktop', 'laptop']);
    expect(await rollupMatchesRecords()).toEqual({
      records: [{ source: 'transcript', input: 100, output: 1000, w1h: 50 }],
      hourly: [{ source: 'transcript', input: 100, output: 1000, w1h: 50 }],
    });
  });

  it('an api_request event and a transcript record of one request are one request, in either order', async () => {
    const logs = (requestId: string, timeMs: number, input: number) =>
      encodeLogs(
        apiRequestLogs({ host: 'laptop', sessionId: 'sess-e' }, [
          {
            model: MODEL,
            requestId,
            input,
            output: 7,
            cacheRead: 0,
            cacheCreation: 0,
            costUsd: 0.01,
            timeMs,
            sequence: 1,
          },
        ]),
      );
    const post = (body: Uint8Array) =>
      fetch(`${takt.directUrl}/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
        body,
      });
    // Event first, then the transcript's record of the same request (its time differs a little).
    expect((await post(logs('req_e1', T0 + 3_600_000, 1000))).status).toBe(200);
    const late = await upload({
      records: [
        rec(0, {
          message_id: 'msg_e1',
          request_id: 'req_e1',
          session_id: 'sess-e',
          timestamp: T0 + 3_600_250,
          input_tokens: 1000,
          output_tokens: 7,
          cache_read_tokens: 0,
          cache_creation_5m_tokens: 0,
          cache_creation_1h_tokens: 0,
        }),
      ],
    });
    expect(late.body).toEqual({ received: 1, stored: 0, duplicates: 1, rejected: [] });
    // Transcript first, then the event.
    const early = await upload({
      records: [
        rec(0, {
          message_id: 'msg_e2',
          request_id: 'req_e2',
          session_id: 'sess-e',
          timestamp: T0 + 3_700_000,
          input_tokens: 2000,
          output_tokens: 7,
          cache_read_tokens: 0,
          cache_creation_5m_tokens: 0,
          cache_creation_1h_tokens: 0,
        }),
      ],
    });
    expect(early.body).toEqual({ received: 1, stored: 1, duplicates: 0, rejected: [] });
    expect((await post(logs('req_e2', T0 + 3_700_100, 2000))).status).toBe(200);
    const bySession = (await usage('&group_by=session')).groups.find((g: { key: string }) => g.key === 'sess-e');
    expect(bySession).toMatchObject({ input_tokens: 3000, output_tokens: 14 });
    const bySource = (await usage('&group_by=source')).groups.map((g: { key: string; input_tokens: number }) => [
      g.key,
      g.input_tokens,
    ]);
    expect(bySource).toEqual([
      ['event', 1000],
      ['transcript', 100 + 2000],
    ]);
  });

  it('a session reported by metrics and by transcripts counts once', async () => {
    const metrics = encodeMetrics(
      tokenMetrics(
        { host: 'laptop', sessionId: 'sess-m' },
        [
          { model: MODEL, type: 'input', value: 500 },
          { model: MODEL, type: 'output', value: 50 },
        ],
        { startMs: T0 + 7_200_000, timeMs: T0 + 7_260_000 },
      ),
    );
    const r = await fetch(`${takt.directUrl}/v1/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
      body: metrics,
    });
    expect(r.status).toBe(200);
    const transcript = (n: number, input: number) =>
      rec(0, {
        message_id: `msg_m${n}`,
        request_id: `req_m${n}`,
        session_id: 'sess-m',
        timestamp: T0 + 7_200_000 + n * 1000,
        input_tokens: input,
        output_tokens: 25,
        cache_read_tokens: 0,
        cache_creation_5m_tokens: 0,
        cache_creation_1h_tokens: 0,
      });
    expect((await upload({ records: [transcript(1, 250), transcript(2, 250)] })).body.stored).toBe(2);
    const session = async () =>
      (await usage('&group_by=session')).groups.find((g: { key: string }) => g.key === 'sess-m');
    // Equal totals: one of them counts (the per-request one), never both.
    expect(await session()).toMatchObject({ input_tokens: 500, output_tokens: 50 });
    // The transcripts hold a request the metrics lost: the more complete source wins.
    expect((await upload({ records: [transcript(3, 100)] })).body.stored).toBe(1);
    expect(await session()).toMatchObject({ input_tokens: 600, output_tokens: 75 });
  });

  it('a later upload of a response with larger figures wins (its streaming lines split between two syncs)', async () => {
    const line = (output: number, at: number) =>
      rec(0, {
        message_id: 'msg_s',
        request_id: 'req_s',
        session_id: 'sess-s',
        timestamp: T0 + 10_800_000 + at,
        input_tokens: 3,
        output_tokens: output,
        cache_read_tokens: 0,
        cache_creation_5m_tokens: 0,
        cache_creation_1h_tokens: 0,
      });
    const session = async () =>
      (await usage('&group_by=session')).groups.find((g: { key: string }) => g.key === 'sess-s');
    expect((await upload({ records: [line(12, 0)] })).body).toMatchObject({ stored: 1, duplicates: 0 });
    // The final snapshot, written a moment later (another time, so another key: found by request id).
    expect((await upload({ records: [line(480, 900)] })).body).toMatchObject({ stored: 1, duplicates: 0 });
    expect((await upload({ records: [line(12, 0)] })).body).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await session()).toMatchObject({ input_tokens: 3, output_tokens: 480 });
    // All transcript rows so far: 100 + 2,000 + 600 + 3 input, 1,000 + 7 + 75 + 480 output.
    const sums = await rollupMatchesRecords();
    expect(sums.records.find((r) => r.source === 'transcript')).toEqual({
      source: 'transcript',
      input: 2703,
      output: 1562,
      w1h: 50,
    });
    expect(sums.hourly).toEqual(sums.records);
  });

  it('checks every number and rejects bad records one by one', async () => {
    const r = await upload({
      records: [
        rec(10, { input_tokens: 2 ** 40 }),
        rec(11, { output_tokens: -1 }),
        rec(12, { cache_read_tokens: 1.5 }),
        rec(13, { message_id: undefined, request_id: undefined }),
        rec(14, { timestamp: 'yesterday' }),
        rec(15, { cache_creation_tokens: 1, cache_creation_5m_tokens: 5, cache_creation_1h_tokens: 5 }),
        rec(16, { session_id: 'sess-ok', input_tokens: 2 ** 40 - 1 }),
      ],
    });
    expect(r.status).toBe(201);
    expect(r.body.stored).toBe(1);
    expect((r.body.rejected as { index: number }[]).map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((r.body.rejected as { message: string }[])[0]?.message).toContain('below 2^40');
    const bad = await upload({ records: 'nope' });
    expect(bad.status).toBe(400);
  });

  it('takes up to 8 MB once decompressed, no more', async () => {
    const big = { records: [], padding: 'x'.repeat(9 * 1024 * 1024) };
    const r = await upload(big);
    expect(r.status).toBe(413);
    const unauthenticated = await fetch(`${takt.directUrl}/api/transcript-usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"records":[]}',
    });
    expect(unauthenticated.status).toBe(401);
  });

  it('manual entries: seed 002 add and delete by index, the clearer list and delete by id, audited', async () => {
    const add = (body: unknown) => client.call('POST', '/api/session', body);
    const a = await add({ input: 5420, output: 2100, note: 'pairing', at: T0 + 30_000_000 });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      index: 0,
      source: 'manual',
      input: 5420,
      output: 2100,
      cache_read: 0,
      cache_creation: 0,
      note: 'pairing',
      cost_usd: null,
      model: null,
    });
    const b = await client.call('POST', '/api/manual-entries', {
      input: 1,
      output: 2,
      cache_read: 3200,
      cache_creation: 4,
      model: MODEL,
      at: T0 + 30_060_000,
    });
    expect(b.body).toMatchObject({ index: 1, source: 'manual', cache_read: 3200, model: MODEL });
    expect(b.body.cost_usd).toBeCloseTo((1 * 3 + 2 * 15 + 3200 * 0.3 + 4 * 3.75) / 1e6, 12);
    const c = await add({ input: 7, output: 8, at: T0 + 30_120_000 });
    expect((await client.call('POST', '/api/session', { input: -1, output: 2 })).status).toBe(400);

    const list = await client.call('GET', '/api/manual-entries');
    expect(list.body.entries.map((e: { id: string; index: number }) => [e.id, e.index])).toEqual([
      [a.body.id, 0],
      [b.body.id, 1],
      [c.body.id, 2],
    ]);
    const manual = async () =>
      (await usage('&group_by=source')).groups.find((g: { key: string }) => g.key === 'manual');
    expect(await manual()).toMatchObject({ input_tokens: 5428, output_tokens: 2110, cache_read_tokens: 3200 });

    // Seed 002 deletes by position: index 1 is b.
    const byIndex = await client.call('POST', '/api/delete-session', { index: 1 });
    expect(byIndex.body.deleted).toMatchObject({ id: b.body.id, index: 1 });
    const byId = await client.call('DELETE', `/api/manual-entries/${a.body.id}`);
    expect(byId.body.deleted).toMatchObject({ id: a.body.id, input: 5420 });
    expect((await client.call('DELETE', `/api/manual-entries/${a.body.id}`)).status).toBe(404);
    expect((await client.call('POST', '/api/delete-session', { index: 5 })).status).toBe(404);
    expect(await manual()).toMatchObject({ input_tokens: 7, output_tokens: 8, cache_read_tokens: 0 });
    expect((await rollupMatchesRecords()).hourly.find((r) => r.source === 'manual')).toEqual({
      source: 'manual',
      input: 7,
      output: 8,
      w1h: 0,
    });
    const audit = await takt.server.context.store.db
      .selectFrom('audit_events')
      .select(['action', 'target_id'])
      .where('target_type', '=', 'manual_entry')
      .orderBy('at')
      .execute();
    expect(audit.map((e) => e.action)).toEqual([
      'manual_entry.create',
      'manual_entry.create',
      'manual_entry.create',
      'manual_entry.delete',
      'manual_entry.delete',
    ]);
  });

  it("another user's entries and records stay theirs", async () => {
    const other = await takt.addUser('other@example.com');
    const them = new TestClient(takt.directUrl, other.token);
    expect((await them.call('GET', '/api/manual-entries')).body).toEqual({ entries: [] });
    expect((await them.call('POST', '/api/delete-session', { index: 0 })).status).toBe(404);
    const u = await them.call('GET', `/api/usage?from=${FROM}&to=${TO}`);
    expect(u.body.totals.input_tokens).toBe(0);
  });
});
