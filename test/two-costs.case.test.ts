import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Issue 21.5 on both databases: every usage answer carries Claude Code's `cost_usd` (null where
 * the source has none: transcripts) and takt's `list_cost_usd`; an admin's contracted prices and
 * residency factor change the second and never the first. Recorded data, exact dollars:
 *
 * - transcript, sess-t, sonnet 4.5: 100,000 in, 20,000 out, 50,000 read, 20,000 5m + 10,000 1h
 *   writes → list $0.75 (3·0.1 + 15·0.02 + 0.3·0.05 + 3.75·0.02 + 6·0.01), no Claude Code cost;
 * - api_request events, sess-e: 16 in, 160 out, 1,600 read, 16,000 writes (5m), Claude Code's
 *   $0.50 + $0.25 → list (16·3 + 160·15 + 1600·0.3 + 16000·3.75) / 1e6 = $0.062928;
 * - contracted sonnet 4.5 ($2 in, $10 out, $0.20 read, $2.50 5m, $4 1h) × 1.1 residency:
 *   transcript $0.55, events 0.041952 × 1.1 = $0.0461472.
 *
 * Records are a minute old (the five-hour window holds them on any date); the sums stay under
 * the long-context threshold, so standard rates apply everywhere.
 */

const MODEL = 'claude-sonnet-4-5-20250929';
const CONTRACT = {
  models: {
    'claude-sonnet-4-5': { input: 2, output: 10, cache_write_5m: 2.5, cache_write_1h: 4, cache_read: 0.2 },
  },
  residency_factor: 1.1,
};

let takt: TestTakt;
let database: TestDatabase;
let adminToken: string;
let now: number;

function call(method: string, path: string, token: string, body?: unknown) {
  return new TestClient(takt.directUrl, token).call(method, path, body);
}

const range = () => `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;

describe.each(dialects)('two costs on $name', ({ create }) => {
  beforeAll(async () => {
    database = await create();
    takt = await startTakt(database.dialect === 'postgres' ? { databaseUrl: database.url } : {});
    const db = takt.server.context.store.db;
    const admin = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
    adminToken = (await issueApiToken(db, admin.id, 'admin')).token;
    now = Date.now();
    const upload = await call('POST', '/api/transcript-usage', takt.token, {
      host_name: 'desk',
      records: [
        {
          message_id: 'msg_t1',
          request_id: 'req_t1',
          session_id: 'sess-t',
          timestamp: new Date(now - 60_000).toISOString(),
          model: MODEL,
          input_tokens: 100_000,
          output_tokens: 20_000,
          cache_read_tokens: 50_000,
          cache_creation_5m_tokens: 20_000,
          cache_creation_1h_tokens: 10_000,
        },
      ],
    });
    expect(upload.status).toBe(201);
    const id = { host: 'laptop', sessionId: 'sess-e', accountUuid: '11111111-2222-4333-8444-555555555555' };
    const event = (n: number, tokens: number, costUsd: number) => ({
      model: MODEL,
      requestId: `req_e${n}`,
      input: tokens,
      output: 10 * tokens,
      cacheRead: 100 * tokens,
      cacheCreation: 1000 * tokens,
      costUsd,
      timeMs: now - 60_000 + n * 1000,
      sequence: n,
    });
    const logs = await fetch(`${takt.directUrl}/v1/logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
      body: encodeLogs(apiRequestLogs(id, [event(1, 7, 0.5), event(2, 9, 0.25)])),
    });
    expect(logs.status).toBe(200);
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  it('/api/usage: totals and groups carry both costs, null where the source reports none', async () => {
    const r = await call('GET', `/api/usage?${range()}&group_by=source`, takt.token);
    expect(r.status).toBe(200);
    expect(r.body.totals).toMatchObject({ input_tokens: 100_016, cost_usd: 0.75, list_cost_usd: 0.812928 });
    expect(r.body.groups.map((g: Record<string, unknown>) => [g.key, g.cost_usd, g.list_cost_usd])).toEqual([
      ['event', 0.75, 0.062928],
      ['transcript', null, 0.75],
    ]);
    expect(r.body.pricing).toEqual({
      basis: 'list',
      residency_factor: 1,
      contracted_models: [],
      list_effective: takt.server.context.prices.effective,
    });
  });

  it('/api/me/sessions and /api/me/usage windows carry both costs', async () => {
    const sessions = await call('GET', '/api/me/sessions', takt.token);
    expect(
      sessions.body.sessions
        .map((s: Record<string, unknown>) => [s.session_id, s.cost_usd, s.list_cost_usd])
        .sort(([a]: string[], [b]: string[]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['sess-e', 0.75, 0.062928],
      ['sess-t', null, 0.75],
    ]);
    const usage = await call('GET', '/api/me/usage', takt.token);
    const five = usage.body.accounts[0].windows.five_hour;
    expect([five.cost_usd, five.list_cost_usd]).toEqual([0.75, 0.062928]);
  });

  it('a member cannot change prices (403); a bad body is a 400 that names the field', async () => {
    expect((await call('PUT', '/api/admin/prices', takt.token, CONTRACT)).status).toBe(403);
    expect((await call('GET', '/api/admin/prices', takt.token)).status).toBe(403);
    const bad = await call('PUT', '/api/admin/prices', adminToken, { ...CONTRACT, residency_factor: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('residency_factor must be more than 0');
    const negative = await call('PUT', '/api/admin/prices', adminToken, {
      models: { 'claude-sonnet-4-5': { ...CONTRACT.models['claude-sonnet-4-5'], input: -1 } },
      residency_factor: 1,
    });
    expect(negative.status).toBe(400);
    expect(negative.body.error.message).toContain('models.claude-sonnet-4-5.input');
  });

  it('contracted prices × residency factor: list_cost_usd changes, cost_usd never; audited', async () => {
    const put = await call('PUT', '/api/admin/prices', adminToken, CONTRACT);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ basis: 'contracted', residency_factor: 1.1, models: CONTRACT.models });
    expect((await call('GET', '/api/admin/prices', adminToken)).body).toEqual(put.body);

    const r = await call('GET', `/api/usage?${range()}&group_by=source`, takt.token);
    expect(r.body.totals).toMatchObject({ cost_usd: 0.75, list_cost_usd: 0.5961472 });
    expect(r.body.groups.map((g: Record<string, unknown>) => [g.key, g.cost_usd, g.list_cost_usd])).toEqual([
      ['event', 0.75, 0.0461472],
      ['transcript', null, 0.55],
    ]);
    expect(r.body.pricing).toMatchObject({
      basis: 'contracted',
      residency_factor: 1.1,
      contracted_models: ['claude-sonnet-4-5'],
    });
    const five = (await call('GET', '/api/me/usage', takt.token)).body.accounts[0].windows.five_hour;
    expect([five.cost_usd, five.list_cost_usd]).toEqual([0.75, 0.0461472]);

    const audit = await call('GET', '/api/audit?action=pricing.contracted', adminToken);
    expect(audit.body.events.map((e: Record<string, unknown>) => [e.before, e.after])).toEqual([
      [
        { models: {}, residency_factor: 1 },
        { models: CONTRACT.models, residency_factor: 1.1 },
      ],
    ]);

    // Back to list prices.
    const reset = await call('PUT', '/api/admin/prices', adminToken, { models: {}, residency_factor: 1 });
    expect(reset.body.basis).toBe('list');
    const after = await call('GET', `/api/usage?${range()}`, takt.token);
    expect(after.body.totals).toMatchObject({ cost_usd: 0.75, list_cost_usd: 0.812928 });
  });
});
