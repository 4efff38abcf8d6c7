import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { loadShippedPriceTable } from '../src/pricing/price-table.ts';
import { exportUsage } from '../src/queries/export-usage.ts';
import { insertUser } from '../src/store/users.ts';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * GET /api/export on both databases: every counted request once (events, transcripts and the
 * metrics of the same session counted once, as /api/usage counts them), CSV per RFC 4180 read
 * back with csv-parse, JSONL, the three levels, the team scope and the 400s.
 */

const T0 = Date.parse('2026-03-02T10:20:00Z');
const FROM = '2026-03-02T00:00:00Z';
const TO = '2026-03-03T00:00:00Z';
const MODEL = 'claude-sonnet-4-5-20250929';
const HEADER = [
  'time',
  'account',
  'machine',
  'session',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'cost_usd',
  'list_cost_usd',
  'source',
];

const rec = (n: number) => ({
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
});

let takt: TestTakt;
let database: TestDatabase;
let admin: { userId: string; token: string };

const get = (path: string, token = takt.token) =>
  fetch(`${takt.directUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function csvRows(query: string, token?: string): Promise<Record<string, string>[]> {
  const r = await get(`/api/export?format=csv&from=${FROM}&to=${TO}${query}`, token);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
  const text = await r.text();
  return parse(text, { columns: true });
}

const sum = (rows: Record<string, string | number>[], field: string) => rows.reduce((s, r) => s + Number(r[field]), 0);

describe.each(dialects)('export on $name', ({ create }) => {
  beforeAll(async () => {
    database = await create();
    takt = await startTakt(database.dialect === 'postgres' ? { databaseUrl: database.url } : {});
    const db = takt.server.context.store.db;
    const a = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
    admin = { userId: a.id, token: (await issueApiToken(db, a.id, 'test')).token };
    const other = await takt.addUser('other@example.com');
    const up = (token: string, host: string, records: unknown[]) =>
      fetch(`${takt.directUrl}/api/transcript-usage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ host_name: host, records }),
      });
    // A machine name that needs quoting in CSV.
    expect((await up(takt.token, 'box,"one"', [rec(1), rec(2), rec(3)])).status).toBe(201);
    expect((await up(other.token, 'elsewhere', [rec(9)])).status).toBe(201);
    // Session sess-e: two api_request events and the metrics of the same tokens (counted once).
    const id = { host: 'laptop', sessionId: 'sess-e', accountUuid: '11111111-2222-4333-8444-555555555555' };
    const logs = encodeLogs(
      apiRequestLogs(id, [
        {
          model: MODEL,
          requestId: 'req_e1',
          input: 7,
          output: 70,
          cacheRead: 700,
          cacheCreation: 7000,
          costUsd: 0.5,
          timeMs: T0 + 3_600_000,
          sequence: 1,
        },
        {
          model: MODEL,
          requestId: 'req_e2',
          input: 9,
          output: 90,
          cacheRead: 900,
          cacheCreation: 9000,
          costUsd: 0.25,
          timeMs: T0 + 3_700_000,
          sequence: 2,
        },
      ]),
    );
    const metrics = encodeMetrics(
      tokenMetrics(
        id,
        [
          { model: MODEL, type: 'input', value: 16 },
          { model: MODEL, type: 'output', value: 160 },
          { model: MODEL, type: 'cacheRead', value: 1600 },
          { model: MODEL, type: 'cacheCreation', value: 16000 },
        ],
        { startMs: T0 + 3_500_000, timeMs: T0 + 3_710_000, costs: [{ model: MODEL, value: 0.75 }] },
      ),
    );
    for (const [path, body] of [
      ['/v1/logs', logs],
      ['/v1/metrics', metrics],
      ['/v1/logs', logs], // a resend changes nothing
    ] as const) {
      const r = await fetch(`${takt.directUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
        body,
      });
      expect(r.status).toBe(200);
    }
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  it('level=request: one row per counted request, exact totals, RFC 4180 quoting read back', async () => {
    const rows = await csvRows('&level=request');
    expect(Object.keys(rows[0] ?? {})).toEqual(HEADER);
    expect(rows.map((r) => [r.time, r.machine, r.session, r.source, r.input_tokens])).toEqual([
      ['2026-03-02T10:21:00.000Z', 'box,"one"', 'sess-t', 'transcript', '10'],
      ['2026-03-02T10:22:00.000Z', 'box,"one"', 'sess-t', 'transcript', '20'],
      ['2026-03-02T10:23:00.000Z', 'box,"one"', 'sess-t', 'transcript', '30'],
      ['2026-03-02T11:20:00.000Z', 'laptop', 'sess-e', 'event', '7'],
      ['2026-03-02T11:21:40.000Z', 'laptop', 'sess-e', 'event', '9'],
    ]);
    expect(rows[3]?.account).toBe('11111111-2222-4333-8444-555555555555');
    expect(rows[3]?.model).toBe(MODEL);
    expect({
      input: sum(rows, 'input_tokens'),
      output: sum(rows, 'output_tokens'),
      cacheRead: sum(rows, 'cache_read_tokens'),
      cacheCreation: sum(rows, 'cache_creation_tokens'),
      cost: sum(rows, 'cost_usd'),
    }).toEqual({
      input: 76,
      output: 760,
      cacheRead: 7600,
      cacheCreation: 16_330,
      cost: 0.75 + sum(rows.slice(0, 3), 'cost_usd'),
    });
    // List price of the first transcript record (sonnet 4.5: $3 in, $15 out, $0.30 read, $3.75 5m, $6 1h per M).
    expect(Number(rows[0]?.list_cost_usd)).toBeCloseTo((10 * 3 + 100 * 15 + 1000 * 0.3 + 50 * 3.75 + 5 * 6) / 1e6, 10);
    expect(rows[3]?.cost_usd).toBe('0.5');
  });

  it('level=session and level=day sum the same requests; day follows tz', async () => {
    const sessions = await csvRows('&level=session');
    expect(sessions.map((r) => [r.time, r.session, r.input_tokens, r.output_tokens, r.cache_creation_tokens])).toEqual([
      ['2026-03-02T10:21:00.000Z', 'sess-t', '60', '600', '330'],
      ['2026-03-02T11:20:00.000Z', 'sess-e', '16', '160', '16000'],
    ]);
    const days = await csvRows('&level=day&tz=Pacific/Kiritimati');
    expect(days.map((r) => [r.time, r.machine, r.session, r.input_tokens])).toEqual([
      ['2026-03-03', 'box,"one"', '', '60'],
      ['2026-03-03', 'laptop', '', '16'],
    ]);
  });

  it('format=jsonl: one JSON object per line with numbers as numbers', async () => {
    const r = await get(`/api/export?format=jsonl&from=${FROM}&to=${TO}&level=session`);
    expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await r.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l))).toEqual([HEADER, HEADER]);
    expect(lines[1]).toMatchObject({ session: 'sess-e', input_tokens: 16, cost_usd: 0.75, source: 'event' });
  });

  it('pages through the store: a page size of 2 gives the same rows', async () => {
    const q = {
      users: [{ id: takt.userId, email: 'dev@example.com' }],
      from: Date.parse(FROM),
      to: Date.parse(TO),
      level: 'request' as const,
      timeZone: 'UTC',
      prices: loadShippedPriceTable(),
    };
    const all = async (pageSize?: number) => {
      const out = [];
      for await (const page of exportUsage(takt.server.context.store.db, { ...q, ...(pageSize ? { pageSize } : {}) }))
        out.push(...page);
      return out;
    };
    const small = await all(2);
    expect(small).toEqual(await all());
    expect(small).toHaveLength(5);
  });

  it('scope=team: admins get everyone with a user column; members get 403', async () => {
    expect((await get(`/api/export?from=${FROM}&to=${TO}&scope=team`)).status).toBe(403);
    const rows = await csvRows('&scope=team', admin.token);
    expect(Object.keys(rows[0] ?? {})).toEqual(['user', ...HEADER]);
    expect(rows.map((r) => [r.user, r.input_tokens])).toEqual([
      ['dev@example.com', '10'],
      ['dev@example.com', '20'],
      ['dev@example.com', '30'],
      ['dev@example.com', '7'],
      ['dev@example.com', '9'],
      ['other@example.com', '90'],
    ]);
    // Without scope, an admin's export is their own (empty here: a header only).
    const own = await get(`/api/export?from=${FROM}&to=${TO}`, admin.token);
    expect(await own.text()).toBe(`${HEADER.join(',')}\r\n`);
  });

  it('bad parameters answer 400 with what to fix; no credentials 401', async () => {
    const bad = async (query: string) => {
      const r = await get(`/api/export?${query}`);
      return { status: r.status, message: ((await r.json()) as { error: { message: string } }).error.message };
    };
    expect(await bad('format=xml')).toEqual({ status: 400, message: 'format must be csv or jsonl' });
    expect(await bad('level=hour')).toEqual({ status: 400, message: 'level must be request, session or day' });
    expect(await bad('tz=Mars/Base')).toEqual({
      status: 400,
      message: 'tz must be an IANA time zone such as Europe/Berlin or UTC',
    });
    expect(await bad(`from=${FROM}`)).toEqual({
      status: 400,
      message: 'send both from and to (ISO 8601), or neither for the current month',
    });
    expect(await bad(`from=${TO}&to=${FROM}`)).toEqual({ status: 400, message: '`to` must be later than `from`' });
    expect(await bad('from=yesterday&to=today')).toMatchObject({ status: 400 });
    expect(await bad('levl=day')).toEqual({ status: 400, message: 'unknown parameter levl' });
    expect((await fetch(`${takt.directUrl}/api/export`)).status).toBe(401);
  });

  it("a session's cost from its metrics beside the transcripts that won its tokens: columns add up to /api/usage", async () => {
    // Last: the team export above counts the users before this one.
    const user = await takt.addUser('metrics-and-transcripts@example.com');
    // Session sess-m: three transcript records (the tokens count from them: the larger total),
    // and the cost metric, which reports Claude Code's cost of the session where they carry none.
    const records = [rec(1), rec(2), rec(3)].map((r) => ({ ...r, session_id: 'sess-m' }));
    const up = await fetch(`${takt.directUrl}/api/transcript-usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host_name: 'desk', records }),
    });
    expect(up.status).toBe(201);
    const id = { host: 'desk', sessionId: 'sess-m', accountUuid: '11111111-2222-4333-8444-666666666666' };
    const metrics = encodeMetrics(
      tokenMetrics(id, [{ model: MODEL, type: 'input', value: 6 }], {
        startMs: T0,
        timeMs: T0 + 300_000,
        costs: [{ model: MODEL, value: 0.4 }],
      }),
    );
    const sent = await fetch(`${takt.directUrl}/v1/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/x-protobuf' },
      body: metrics,
    });
    expect(sent.status).toBe(200);
    const usage = (await (await get(`/api/usage?from=${FROM}&to=${TO}`, user.token)).json()) as {
      totals: { input_tokens: number; cost_usd: number };
    };
    expect(usage.totals.cost_usd).toBeCloseTo(0.4, 10);
    for (const level of ['request', 'session', 'day']) {
      const rows = await csvRows(`&level=${level}`, user.token);
      expect({ level, input: sum(rows, 'input_tokens'), cost: sum(rows, 'cost_usd') }).toEqual({
        level,
        input: usage.totals.input_tokens,
        cost: usage.totals.cost_usd,
      });
      // The metric's row carries the cost and no tokens (they count once, from the transcripts).
      const metric = rows.filter((r) => r.source === 'metric');
      expect(metric.map((r) => [r.input_tokens, r.cost_usd, r.list_cost_usd])).toEqual([['0', '0.4', '0']]);
      expect(rows.filter((r) => r.source === 'transcript').every((r) => r.cost_usd === '')).toBe(true);
    }
  });
});
