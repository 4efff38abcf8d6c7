import type { Selectable, Updateable } from 'kysely';
import type { Db } from './db.ts';
import type { AccountsTable } from './schema.ts';
import { touchAccount } from './telemetry.ts';

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

/** An account reported first by a poller or the status line (before any telemetry): keyed by its uuid, as telemetry keys it. */
export async function ensureAccountByUuid(db: Db, userId: string, uuid: string, now: number): Promise<string> {
  const found = await findAccountByUuid(db, userId, uuid);
  if (found) return found.id;
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

/** The Claude accounts a user's telemetry named since `since`. */
export async function listAccountsSeenSince(
  db: Db,
  userId: string,
  since: number,
): Promise<Pick<AccountRow, 'account_uuid' | 'organization_id' | 'email' | 'last_seen_at'>[]> {
  return db
    .selectFrom('accounts')
    .select(['account_uuid', 'organization_id', 'email', 'last_seen_at'])
    .where('user_id', '=', userId)
    .where('last_seen_at', '>=', since)
    .execute();
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
