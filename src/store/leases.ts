import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db } from './store.ts';

/** This process, as a lease holder (host, pid and a random part: a restarted pid is someone else). */
export const THIS_PROCESS = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * Takes the lease `name` for ttlMs when it is free or expired; true when we took it. One
 * upsert, so two replicas asking at once cannot both win. A holder does not renew its own
 * running lease (that is what makes runOnce once per period). The one lease mechanism, on
 * both databases: on SQLite there is one process, and the same call keeps the code one.
 */
export async function claimLease(db: Db, name: string, ttlMs: number, holder = THIS_PROCESS, now = Date.now()) {
  const row = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: now + ttlMs })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: now + ttlMs })
        .where('leases.expires_at', '<=', now),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === holder;
}

/** Gives the lease back early (the job finished and may run again at once anywhere). */
export async function releaseLease(db: Db, name: string, holder = THIS_PROCESS): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/**
 * Runs a periodic job on one replica per period: the replica that claims the lease `name`
 * runs fn; the others skip it until the lease expires after ttlMs (choose the job's period:
 * a job every minute on every replica then runs once a minute in all). Returns fn's value,
 * or undefined when another replica holds the lease. A crashed holder's lease simply expires.
 */
export async function runOnce<T>(
  db: Db,
  name: string,
  ttlMs: number,
  fn: () => Promise<T>,
  options: { holder?: string; now?: number } = {},
): Promise<T | undefined> {
  const holder = options.holder ?? THIS_PROCESS;
  if (!(await claimLease(db, name, ttlMs, holder, options.now ?? Date.now()))) return undefined;
  return fn();
}

/** Who holds the lease and until when, or undefined when nobody does. */
export async function leaseHolder(db: Db, name: string): Promise<{ holder: string; expiresAt: number } | undefined> {
  const row = await db
    .selectFrom('leases')
    .select(['holder', sql<number>`expires_at`.as('expires_at')])
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? { holder: row.holder, expiresAt: Number(row.expires_at) } : undefined;
}
