import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/** Defect 3 of issue 10: the cached token check held the old password hash for ~5 s. */
let takt: TestTakt;
beforeAll(async () => {
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
});

describe('POST /auth/password/set', () => {
  it('asks for current_password right after a password was set, and after it was changed', async () => {
    const me = new TestClient(takt.directUrl, takt.token);
    const first = await me.call('POST', '/auth/password/set', { password: 'first password here' });
    const withoutCurrent = await me.call('POST', '/auth/password/set', { password: 'taken over by someone' });
    const changed = await me.call('POST', '/auth/password/set', {
      password: 'second password here',
      current_password: 'first password here',
    });
    const withOldCurrent = await me.call('POST', '/auth/password/set', {
      password: 'taken over by someone',
      current_password: 'first password here',
    });
    expect([first.status, withoutCurrent.status, changed.status, withOldCurrent.status]).toEqual([200, 403, 200, 403]);
    expect(withoutCurrent.body.error.message).toBe(
      'current_password is wrong: send your current password to change it',
    );
  });
});
