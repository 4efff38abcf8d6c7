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

/**
 * Two stores on one file in one thread (two workers in one process; the webhook delivery test
 * has them): one holds the write lock across an await, the other's transaction begins meanwhile.
 * SQLite's own wait is synchronous — it stopped the thread the holder needed to finish, for the
 * whole busy timeout (5 s), then failed; leases ran out meanwhile and a webhook went out twice.
 */
it("waits for another connection's write lock without stopping the thread", async () => {
  const file = join(dir, 'two.db');
  const [a, b] = [await openStore(`sqlite:${file}`), await openStore(`sqlite:${file}`)];
  try {
    await sql`create table scratch (n integer not null)`.execute(a.db);
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const first = a.transaction(async (trx) => {
      await sql`insert into scratch (n) values (1)`.execute(trx);
      order.push('a wrote');
      await held;
      order.push('a commits');
    });
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    const second = b.transaction(async (trx) => {
      order.push('b began');
      await sql`insert into scratch (n) values (2)`.execute(trx);
    });
    // The thread is free while b waits: this timer runs, and lets a finish.
    setTimeout(release, 50);
    await Promise.all([first, second]);
    expect(order).toEqual(['a wrote', 'a commits', 'b began']);
    expect(Date.now() - started).toBeLessThan(2_000);
    const rows = await sql<{ n: number }>`select n from scratch order by n`.execute(b.db);
    expect(rows.rows).toEqual([{ n: 1 }, { n: 2 }]);
  } finally {
    await b.close();
    await a.close();
  }
});
