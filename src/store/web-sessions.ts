import type { WebSessionsTable } from './schema.ts';
import type { Db } from './store.ts';

export type WebSessionRow = WebSessionsTable;

export async function insertWebSession(db: Db, row: WebSessionRow): Promise<void> {
  await db.insertInto('web_sessions').values(row).execute();
}

export async function findLiveWebSession(db: Db, idHash: string, now: number): Promise<WebSessionRow | undefined> {
  return db
    .selectFrom('web_sessions')
    .selectAll()
    .where('id_hash', '=', idHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteWebSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
}

/** Ends a user's browser sessions, all or all but `exceptIdHash`; answers how many ended. */
export async function deleteUserWebSessions(db: Db, userId: string, exceptIdHash?: string): Promise<number> {
  let q = db.deleteFrom('web_sessions').where('user_id', '=', userId);
  if (exceptIdHash !== undefined) q = q.where('id_hash', '!=', exceptIdHash);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}
