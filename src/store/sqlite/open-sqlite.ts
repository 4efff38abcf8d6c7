import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Opens the embedded SQLite file. WAL lets readers run beside the writer;
 * synchronous=FULL makes a committed transaction durable before we acknowledge the
 * export that produced it (an exporter that got 200 never resends, so a lost
 * commit would be lost usage).
 */
export function openSqlite(file: string): { db: Kysely<Database>; raw: SqliteDatabase.Database } {
  if (file !== ':memory:') createPrivately(file);
  const raw = new SqliteDatabase(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('cache_size = -65536');
  // Token counts fit in 2^53; read bigint columns back as plain numbers.
  raw.defaultSafeIntegers(false);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: raw }) });
  return { db, raw };
}

/**
 * Kysely's SQLite transactions with `begin immediate` instead of `begin`. The server has two
 * connections to one WAL file (the main thread's and the telemetry writer thread's): a deferred
 * transaction that reads first takes a snapshot, and if the writer commits before its first
 * write, that write fails at once with SQLITE_BUSY (a stale snapshot; busy_timeout does not
 * apply), which the API answers 503. Taking the write lock at `begin` makes it wait its turn
 * instead (busy_timeout).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * A new database file is made 0600 before SQLite opens it, in a folder made 0700: SQLite gives
 * its -wal and -shm files the database file's mode, so none of the three is ever readable by
 * other users, whatever the umask (issue 22.9) — for `takt serve` and for the CLI commands that
 * open the store directly (`takt token create`, `takt admin`, `takt setup --local`).
 */
function createPrivately(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    // Made by another process in between: it is SQLite's to open as it is.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
