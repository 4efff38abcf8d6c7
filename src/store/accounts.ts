import type { Selectable, Updateable } from 'kysely';
import { jsonOrNull } from '../lib/json-or-null.ts';
import type { Db } from './db.ts';
import type { AccountsTable } from './schema.ts';
import { timeKeyPrefix, touchAccount } from './telemetry.ts';

/** The weekly reset an account's settings name until an official one is seen. */
export interface WeeklyResetSetting {
  weekday: number;
  hour: number;
  time_zone: string;
}

/** The account settings the table keeps as text (JSON) or 0/1, as callers use them. */
interface ParsedSettings {
  /** Hand-set limits per window kind, in the account's unit; null: none set. */
  limits: Record<string, number> | null;
  weekly_reset: WeeklyResetSetting | null;
  team_seat: boolean;
}

/**
 * An account as the store answers it: JSON settings parsed, the team seat a boolean, on
 * SQLite and PostgreSQL alike (issue 20.4), so no caller converts.
 */
export type AccountRow = Omit<Selectable<AccountsTable>, keyof ParsedSettings> & ParsedSettings;

function accountFromRow(row: Selectable<AccountsTable>): AccountRow {
  return {
    ...row,
    limits: jsonOrNull<Record<string, number>>(row.limits),
    weekly_reset: jsonOrNull<WeeklyResetSetting>(row.weekly_reset),
    // 0/1 in a bigint column on both databases.
    team_seat: Number(row.team_seat) !== 0,
  };
}

export async function listAccounts(db: Db, userId: string): Promise<AccountRow[]> {
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('first_seen_at')
    .execute();
  return rows.map(accountFromRow);
}

export async function listAllAccounts(db: Db): Promise<AccountRow[]> {
  const rows = await db.selectFrom('accounts').selectAll().orderBy('user_id').orderBy('first_seen_at').execute();
  return rows.map(accountFromRow);
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && accountFromRow(row);
}

export async function findAccountByUuid(db: Db, userId: string, uuid: string): Promise<AccountRow | undefined> {
  const row = await db
    .selectFrom('accounts')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('account_uuid', '=', uuid), eb('account_key', '=', uuid)]))
    .executeTakeFirst();
  return row && accountFromRow(row);
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

/** A change of settings, in the form AccountRow answers them; a field left out stays. */
export type AccountSettingsUpdate = Pick<
  Updateable<AccountsTable>,
  'label' | 'plan' | 'unit' | 'month_start_day' | 'per_seat_cap'
> &
  Partial<ParsedSettings>;

export async function updateAccountSettings(db: Db, id: string, update: AccountSettingsUpdate): Promise<void> {
  if (Object.keys(update).length === 0) return;
  const { limits, weekly_reset, team_seat, ...plain } = update;
  const json = (v: object | null) => (v === null ? null : JSON.stringify(v));
  await db
    .updateTable('accounts')
    .set({
      ...plain,
      ...(limits !== undefined ? { limits: json(limits) } : {}),
      ...(weekly_reset !== undefined ? { weekly_reset: json(weekly_reset) } : {}),
      ...(team_seat !== undefined ? { team_seat: team_seat ? 1 : 0 } : {}),
    })
    .where('id', '=', id)
    .execute();
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
