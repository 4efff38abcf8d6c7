import { sql } from 'kysely';
import type { Db } from './store.ts';

/**
 * Rate-limit state shared by every replica: fixed windows counted with one upsert (atomic on
 * both dialects, so two replicas counting the same key never lose a hit), and failed proofs
 * per account for the back-off.
 */
export interface WindowCount {
  count: number;
  resetAt: number;
}

/** Counts one hit on `key`; a window that has ended starts again at 1. */
export async function hitWindow(db: Db, key: string, windowMs: number, now: number): Promise<WindowCount> {
  const row = await db
    .insertInto('rate_windows')
    .values({ key, count: 1, reset_at: now + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_windows.reset_at <= ${now} then 1 else rate_windows.count + 1 end`,
        reset_at: sql<number>`case when rate_windows.reset_at <= ${now} then ${now + windowMs} else rate_windows.reset_at end`,
      }),
    )
    .returning(['count', 'reset_at'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), resetAt: Number(row.reset_at) };
}

/** The window of `key` if it is still running. */
export async function peekWindow(db: Db, key: string, now: number): Promise<WindowCount | undefined> {
  const row = await db
    .selectFrom('rate_windows')
    .select(['count', 'reset_at'])
    .where('key', '=', key)
    .where('reset_at', '>', now)
    .executeTakeFirst();
  return row ? { count: Number(row.count), resetAt: Number(row.reset_at) } : undefined;
}

/** Forgets ended windows and account records older than `accountsBefore`. */
export async function sweepRateLimits(db: Db, now: number, accountsBefore: number): Promise<void> {
  await db.deleteFrom('rate_windows').where('reset_at', '<=', now).execute();
  const old = db.selectFrom('failed_proofs').select('account').where('last_at', '<', accountsBefore);
  await db.deleteFrom('failed_proof_addresses').where('account', 'in', old).execute();
  await db.deleteFrom('failed_proofs').where('last_at', '<', accountsBefore).execute();
}

export interface FailedProofRecord {
  failures: number;
  lastAt: number;
  /** How many addresses have failed against the account (capped by the writer). */
  addresses: number;
  /** Whether the asking address is one of them. */
  fromAddress: boolean;
}

/** The account's record as seen from `address`, unless it was last touched before `forgetBefore`. */
export async function readFailedProofs(
  db: Db,
  account: string,
  address: string,
  forgetBefore: number,
): Promise<FailedProofRecord | undefined> {
  const row = await db
    .selectFrom('failed_proofs')
    .select(['failures', 'last_at'])
    .where('account', '=', account)
    .where('last_at', '>=', forgetBefore)
    .executeTakeFirst();
  if (!row) return undefined;
  const from = await db
    .selectFrom('failed_proof_addresses')
    .select([
      sql<number>`count(*)`.as('n'),
      sql<number>`sum(case when address = ${address} then 1 else 0 end)`.as('mine'),
    ])
    .where('account', '=', account)
    .executeTakeFirstOrThrow();
  return {
    failures: Number(row.failures),
    lastAt: Number(row.last_at),
    addresses: Number(from.n),
    fromAddress: Number(from.mine ?? 0) > 0,
  };
}

/** Counts one failed proof against the account from the address (a record older than `forgetBefore` starts again). */
export async function addFailedProof(
  db: Db,
  account: string,
  address: string,
  now: number,
  forgetBefore: number,
  maxAddresses: number,
): Promise<void> {
  const old = await db
    .deleteFrom('failed_proofs')
    .where('account', '=', account)
    .where('last_at', '<', forgetBefore)
    .executeTakeFirst();
  if (Number(old.numDeletedRows) > 0)
    await db.deleteFrom('failed_proof_addresses').where('account', '=', account).execute();
  await db
    .insertInto('failed_proofs')
    .values({ account, failures: 1, last_at: now })
    .onConflict((oc) =>
      oc.column('account').doUpdateSet({ failures: sql<number>`failed_proofs.failures + 1`, last_at: now }),
    )
    .execute();
  const n = await db
    .selectFrom('failed_proof_addresses')
    .select(sql<number>`count(*)`.as('n'))
    .where('account', '=', account)
    .executeTakeFirstOrThrow();
  if (Number(n.n) < maxAddresses) {
    await db
      .insertInto('failed_proof_addresses')
      .values({ account, address })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

export async function clearFailedProofs(db: Db, account: string): Promise<void> {
  await db.deleteFrom('failed_proofs').where('account', '=', account).execute();
  await db.deleteFrom('failed_proof_addresses').where('account', '=', account).execute();
}
