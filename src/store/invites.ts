import type { InvitesTable } from './schema.ts';
import type { Db } from './store.ts';

export type InviteRow = InvitesTable;

export async function insertInvites(db: Db, rows: InviteRow[]): Promise<void> {
  await db.insertInto('invites').values(rows).execute();
}

export async function findInviteByHash(db: Db, codeHash: string): Promise<InviteRow | undefined> {
  return db.selectFrom('invites').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Marks an unused invite used; false when another registration spent it first. */
export async function markInviteUsed(db: Db, codeHash: string, userId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('invites')
    .set({ used_at: now, used_by: userId })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
