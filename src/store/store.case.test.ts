import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, tokenMetrics } from '../../test/support/otlp-payloads.ts';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { issueApiToken, verifyApiToken } from '../auth/api-token.ts';
import { mapLogsExport, mapMetricsExport } from '../ingest/claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../ingest/otlp-decode.ts';
import { queryUsage } from '../queries/usage-report.ts';
import { inProcessJobWriter, TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import { revokeApiToken } from './api-tokens.ts';
import { openStore } from './open-store.ts';
import type { Store } from './store.ts';
import { insertUser } from './users.ts';

/**
 * One suite, run against SQLite and a real PostgreSQL server: the store and
 * everything written on top of it must behave the same on both.
 */
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const HOUR = 3_600_000;
const json = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o));
const metrics = (o: Record<string, unknown>) => mapMetricsExport(decodeMetricsRequest(json(o), 'json')).observations;
const logs = (o: Record<string, unknown>) => mapLogsExport(decodeLogsRequest(json(o), 'json')).observations;

describe.each(dialects)('store on $name', ({ create }) => {
  let database: TestDatabase;
  let store: Store;
  let recorder: TelemetryRecorder;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await create();
    store = await openStore(database.url);
    recorder = new TelemetryRecorder(inProcessJobWriter(store));
    alice = (await insertUser(store.db, { email: 'Alice@Example.com' })).id;
    bob = (await insertUser(store.db, { email: 'bob@example.com' })).id;
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('migrates idempotently', async () => {
    await store.migrate();
    await store.migrate();
    expect(await store.db.selectFrom('users').select('email').orderBy('email').execute()).toEqual([
      { email: 'alice@example.com' },
      { email: 'bob@example.com' },
    ]);
  });

  it('stores tokens only as hashes and stops accepting a revoked one', async () => {
    const issued = await issueApiToken(store.db, alice, 'laptop');
    const row = await store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', issued.id)
      .executeTakeFirstOrThrow();
    const secret = issued.token.slice(issued.token.indexOf('_', 'takt_'.length) + 1);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect((await verifyApiToken(store.db, issued.token))?.user.id).toBe(alice);
    expect(await verifyApiToken(store.db, `${issued.token}x`)).toBeUndefined();
    await revokeApiToken(store.db, issued.id);
    expect(await verifyApiToken(store.db, issued.token)).toBeUndefined();
  });

  it('counts a delta export once however often it is resent', async () => {
    const id = { host: 'laptop', sessionId: 'delta-1', accountUuid: 'acc-1', email: 'me@x.com' };
    const batch = tokenMetrics(
      id,
      [
        { model: 'claude-sonnet-4-5', type: 'input', value: 1200 },
        { model: 'claude-sonnet-4-5', type: 'output', value: 340 },
        { model: 'claude-sonnet-4-5', type: 'cacheRead', value: 5000 },
        { model: 'claude-sonnet-4-5', type: 'cacheCreation', value: 777 },
      ],
      { startMs: T0, timeMs: T0 + 60_000, costs: [{ model: 'claude-sonnet-4-5', value: 0.0421 }] },
    );
    const first = await recorder.record(alice, metrics(batch));
    const again = await Promise.all([recorder.record(alice, metrics(batch)), recorder.record(alice, metrics(batch))]);
    expect(first).toEqual({ stored: 5, duplicates: 0 });
    expect(again).toEqual([
      { stored: 0, duplicates: 5 },
      { stored: 0, duplicates: 5 },
    ]);
    const report = await queryUsage(store.db, { userId: alice, from: T0, to: T0 + HOUR, groupBy: 'session' });
    expect(report.groups).toEqual([
      {
        key: 'delta-1',
        input_tokens: 1200,
        output_tokens: 340,
        cache_read_tokens: 5000,
        cache_creation_tokens: 777,
        cache_creation_5m_tokens: 0,
        cache_creation_1h_tokens: 0,
        cost_usd: 0.0421,
        // Sonnet 4.5 list: (1200·3 + 340·15 + 5000·0.30 + 777·3.75) / 1e6.
        list_cost_usd: 0.01311375,
      },
    ]);
  });

  it('gives cumulative and delta temporality the same totals, across a process restart', async () => {
    const id = { host: 'desk', sessionId: 'cumu-1' };
    const cumulative = (startMs: number, timeMs: number, value: number) =>
      metrics(
        tokenMetrics(id, [{ model: 'claude-opus-4-1', type: 'output', value }], {
          startMs,
          timeMs,
          temporality: 'cumulative',
        }),
      );
    // Process 1 reports 100, 250, 250 (resent), 400; it restarts and process 2 reports 30, 90.
    for (const obs of [
      cumulative(T0, T0 + 60_000, 100),
      cumulative(T0, T0 + 120_000, 250),
      cumulative(T0, T0 + 120_000, 250),
      cumulative(T0, T0 + 180_000, 400),
      cumulative(T0 + 200_000, T0 + 260_000, 30),
      cumulative(T0 + 200_000, T0 + 320_000, 90),
      cumulative(T0, T0 + 180_000, 400),
    ]) {
      await recorder.record(alice, obs);
    }
    const report = await queryUsage(store.db, { userId: alice, from: T0, to: T0 + HOUR, groupBy: 'session' });
    expect(report.groups.find((g) => g.key === 'cumu-1')?.output_tokens).toBe(490);
  });

  it('differences cumulative exports that arrive in one group commit one after the other', async () => {
    const id = { host: 'desk', sessionId: 'cumu-batch' };
    const cumulative = (timeMs: number, value: number) =>
      metrics(
        tokenMetrics(id, [{ model: 'claude-opus-4-1', type: 'output', value }], {
          startMs: T0,
          timeMs,
          temporality: 'cumulative',
        }),
      );
    // Sent before the first is written (a backlog): the recorder writes them in one group commit.
    const results = await Promise.all([
      recorder.record(bob, cumulative(T0 + 60_000, 100)),
      recorder.record(bob, cumulative(T0 + 120_000, 250)),
      recorder.record(bob, cumulative(T0 + 180_000, 400)),
      recorder.record(bob, cumulative(T0 + 120_000, 250)),
    ]);
    expect(results.map((r) => r.stored)).toEqual([1, 1, 1, 0]);
    await recorder.record(bob, cumulative(T0 + 240_000, 460));
    const report = await queryUsage(store.db, { userId: bob, from: T0, to: T0 + HOUR, groupBy: 'session' });
    expect(report.groups.find((g) => g.key === 'cumu-batch')?.output_tokens).toBe(460);
  });

  it('counts a request reported as metric and as event once, and either source alone in full', async () => {
    const both = { host: 'laptop', sessionId: 'both-1' };
    const eventsOnly = { host: 'laptop', sessionId: 'events-1' };
    const model = 'claude-sonnet-4-5';
    const events = [
      {
        model,
        requestId: 'req_A',
        input: 10,
        output: 20,
        cacheRead: 30,
        cacheCreation: 40,
        costUsd: 0.01,
        timeMs: T0 + 1000,
        sequence: 1,
      },
      {
        model,
        requestId: 'req_B',
        input: 1,
        output: 2,
        cacheRead: 3,
        cacheCreation: 4,
        costUsd: 0.002,
        timeMs: T0 + 2000,
        sequence: 2,
      },
    ];
    await recorder.record(
      alice,
      metrics(
        tokenMetrics(
          both,
          [
            { model, type: 'input', value: 11 },
            { model, type: 'output', value: 22 },
            { model, type: 'cacheRead', value: 33 },
            { model, type: 'cacheCreation', value: 44 },
          ],
          { startMs: T0, timeMs: T0 + 5000, costs: [{ model, value: 0.012 }] },
        ),
      ),
    );
    await recorder.record(alice, logs(apiRequestLogs(both, events)));
    await recorder.record(
      alice,
      logs(
        apiRequestLogs(
          eventsOnly,
          events.map((e) => ({ ...e, requestId: `${e.requestId}-2` })),
        ),
      ),
    );
    await recorder.record(
      alice,
      logs(
        apiRequestLogs(
          eventsOnly,
          events.map((e) => ({ ...e, requestId: `${e.requestId}-2` })),
        ),
      ),
    );
    const report = await queryUsage(store.db, { userId: alice, from: T0, to: T0 + HOUR, groupBy: 'session' });
    expect(report.groups.filter((g) => g.key !== 'delta-1' && g.key !== 'cumu-1')).toEqual([
      {
        key: 'both-1',
        input_tokens: 11,
        output_tokens: 22,
        cache_read_tokens: 33,
        cache_creation_tokens: 44,
        cache_creation_5m_tokens: 0,
        cache_creation_1h_tokens: 0,
        cost_usd: 0.012,
        list_cost_usd: 0.0005379,
      },
      {
        key: 'events-1',
        input_tokens: 11,
        output_tokens: 22,
        cache_read_tokens: 33,
        cache_creation_tokens: 44,
        cache_creation_5m_tokens: 0,
        cache_creation_1h_tokens: 0,
        cost_usd: 0.012,
        list_cost_usd: 0.0005379,
      },
    ]);
  });

  it('reads partial hours exactly and keeps users apart', async () => {
    const id = { host: 'laptop', sessionId: 'edges-1' };
    const at = (ms: number, v: number) =>
      metrics(tokenMetrics(id, [{ model: 'm', type: 'input', value: v }], { startMs: ms - 1000, timeMs: ms }));
    await recorder.record(bob, at(T0 + 2 * HOUR + 10 * 60_000, 1));
    await recorder.record(bob, at(T0 + 2 * HOUR + 50 * 60_000, 10));
    await recorder.record(bob, at(T0 + 3 * HOUR + 30 * 60_000, 100));
    await recorder.record(bob, at(T0 + 4 * HOUR + 20 * 60_000, 1000));
    const sum = async (from: number, to: number) =>
      (await queryUsage(store.db, { userId: bob, from, to })).totals.input_tokens;
    expect(await sum(T0 + 2 * HOUR + 30 * 60_000, T0 + 4 * HOUR + 30 * 60_000)).toBe(1110);
    expect(await sum(T0 + 2 * HOUR + 5 * 60_000, T0 + 2 * HOUR + 15 * 60_000)).toBe(1);
    expect(await sum(T0, T0 + 10 * HOUR)).toBe(1111);
    expect(
      (await queryUsage(store.db, { userId: alice, from: T0 + 2 * HOUR, to: T0 + 5 * HOUR })).totals.input_tokens,
    ).toBe(0);
  });

  it('groups by machine, account, model and local day', async () => {
    const r = (groupBy: 'machine' | 'account' | 'model' | 'day', timeZone?: string) =>
      queryUsage(store.db, {
        userId: alice,
        from: T0,
        to: T0 + HOUR,
        groupBy,
        ...(timeZone ? { timeZone } : {}),
      }).then((x) => x.groups.map((g) => [g.key, g.input_tokens + g.output_tokens]));
    expect(await r('machine')).toEqual([
      ['desk', 490],
      ['laptop', 1540 + 33 + 33],
    ]);
    expect(await r('account')).toEqual([
      ['(unknown)', 490 + 33 + 33],
      ['acc-1', 1540],
    ]);
    expect(await r('model')).toEqual([
      ['claude-opus-4-1', 490],
      ['claude-sonnet-4-5', 1540 + 33 + 33],
    ]);
    expect(await r('day', 'Pacific/Kiritimati')).toEqual([['2026-11-21', 490 + 1540 + 33 + 33]]);
  });

  it('records the machine without host.name as unknown rather than dropping it', async () => {
    await recorder.record(
      alice,
      metrics(
        tokenMetrics({ sessionId: 'nohost' }, [{ model: 'm', type: 'input', value: 5 }], {
          startMs: T0,
          timeMs: T0 + 10,
        }),
      ),
    );
    const report = await queryUsage(store.db, { userId: alice, from: T0, to: T0 + 1000, groupBy: 'machine' });
    expect(report.groups.map((g) => [g.key, g.input_tokens])).toEqual([['(unknown)', 5]]);
  });
});
