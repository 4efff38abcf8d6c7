import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../open-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'takt-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The server has two connections to one WAL file: the main thread's (Kysely) and the telemetry
 * writer thread's. A transaction that reads, meets the other connection's commit, then writes
 * failed with SQLITE_BUSY at once (a stale snapshot: busy_timeout never applies), and the API
 * answered 503 — the hooks e2e lost a limit event to it on a busy CI machine.
 */
it("holds the write lock from a transaction's start, so a commit of the other connection cannot stale it", async () => {
  const file = join(dir, 'takt.db');
  const store = await openStore(`sqlite:${file}`);
  const other = new SqliteDatabase(file);
  other.pragma('busy_timeout = 0');
  try {
    await sql`create table scratch (n integer not null)`.execute(store.db);
    let otherWrite: unknown = 'not tried';
    await store.transaction(async (trx) => {
      const before = await sql<{ n: number }>`select count(*) as n from scratch`.execute(trx);
      expect(before.rows[0]?.n).toBe(0);
      // The writer thread's group commit, landing between this transaction's read and its write.
      try {
        other.prepare('insert into scratch (n) values (2)').run();
        otherWrite = 'committed';
      } catch (error) {
        otherWrite = (error as { code?: string }).code;
      }
      await sql`insert into scratch (n) values (1)`.execute(trx);
    });
    // The other connection waited (here: with no busy timeout, it was told to come back).
    expect(otherWrite).toBe('SQLITE_BUSY');
    const rows = await sql<{ n: number }>`select n from scratch`.execute(store.db);
    expect(rows.rows).toEqual([{ n: 1 }]);
  } finally {
    other.close();
    await store.close();
  }
});
