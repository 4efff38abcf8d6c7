import type { Kysely } from 'kysely';
import { Migrator, sql } from 'kysely';
import { TaktError } from '../lib/errors.ts';
import { migrationProvider } from './migrations/index.ts';
import { openPostgres } from './postgres/open-postgres.ts';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';
import type { Store, StoreDialect } from './store.ts';

/** Opens the store named by a database URL: postgres://… or a SQLite path (sqlite:/path, file:/path, /path). */
export async function openStore(databaseUrl: string, options: { migrate?: boolean } = {}): Promise<Store> {
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Kysely's destroy() ends the pg pool too.
    store = makeStore('postgres', openPostgres(databaseUrl).db);
  } else {
    const file = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
    const { db } = openSqlite(file);
    store = makeStore('sqlite', db);
  }
  if (options.migrate !== false) await store.migrate();
  return store;
}

function makeStore(dialect: StoreDialect, db: Kysely<Database>): Store {
  return {
    dialect,
    db,
    transaction: (fn) => db.transaction().execute(fn),
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
        throw new TaktError(
          'internal',
          `database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
