import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/store/open-store.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, sqliteDatabase, type TestDatabase } from './support/test-databases.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * Issue 22.14, unbounded growth: Anthropic accounts per user are capped (409 past it for
 * readings and limit events; OTLP usage kept, counted toward no account), expired rows are
 * pruned by a job the server runs, and anonymous device starts are rate-limited and not
 * audited one row per call.
 */
describe.each(dialects)('unbounded growth on $name', ({ create }) => {
  let database: TestDatabase;
  let takt: TestTakt;
  let me: TestClient;
  const reading = (account_uuid: string) => ({
    source: 'statusline',
    account_uuid,
    rate_limits: { five_hour: { used_percentage: 10, resets_at: Math.floor(Date.now() / 1000) + 3600 } },
  });

  beforeAll(async () => {
    database = await create();
    takt = await startTakt({
      databaseUrl: database.url,
      env: { TAKT_MAX_ACCOUNTS_PER_USER: '3', TAKT_AUTH_RATE_LIMIT: '1' },
    });
    me = new TestClient(takt.directUrl, takt.token);
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  it('defaults to 20 accounts a user', () => {
    expect(loadConfig({ TAKT_HOME: '/tmp/takt-defaults' }).accountsPerUserMax).toBe(20);
  });

  it('refuses a 4th account with 409 saying what to do, for readings and limit events alike', async () => {
    const statuses = [];
    for (const n of [1, 2, 3, 4])
      statuses.push((await me.call('POST', '/api/official-usage', reading(`acct-${n}`))).status);
    const over = await me.call('POST', '/api/official-usage', reading('acct-5'));
    const event = await me.call('POST', '/api/limit-events', {
      kind: 'hit_limit',
      window: 'five_hour',
      source: 'hook',
      account_uuid: 'acct-6',
    });
    const known = await me.call('POST', '/api/official-usage', reading('acct-2'));
    const accounts = await me.call('GET', '/api/accounts');
    expect([statuses, over.status, over.body.error, event.status, known.status, accounts.body.accounts.length]).toEqual(
      [
        [201, 201, 201, 409],
        409,
        {
          code: 'conflict',
          message:
            'you have 3 Anthropic accounts, the most one user may have (TAKT_MAX_ACCOUNTS_PER_USER), so account acct-5 was not added: send the account_uuid of one you have (GET /api/accounts lists them), or ask your admin to raise TAKT_MAX_ACCOUNTS_PER_USER',
        },
        409,
        201,
        3,
      ],
    );
  });

  it('keeps OTLP usage of an account past the cap, counted toward no account', async () => {
    const t0 = Date.now() - 60_000;
    // One machine: usage without an account is later linked to its machine's account (19.6),
    // but usage whose account was refused past the cap is not (it would land on acct-1).
    const body = (accountUuid: string, sessionId: string) =>
      encodeMetrics(
        tokenMetrics(
          { host: 'laptop', sessionId, accountUuid },
          [{ model: 'claude-sonnet-4-5', type: 'input', value: 1234 }],
          { startMs: t0, timeMs: t0 + 500 },
        ),
      );
    const send = (b: Uint8Array) =>
      fetch(`${takt.directUrl}/v1/metrics`, {
        method: 'POST',
        body: b,
        headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
      });
    const over = await send(body('acct-otlp-over', 'over-cap'));
    const known = await send(body('acct-1', 'known'));
    const db = takt.server.context.store.db;
    const rows = await db
      .selectFrom('usage_records as u')
      .leftJoin('accounts as a', 'a.id', 'u.account_id')
      .select(['u.session_id', 'u.account_id', 'a.account_uuid', 'u.input_tokens'])
      .where('u.session_id', 'in', ['over-cap', 'known'])
      .orderBy('u.session_id')
      .execute();
    const accounts = await db
      .selectFrom('accounts')
      .select('account_uuid')
      .where('user_id', '=', takt.userId)
      .execute();
    expect([over.status, known.status, rows, accounts.length]).toEqual([
      200,
      200,
      [
        { session_id: 'known', account_id: expect.any(String), account_uuid: 'acct-1', input_tokens: 1234 },
        { session_id: 'over-cap', account_id: '', account_uuid: null, input_tokens: 1234 },
      ],
      3,
    ]);
  });

  it('rate-limits POST /auth/device/start per address (429 + Retry-After) and writes no audit row per start', async () => {
    const anonymous = new TestClient(takt.directUrl);
    const statuses = [];
    let last: Awaited<ReturnType<TestClient['call']>> | undefined;
    for (let n = 0; n < 4; n++) {
      last = await anonymous.call('POST', '/auth/device/start', { machine: `box-${n}` });
      statuses.push(last.status);
    }
    const audited = await takt.server.context.store.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'device.start')
      .execute();
    expect([statuses, Number(last?.headers.get('retry-after')) > 0, audited.length]).toEqual([
      [201, 201, 201, 429],
      true,
      0,
    ]);
  });
});

describe('the expired-rows prune in the server', () => {
  it('deletes expired device codes, sessions, invites and setup codes after start', async () => {
    const database = sqliteDatabase();
    const store = await openStore(database.url);
    const user = await insertUser(store.db, { email: 'old@example.com' });
    const long = Date.now() - 40 * 24 * 3_600_000;
    await store.db
      .insertInto('device_codes')
      .values({
        device_code_hash: 'd',
        user_code: 'OLDCODE1',
        resume_code_hash: 'r',
        machine: 'box',
        status: 'pending',
        user_id: null,
        created_at: long,
        expires_at: long + 600_000,
        interval_seconds: 5,
        last_poll_at: null,
        requested_address: '203.0.113.9',
      })
      .execute();
    await store.db
      .insertInto('web_sessions')
      .values({ id_hash: 's', user_id: user.id, csrf_token: 'x', created_at: long, expires_at: long + 1 })
      .execute();
    await store.db
      .insertInto('invites')
      .values({
        code_hash: 'i',
        created_by: user.id,
        created_at: long,
        expires_at: long + 1,
        used_at: null,
        used_by: null,
      })
      .execute();
    await store.close();
    const takt = await startTakt({ databaseUrl: database.url });
    const db = takt.server.context.store.db;
    const count = async () =>
      [
        await db.selectFrom('device_codes').select('device_code_hash').execute(),
        await db.selectFrom('web_sessions').select('id_hash').execute(),
        await db.selectFrom('invites').select('code_hash').execute(),
      ].map((rows) => rows.length);
    const left = await waitFor('the prune at start', count, (n) => n.every((x) => x === 0));
    await takt.stop();
    await database.drop();
    expect(left).toEqual([0, 0, 0]);
  });
});
