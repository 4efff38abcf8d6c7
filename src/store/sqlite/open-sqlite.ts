import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
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

/** How long a statement (or a transaction's begin) waits for another connection's write lock. */
const BUSY_TIMEOUT_MS = 5000;

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
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
 * apply), which the API answers 503. Taking the write lock at `begin` makes it wait its turn.
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
  /**
   * Waits for the write lock without blocking the thread: SQLite's own wait (busy_timeout) is
   * synchronous in better-sqlite3, and a transaction holds the lock across awaits — the other
   * connection's holder may need this very thread to finish (two stores in one process), and
   * the event loop should serve requests meanwhile. So `begin immediate` is tried without
   * SQLite's wait, then again after a pause of 1, 2, 4, then 8 ms, for up to busy_timeout.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    await connection.executeQuery(CompiledQuery.raw('pragma busy_timeout = 0'));
    try {
      for (let pause = 1; ; pause = Math.min(pause * 2, 8)) {
        try {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
        }
        await wait(pause);
      }
    } finally {
      await connection.executeQuery(CompiledQuery.raw(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`));
    }
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
