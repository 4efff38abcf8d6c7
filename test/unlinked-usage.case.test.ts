import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyUsage } from '../src/lib/usage-counts.ts';
import { linkUnlinkedUsage } from '../src/recording/link-unlinked-usage.ts';
import { writeJobs } from '../src/recording/telemetry-jobs.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Issue 19.6 on both databases: usage that arrived before its account was known (a `takt sync`
 * upload before ~/.claude.json existed, OTLP metrics without user.account_uuid, a manual entry
 * before any account) is linked once its session or machine sends usage with an account —
 * exactly once, with the same token totals before and after; until then /api/me/usage shows it
 * as not yet linked, with the fix.
 */
const HOUR = 3_600_000;

describe.each(dialects)('usage without an account on $name', ({ create }) => {
  let database: TestDatabase;
  let takt: TestTakt;
  let api: TestClient;
  // Whole hours back from a fixed point of the last day: the records sit in closed hours.
  const base = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
  const from = new Date(base - 24 * HOUR).toISOString();
  const to = new Date(base + 24 * HOUR).toISOString();

  beforeAll(async () => {
    database = await create();
    takt = await startTakt({ databaseUrl: database.url });
    api = new TestClient(takt.httpUrl, takt.token);
  }, 60_000);
  afterAll(async () => {
    await takt?.stop();
    await database?.drop();
  });

  const upload = (body: Record<string, unknown>) => api.call('POST', '/api/transcript-usage', body);
  const record = (id: string, session: string, at: number, input: number, output: number) => ({
    message_id: id,
    request_id: `req-${id}`,
    session_id: session,
    timestamp: at,
    model: 'claude-sonnet-4-5',
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: 1000,
  });
  const byAccount = async () => {
    const r = await api.call('GET', `/api/usage?from=${from}&to=${to}&group_by=account`);
    return Object.fromEntries(
      (r.body.groups as { name: string; input_tokens: number; output_tokens: number; cache_read_tokens: number }[]).map(
        (g) => [g.name, g.input_tokens + g.output_tokens + g.cache_read_tokens],
      ),
    );
  };
  const metrics = (host: string, session: string, account: string | undefined, at: number, input: number) =>
    fetch(`${takt.httpUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${takt.token}` },
      body: encodeMetrics(
        tokenMetrics(
          { host, sessionId: session, ...(account ? { accountUuid: account } : {}) },
          [{ model: 'claude-opus-4-1', type: 'input', value: input }],
          { startMs: at - 1000, timeMs: at },
        ),
      ),
    }).then((r) => r.status);

  it('shows usage synced before ~/.claude.json existed as not yet linked, with the fix', async () => {
    // laptop: two responses synced before the account was known; desk: metrics without account_uuid.
    expect(
      (
        await upload({
          host_name: 'laptop',
          records: [
            record('m1', 'sess-early', base + 5 * 60_000, 1_200_000, 34_000),
            record('m2', 'sess-early', base + 10 * 60_000, 600_000, 16_000),
          ],
        })
      ).status,
    ).toBe(201);
    expect(await metrics('desk', 'sess-desk-1', undefined, base + 20 * 60_000, 777_000)).toBe(200);
    const manual = await api.call('POST', '/api/session', { input: 5_000, output: 500, note: 'typed in' });
    expect(manual.status).toBe(201);

    const me = await api.call('GET', '/api/me/usage');
    expect(me.body.accounts).toEqual([]);
    // 1,200,000 + 34,000 + 1,000 + 600,000 + 16,000 + 1,000 + 777,000 + 5,000 + 500
    expect(me.body.unlinked).toMatchObject({
      total_tokens: 2_634_500,
      records: 4,
      machines: ['desk', 'laptop'],
      manual_entries: true,
    });
    expect(me.body.unlinked.fix).toContain('takt sync');
    expect(await byAccount()).toEqual({ '(unknown)': 2_634_500 });
  });

  it('links each machine and session to the account it sends next, exactly once', async () => {
    // ~/.claude.json now exists on laptop: the next sync carries the account (another session).
    expect(
      (
        await upload({
          host_name: 'laptop',
          account_uuid: 'acct-personal',
          records: [record('m3', 'sess-later', base + 2 * HOUR, 100_000, 2_000)],
        })
      ).status,
    ).toBe(201);
    // desk's Claude Code now sends user.account_uuid (a team seat).
    expect(await metrics('desk', 'sess-desk-2', 'acct-team', base + 3 * HOUR, 10_000)).toBe(200);

    const me = await api.call('GET', '/api/me/usage');
    expect((me.body.accounts as { uuid: string }[]).map((a) => a.uuid).sort()).toEqual(['acct-personal', 'acct-team']);
    expect(me.body.unlinked).toBe(null);
    // Before: laptop 1,852,000 unlinked; after: laptop's account holds it plus the new 103,000.
    expect(await byAccount()).toEqual({ 'acct-personal': 1_852_000 + 103_000 + 5_500, 'acct-team': 787_000 });
  });

  it('a session sending its account later links its own earlier records, on an unnamed machine too', async () => {
    expect((await upload({ records: [record('m4', 'sess-nohost', base + 4 * HOUR, 40_000, 4_000)] })).status).toBe(201);
    expect((await api.call('GET', '/api/me/usage')).body.unlinked).toMatchObject({ total_tokens: 45_000 });
    expect(
      (
        await upload({
          account_uuid: 'acct-team',
          records: [record('m5', 'sess-nohost', base + 4 * HOUR + 60_000, 1_000, 100)],
        })
      ).status,
    ).toBe(201);
    expect((await api.call('GET', '/api/me/usage')).body.unlinked).toBe(null);
    expect(await byAccount()).toEqual({ 'acct-personal': 1_960_500, 'acct-team': 787_000 + 45_000 + 2_100 });
  });

  it('moves nothing twice: uploads sent again and linkers racing change no total', async () => {
    expect(
      (
        await upload({
          host_name: 'laptop',
          account_uuid: 'acct-personal',
          records: [
            record('m1', 'sess-early', base + 5 * 60_000, 1_200_000, 34_000),
            record('m3', 'sess-later', base + 2 * HOUR, 100_000, 2_000),
          ],
        })
      ).body,
    ).toMatchObject({ stored: 0, duplicates: 2 });
    // An unlinked record on a machine with no account yet; then its account arrives past the
    // recorder (written straight to the store), and two linkers run at once (two replicas).
    expect(
      (await upload({ host_name: 'bench', records: [record('m6', 'sess-bench-1', base + 5 * HOUR, 9_000, 900)] }))
        .status,
    ).toBe(201);
    const store = takt.server.context.store;
    const [written] = await writeJobs(store.writeTelemetry, [
      {
        userId: takt.userId,
        observations: [
          {
            type: 'transcript',
            key: 'm7',
            timeMs: base + 5 * HOUR + 60_000,
            ctx: {
              hostName: 'bench',
              account: { key: 'acct-personal', accountUuid: 'acct-personal', organizationId: null, email: null },
              sessionId: 'sess-bench-2',
            },
            model: 'claude-sonnet-4-5',
            requestId: null,
            tokens: { ...emptyUsage(), input_tokens: 100 },
          },
        ],
      },
    ]);
    expect(written?.stored).toBe(1);
    expect((await api.call('GET', '/api/me/usage')).body.unlinked).toMatchObject({ total_tokens: 10_900 });
    const triggers = { hostNames: new Set(['bench']), sessionIds: new Set<string>() };
    const moved = await Promise.all([
      linkUnlinkedUsage(store, takt.userId, triggers),
      linkUnlinkedUsage(store, takt.userId, triggers),
    ]);
    expect(moved.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await byAccount()).toEqual({ 'acct-personal': 1_960_500 + 10_900 + 100, 'acct-team': 834_100 });
    expect((await api.call('GET', '/api/me/usage')).body.unlinked).toBe(null);
    const hourly = await store.db
      .selectFrom('usage_hourly')
      .select(['account_id'])
      .where('user_id', '=', takt.userId)
      .where('account_id', '=', '')
      .execute();
    expect(hourly).toEqual([]);
  });
});
