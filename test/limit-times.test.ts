import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Issue 22.13, replayed on the limits API: manual entries took ingest's time rule, but a
 * reading's `captured_at` of 1 (epoch seconds) was stored as 1970, `1e300` answered 500
 * ("Invalid time value") and a limit event `at: 1` was stored as 1970 too. Both now answer
 * 400 with the allowed range and store nothing.
 */
describe('times of readings and limit events', () => {
  let takt: TestTakt;
  let me: TestClient;
  beforeAll(async () => {
    takt = await startTakt();
    me = new TestClient(takt.directUrl, takt.token);
  });
  afterAll(() => takt.stop());

  const reading = (captured_at: unknown) => ({
    source: 'statusline',
    account_uuid: 'acct-times',
    captured_at,
    rate_limits: { five_hour: { used_percentage: 10 } },
  });
  const event = (at: unknown) => ({
    kind: 'hit_limit',
    window: 'five_hour',
    account_uuid: 'acct-times',
    source: 'hook',
    at,
  });
  const rule = (what: string, got: string) =>
    `${what} must be from 2020-01-01 to 5 minutes after the server's clock, got ${got}: check this machine's clock`;

  it('POST /api/official-usage refuses a captured_at before 2020 or absurd with 400, never 500', async () => {
    const answers = [];
    for (const at of [1, '1970-01-01T00:00:00Z', 1e300, 8_640_000_000_000_000]) {
      answers.push(await me.call('POST', '/api/official-usage', reading(at)));
    }
    const stored = await takt.server.context.store.db.selectFrom('official_observations').select('id').execute();
    expect([answers.map((a) => [a.status, a.body.error?.message]), stored.length]).toEqual([
      [
        [400, rule('captured_at', '1970-01-01T00:00:01.000Z')],
        [400, rule('captured_at', '1970-01-01T00:00:00.000Z')],
        [400, rule('captured_at', '1e+300')],
        [400, rule('captured_at', '+275760-09-13T00:00:00.000Z')],
      ],
      0,
    ]);
  });

  it('POST /api/limit-events refuses an at before 2020 or absurd with 400', async () => {
    const answers = [];
    for (const at of [1, '2019-12-31T23:59:59Z', 1e300])
      answers.push(await me.call('POST', '/api/limit-events', event(at)));
    const stored = await takt.server.context.store.db.selectFrom('limit_events').select('id').execute();
    expect([answers.map((a) => [a.status, a.body.error?.message]), stored.length]).toEqual([
      [
        [400, rule('at', '1970-01-01T00:00:01.000Z')],
        [400, rule('at', '2019-12-31T23:59:59.000Z')],
        [400, rule('at', '1e+300')],
      ],
      0,
    ]);
  });

  it('still takes a late reading and a late event (an hour ago)', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const answers = [
      await me.call('POST', '/api/official-usage', reading(hourAgo)),
      await me.call('POST', '/api/limit-events', event(hourAgo)),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
  });
});
