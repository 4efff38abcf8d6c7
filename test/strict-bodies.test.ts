import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Issue 22.16: POST /api/official-usage refuses unknown fields as PATCH /api/accounts/{id} does,
 * a 400 naming the field, instead of storing the reading while silently dropping it (a
 * misspelt account_id would have counted the reading toward another account).
 */
describe('unknown fields', () => {
  let takt: TestTakt;
  let me: TestClient;
  beforeAll(async () => {
    takt = await startTakt();
    me = new TestClient(takt.directUrl, takt.token);
  });
  afterAll(async () => {
    await takt.stop();
  });

  it('POST /api/official-usage and PATCH /api/accounts/{id} answer 400 naming the field, and store nothing', async () => {
    const reading = {
      source: 'statusline',
      account_uuid: 'acct-strict',
      rate_limits: { five_hour: { used_percentage: 10, resets_at: Math.floor(Date.now() / 1000) + 3600 } },
    };
    const official = await me.call('POST', '/api/official-usage', { ...reading, account_id: 'someone-else' });
    const stored = await takt.server.context.store.db.selectFrom('official_observations').select('id').execute();
    const good = await me.call('POST', '/api/official-usage', reading);
    const patch = await me.call('PATCH', `/api/accounts/${good.body.account.id}`, { label: 'x', colour: 'red' });
    expect([
      official.status,
      official.body.error,
      stored.length,
      good.status,
      patch.status,
      patch.body.error.code,
    ]).toEqual([400, { code: 'bad_request', message: 'Unrecognized key: "account_id"' }, 0, 201, 400, 'bad_request']);
  });
});
