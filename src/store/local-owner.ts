import type { Db } from './db.ts';
import type { User } from './users.ts';

/** Records the owner of a one-person store (`takt setup --local`); one row at most. */
export async function setLocalOwner(db: Db, userId: string, now: number): Promise<void> {
  await db.deleteFrom('local_owner').execute();
  await db.insertInto('local_owner').values({ user_id: userId, set_at: now }).execute();
}

/**
 * The owner of a one-person store while they are alone: the person `takt setup --local`
 * recorded, when the store has exactly one person and they are enabled. Undefined otherwise,
 * with the reason (GET /healthz and POST /validate show it).
 */
export async function findLocalOwner(db: Db): Promise<{ user?: User; reason: string }> {
  const [owner, users] = await Promise.all([
    db.selectFrom('local_owner').select('user_id').executeTakeFirst(),
    db.selectFrom('users').selectAll().limit(2).execute(),
  ]);
  if (!owner) return { reason: 'this store was not made by takt setup --local' };
  if (users.length !== 1) return { reason: 'the server has a second person: use tokens' };
  const user = users[0];
  if (!user || user.id !== owner.user_id || user.disabled_at !== null) {
    return { reason: 'the owner takt setup --local made is no longer the one enabled person' };
  }
  return { user, reason: 'one person, loopback bind' };
}
