import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../../test/support/test-databases.ts';
import { openStore } from '../open-store.ts';
import type { Store } from '../store.ts';
import { HOT_TABLES } from './0017-hot-update-fillfactor.ts';
import { migrationProvider } from './index.ts';

/** Migration 0017: fillfactor 80 on the tables updated in place, on PostgreSQL; down restores the default. */
describe.each(dialects)('migration 0017 (fillfactor for HOT updates) on $name', ({ name, create }) => {
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

  /** Each table's storage options on PostgreSQL ('' when none); SQLite has none to read. */
  const options = async () => {
    if (name === 'sqlite') return 'sqlite has no fillfactor';
    const r = await sql<{ relname: string; options: string }>`
      select relname, coalesce(array_to_string(reloptions, ','), '') as options
        from pg_class where relname in (${sql.join(HOT_TABLES)}) and relkind = 'r' order by relname`.execute(store.db);
    return Object.fromEntries(r.rows.map((x) => [x.relname, x.options]));
  };
  const every = (value: string) =>
    name === 'sqlite' ? 'sqlite has no fillfactor' : Object.fromEntries([...HOT_TABLES].sort().map((t) => [t, value]));

  it('sets fillfactor 80 on migrating up and resets it on migrating down', async () => {
    expect(await options()).toEqual(every('fillfactor=80'));
    const migrator = new Migrator({ db: store.db, provider: migrationProvider });
    expect((await migrator.migrateTo('0016-capacity-changes')).error).toBe(undefined);
    expect(await options()).toEqual(every(''));
    expect((await migrator.migrateToLatest()).error).toBe(undefined);
    expect(await options()).toEqual(every('fillfactor=80'));
  });
});
