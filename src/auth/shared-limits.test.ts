import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase, type TestDatabase } from '../../test/support/test-databases.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { SharedFailureLimiter, SharedRateLimiter } from './rate-limit.ts';

/** The limiters replicas share: FailureLimiter's rules with their state in PostgreSQL, seen from two stores. */
const T = 1_000_000;
const outcome = (p: void | Promise<void>) =>
  Promise.resolve(p).then(
    () => 'ok',
    (error: { details?: { retryAfterSeconds?: number } }) => error.details?.retryAfterSeconds ?? 'error',
  );

describe('shared limiters on PostgreSQL', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await postgresDatabase();
    a = await openStore(db.url);
    b = await openStore(db.url);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('limits failures per address across replicas within the window', async () => {
    const onA = new SharedFailureLimiter(a.db, 3, 60_000);
    const onB = new SharedFailureLimiter(b.db, 3, 60_000);
    await onA.fail('10.0.0.1', 'u0@x', T);
    await onB.fail('10.0.0.1', 'u1@x', T);
    await onA.fail('10.0.0.1', 'u2@x', T);
    expect([
      await outcome(onB.check('10.0.0.1', 'other@x', T + 1000)),
      await outcome(onB.check('10.0.0.2', 'u0@x', T)),
      await outcome(onA.check('10.0.0.1', 'other@x', T + 60_000)),
    ]).toEqual([59, 'ok', 'ok']);
  });

  it('backs off an account only for the addresses that failed against it, doubling, until a success', async () => {
    const onA = new SharedFailureLimiter(a.db, 3, 1);
    const onB = new SharedFailureLimiter(b.db, 3, 1);
    for (let i = 0; i < 5; i++) await (i % 2 ? onA : onB).fail(`10.0.1.${i % 2}`, 'owner@x', T);
    // 5 failures, limit 3: back-off 1 s × 2^(5-3) = 4 s for 10.0.1.0 and 10.0.1.1, on either replica.
    expect([
      await outcome(onA.check('10.0.1.0', 'owner@x', T + 1000)),
      await outcome(onB.check('10.0.1.1', 'owner@x', T + 3999)),
      await outcome(onA.check('10.0.1.1', 'owner@x', T + 4000)),
      await outcome(onB.check('192.168.7.7', 'owner@x', T + 1000)),
    ]).toEqual([3, 1, 'ok', 'ok']);
    await onB.succeed('owner@x');
    expect(await outcome(onA.check('10.0.1.0', 'owner@x', T + 1000))).toBe('ok');
  });

  it('counts attempts of one key on both replicas against one limit', async () => {
    const onA = new SharedRateLimiter(a.db, 2, 60_000);
    const onB = new SharedRateLimiter(b.db, 2, 60_000);
    const results = [
      await outcome(onA.hit('k')),
      await outcome(onB.hit('k')),
      await outcome(onA.hit('k')),
      await outcome(onB.hit('other')),
    ];
    expect(results.map((r) => (typeof r === 'number' ? 'limited' : r))).toEqual(['ok', 'ok', 'limited', 'ok']);
  });
});
