import type { Kysely } from 'kysely';
import { Migrator, sql } from 'kysely';
import { TaktError } from '../lib/errors.ts';
import { migrationProvider } from './migrations/index.ts';
import { LOCK_KEYS, withAdvisoryLock } from './postgres/advisory-lock.ts';
import { openPostgres } from './postgres/open-postgres.ts';
import { postgresTelemetryWriter } from './postgres/postgres-telemetry-writer.ts';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';
import { sqliteTelemetryWriter } from './sqlite/sqlite-telemetry-writer.ts';
import type { Store, StoreDialect } from './store.ts';
import type { WriteTelemetry } from './telemetry-writer.ts';

/** Opens the store named by a database URL: postgres://… or a SQLite path (sqlite:/path, file:/path, /path). */
export async function openStore(
  databaseUrl: string,
  options: { migrate?: boolean; maxConnections?: number } = {},
): Promise<Store> {
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Kysely's destroy() ends the pg pool too.
    const { db, pool } = openPostgres(databaseUrl, options.maxConnections);
    store = makeStore('postgres', db, (s) => postgresTelemetryWriter(db, pool, s.transaction), undefined);
  } else {
    const file = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
    const { db, raw } = openSqlite(file);
    store = makeStore('sqlite', db, () => sqliteTelemetryWriter(raw), file === ':memory:' ? undefined : file);
  }
  if (options.migrate !== false) await store.migrate();
  return store;
}

function makeStore(
  dialect: StoreDialect,
  db: Kysely<Database>,
  telemetryWriter: (store: Pick<Store, 'transaction'>) => WriteTelemetry,
  sqliteFile: string | undefined,
): Store {
  const transaction: Store['transaction'] = (fn) => db.transaction().execute(fn);
  let writer: WriteTelemetry | undefined;
  return {
    dialect,
    db,
    sqliteFile,
    transaction,
    // Built on first use: its prepared statements need the migrated schema.
    writeTelemetry: (needs, plan, now) => {
      writer ??= telemetryWriter({ transaction });
      return writer(needs, plan, now);
    },
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider });
      // Replicas starting together: one migrates, the others wait on the lock, then find nothing to do.
      const { error, results } =
        dialect === 'postgres'
          ? await withAdvisoryLock(db, LOCK_KEYS.migrations, () => migrator.migrateToLatest())
          : await migrator.migrateToLatest();
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
