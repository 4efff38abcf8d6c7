import type { Db } from './db.ts';
import type { ApiTokensTable } from './schema.ts';

export type ApiTokenRow = ApiTokensTable;

export async function insertApiToken(db: Db, row: ApiTokenRow): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

export async function findApiTokenByPrefix(db: Db, prefix: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

export async function revokeApiToken(db: Db, id: string, now = Date.now()): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes every live token of a user; answers how many. */
export async function revokeUserApiTokens(db: Db, userId: string, now = Date.now()): Promise<number> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Records use, at most once a minute per token, so ingest does not write on every export. */
export async function touchApiToken(db: Db, id: string, now = Date.now()): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - 60_000)]))
    .execute();
}

/** Every user's tokens, with the owner's email (admin view), newest first. */
export async function listAllApiTokens(db: Db): Promise<(ApiTokenRow & { email: string })[]> {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('t')
    .select('u.email')
    .orderBy('t.created_at', 'desc')
    .execute();
}

export async function findApiTokenById(db: Db, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** True when any token of the user has been used (revoked ones included). */
export async function hasUsedApiToken(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('user_id', '=', userId)
    .where('last_used_at', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
