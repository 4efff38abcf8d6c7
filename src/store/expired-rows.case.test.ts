import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { pruneExpiredRows } from '../auth/prune-expired.ts';
import { deleteExpiredRows } from './expired-rows.ts';
import { openStore } from './open-store.ts';
import type { Store } from './store.ts';
import { insertUser } from './users.ts';

/** Issue 22.14: expired device codes, web sessions, invites and setup codes are deleted, live ones kept. */
describe.each(dialects)('expired rows on $name', ({ create }) => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  const NOW = 1_800_000_000_000;
  const HOUR = 3_600_000;

  beforeAll(async () => {
    database = await create();
    a = await openStore(database.url);
    b = await openStore(database.url, { migrate: false });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await database.drop();
  });

  async function seed(tag: string) {
    const user = await insertUser(a.db, { email: `${tag}@example.com`, now: NOW - 30 * 24 * HOUR });
    const device = (name: string, expiresAt: number) => ({
      device_code_hash: `${tag}-${name}`,
      user_code: `${tag}${name}`.toUpperCase(),
      resume_code_hash: `${tag}-${name}-resume`,
      machine: 'box',
      status: 'pending' as const,
      user_id: null,
      created_at: expiresAt - 600_000,
      expires_at: expiresAt,
      interval_seconds: 5,
      last_poll_at: null,
      requested_address: '203.0.113.9',
    });
    await a.db
      .insertInto('device_codes')
      .values([device('old', NOW - 2 * HOUR), device('grace', NOW - HOUR / 2), device('live', NOW + 2 * HOUR)])
      .execute();
    const session = (name: string, expiresAt: number) => ({
      id_hash: `${tag}-${name}`,
      user_id: user.id,
      csrf_token: 'x',
      created_at: expiresAt - 14 * 24 * HOUR,
      expires_at: expiresAt,
    });
    await a.db
      .insertInto('web_sessions')
      .values([session('old', NOW - 1), session('live', NOW + 2 * HOUR)])
      .execute();
    const invite = (name: string, expiresAt: number, usedAt: number | null) => ({
      code_hash: `${tag}-${name}`,
      created_by: user.id,
      created_at: expiresAt - 7 * 24 * HOUR,
      expires_at: expiresAt,
      used_at: usedAt,
      used_by: usedAt === null ? null : user.id,
    });
    await a.db
      .insertInto('invites')
      .values([
        invite('old', NOW - 1, null),
        invite('used', NOW - 1, NOW - HOUR * 48),
        invite('live', NOW + 2 * HOUR, null),
      ])
      .execute();
    await a.db
      .insertInto('setup_codes')
      .values([
        { code_hash: `${tag}-old`, created_at: NOW - 25 * HOUR },
        { code_hash: `${tag}-live`, created_at: NOW - 20 * HOUR },
      ])
      .execute();
  }

  const left = async (tag: string) => ({
    deviceCodes: (await a.db.selectFrom('device_codes').select('device_code_hash as k').execute())
      .map((r) => r.k)
      .filter((k) => k.startsWith(tag))
      .sort(),
    webSessions: (await a.db.selectFrom('web_sessions').select('id_hash as k').execute())
      .map((r) => r.k)
      .filter((k) => k.startsWith(tag)),
    invites: (await a.db.selectFrom('invites').select('code_hash as k').execute())
      .map((r) => r.k)
      .filter((k) => k.startsWith(tag)),
    setupCodes: (await a.db.selectFrom('setup_codes').select('code_hash as k').execute())
      .map((r) => r.k)
      .filter((k) => k.startsWith(tag)),
  });

  it('deletes each table’s rows that ended before its cut-off, and only those', async () => {
    await seed('s');
    const pruned = await deleteExpiredRows(a.db, {
      deviceCodes: NOW - HOUR,
      webSessions: NOW,
      invites: NOW,
      setupCodes: NOW - 24 * HOUR,
    });
    expect([pruned, await left('s')]).toEqual([
      { deviceCodes: 1, webSessions: 1, invites: 2, setupCodes: 1 },
      { deviceCodes: ['s-grace', 's-live'], webSessions: ['s-live'], invites: ['s-live'], setupCodes: ['s-live'] },
    ]);
  });

  it('runs the scheduled prune on one replica per period (the prune-expired lease)', async () => {
    await a.db.deleteFrom('setup_codes').execute();
    await seed('r');
    const first = await pruneExpiredRows(a, NOW, 'replica-a');
    const second = await pruneExpiredRows(b, NOW + 1000, 'replica-b');
    const nextHour = await pruneExpiredRows(b, NOW + HOUR, 'replica-b');
    expect([first, second, nextHour, await left('r')]).toEqual([
      { deviceCodes: 1, webSessions: 1, invites: 2, setupCodes: 1 },
      undefined,
      // An hour on, the codes in their grace hour are gone: this test's and the first test's.
      { deviceCodes: 2, webSessions: 0, invites: 0, setupCodes: 0 },
      { deviceCodes: ['r-live'], webSessions: ['r-live'], invites: ['r-live'], setupCodes: ['r-live'] },
    ]);
  });
});
