import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/** Advisory-lock keys of takt (one 64-bit space per database; these are arbitrary but fixed). */
export const LOCK_KEYS = { migrations: 7_370_000_001 } as const;

/**
 * Runs fn while holding a session-level advisory lock on its own connection: another
 * replica asking for the same key waits until fn is done (`pg_advisory_lock` blocks).
 * fn may use the pool's other connections; the lock is released even when fn throws, and
 * by PostgreSQL itself if this process dies holding it.
 */
export async function withAdvisoryLock<T>(db: Kysely<Database>, key: number, fn: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${key}::bigint)`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${key}::bigint)`.execute(conn);
    }
  });
}
