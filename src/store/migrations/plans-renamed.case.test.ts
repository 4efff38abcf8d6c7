import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../../test/support/test-databases.ts';
import { openStore } from '../open-store.ts';
import type { Store } from '../store.ts';
import { insertUser } from '../users.ts';
import { migrationProvider } from './index.ts';

/** Accounts stored before the rename of 2026-10-30 (max5, max20) read as max and ultra after 0012. */
describe.each(dialects)('migration 0012 (plans renamed) on $name', ({ create }) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await create();
    store = await openStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('moves max5 to max and max20 to ultra, and leaves every other plan', async () => {
    const migrator = new Migrator({ db: store.db, provider: migrationProvider });
    expect((await migrator.migrateTo('0010-session-projects')).error).toBe(undefined);
    const user = (await insertUser(store.db, { email: 'plans@example.com' })).id;
    const plans = ['max5', 'max20', 'pro', 'team_premium', null];
    await store.db
      .insertInto('accounts')
      .values(
        plans.map((plan, i) => ({
          id: `a${i}`,
          user_id: user,
          account_key: `key-${i}`,
          account_uuid: null,
          organization_id: null,
          email: null,
          first_seen_at: 1,
          last_seen_at: 1,
          plan,
        })),
      )
      .execute();
    expect((await migrator.migrateToLatest()).error).toBe(undefined);
    const rows = await store.db.selectFrom('accounts').select(['id', 'plan']).orderBy('id').execute();
    expect(rows.map((r) => r.plan)).toEqual(['max', 'ultra', 'pro', 'team_premium', null]);
  });
});
