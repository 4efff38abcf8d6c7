import type { Db } from '../store/store.ts';
import { findUserById, type User } from '../store/users.ts';
import { findLiveWebSession, insertWebSession } from '../store/web-sessions.ts';
import { newSecret, sha256 } from './secret.ts';

export const SESSION_COOKIE = 'takt_session';
export const SESSION_TTL_MS = 14 * 24 * 3_600_000;

/** Creates a browser session; returns the cookie value (stored only hashed) and its CSRF token. */
export async function createWebSession(db: Db, userId: string, now = Date.now()) {
  const id = newSecret(32);
  const csrf = newSecret(24);
  await insertWebSession(db, {
    id_hash: sha256(id),
    user_id: userId,
    csrf_token: csrf,
    created_at: now,
    expires_at: now + SESSION_TTL_MS,
  });
  return { id, csrf, expiresAt: now + SESSION_TTL_MS };
}

export async function findWebSession(
  db: Db,
  id: string,
  now = Date.now(),
): Promise<{ user: User; csrf: string; idHash: string } | undefined> {
  const row = await findLiveWebSession(db, sha256(id), now);
  if (!row) return undefined;
  const user = await findUserById(db, row.user_id);
  if (!user || user.disabled_at !== null) return undefined;
  return { user, csrf: row.csrf_token, idHash: row.id_hash };
}
