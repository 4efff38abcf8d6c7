import type { Selectable, Updateable } from 'kysely';
import type { Db } from './db.ts';
import type { AccountsTable } from './schema.ts';
import { timeKeyPrefix, touchAccount } from './telemetry.ts';

export type AccountRow = Selectable<AccountsTable>;

export async function listAccounts(db: Db, userId: string): Promise<AccountRow[]> {
  return db.selectFrom('accounts').selectAll().where('user_id', '=', userId).orderBy('first_seen_at').execute();
}

export async function listAllAccounts(db: Db): Promise<AccountRow[]> {
  return db.selectFrom('accounts').selectAll().orderBy('user_id').orderBy('first_seen_at').execute();
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findAccountByUuid(db: Db, userId: string, uuid: string): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('account_uuid', '=', uuid), eb('account_key', '=', uuid)]))
    .executeTakeFirst();
}

/** How many Anthropic accounts a user has (the cap of issue 22.14 counts these). */
export async function countAccounts(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * An account reported first by a poller or the status line (before any telemetry): keyed by
 * its uuid, as telemetry keys it. A new one is made only while the user has fewer than
 * `max` accounts; past it, undefined (the caller says what to do). Run inside the write's
 * transaction: on SQLite writes are serial, so the count cannot be overtaken.
 */
export async function ensureAccountByUuid(
  db: Db,
  userId: string,
  uuid: string,
  now: number,
  max = Number.POSITIVE_INFINITY,
): Promise<string | undefined> {
  const found = await findAccountByUuid(db, userId, uuid);
  if (found) return found.id;
  if ((await countAccounts(db, userId)) >= max) return undefined;
  return touchAccount(db, userId, { key: uuid, accountUuid: uuid, organizationId: null, email: null }, now);
}

/** The account a session's usage went to (telemetry knows it); the latest when a session saw several. */
export async function accountOfSession(db: Db, userId: string, sessionId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('usage_hourly')
    .select('account_id')
    .where('user_id', '=', userId)
    .where('session_id', '=', sessionId)
    .where('account_id', '!=', '')
    .orderBy('hour', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.account_id;
}

export type AccountSettingsUpdate = Pick<
  Updateable<AccountsTable>,
  'label' | 'plan' | 'unit' | 'limits' | 'weekly_reset' | 'month_start_day' | 'team_seat' | 'per_seat_cap'
>;

export async function updateAccountSettings(db: Db, id: string, update: AccountSettingsUpdate): Promise<void> {
  if (Object.keys(update).length === 0) return;
  await db.updateTable('accounts').set(update).where('id', '=', id).execute();
}

/**
 * The accounts one token's usage went to since `since` (seed 000's recent_accounts_for_token
 * is per token, not per user), each with the last time that token sent for it. Dedupe keys
 * start with the time, so the primary key bounds the scan.
 */
export async function listAccountsOfTokenSince(
  db: Db,
  userId: string,
  tokenId: string,
  since: number,
): Promise<(Pick<AccountRow, 'account_uuid' | 'organization_id' | 'email'> & { last_seen_at: number })[]> {
  const rows = await db
    .selectFrom('usage_records as u')
    .innerJoin('accounts as a', 'a.id', 'u.account_id')
    .select((eb) => ['a.account_uuid', 'a.organization_id', 'a.email', eb.fn.max('u.ts').as('last_seen_at')])
    .where('u.user_id', '=', userId)
    .where('u.dedupe_key', '>=', timeKeyPrefix(since))
    .where('u.token_id', '=', tokenId)
    .where('u.ts', '>=', since)
    .groupBy(['a.id', 'a.account_uuid', 'a.organization_id', 'a.email'])
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({ ...r, last_seen_at: Number(r.last_seen_at) }));
}

/** Which of these account uuids belong to the user. */
export async function ownAccountUuids(db: Db, userId: string, uuids: string[]): Promise<Set<string | null>> {
  const own = await db
    .selectFrom('accounts')
    .select('account_uuid')
    .where('user_id', '=', userId)
    .where('account_uuid', 'in', uuids.length ? uuids : [''])
    .execute();
  return new Set(own.map((a) => a.account_uuid));
}
