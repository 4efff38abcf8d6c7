import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { WriteTelemetry } from './telemetry-writer.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export type { Db } from './db.ts';

/**
 * The one storage interface. Both dialects sit behind it; the modules in this
 * folder (users.ts, api-tokens.ts, telemetry.ts, …) are written once against Kysely and run
 * unchanged on SQLite and PostgreSQL (store.case.test.ts proves it).
 */
export interface Store {
  readonly dialect: StoreDialect;
  /** The database file, when the store is a SQLite file (not in-memory). */
  readonly sqliteFile: string | undefined;
  readonly db: Kysely<Database>;
  /** Runs fn in one transaction: everything it wrote is committed together or not at all. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** The telemetry write path: one group commit per call (see telemetry-writer.ts). */
  readonly writeTelemetry: WriteTelemetry;
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
