import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { findUserById, setPasswordHash } from '../../store/users.ts';
import { deleteUserWebSessions } from '../../store/web-sessions.ts';
import { checkPasswordStrength, hashPassword, verifyPassword } from '../passwords.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';

/**
 * Sets or changes the caller's own password; changing one needs the current password.
 * The stored hash is read here, never taken from the caller's identity: that comes from
 * the token check's cache and may be seconds old (issue 10, defect 3). The write is a
 * compare-and-set on the hash that was checked, so a change racing this one cannot slip by.
 * The user's other browser sessions end in the same transaction (a stolen cookie dies with the
 * old password, issue 22.6); the session that made the change stays.
 */
export async function setPassword(
  store: Store,
  actor: Actor,
  input: { userId: string; password: string; currentPassword: string | undefined; currentSessionIdHash?: string },
): Promise<void> {
  requireSelfOrLocal(actor, input.userId);
  const weak = checkPasswordStrength(input.password);
  if (weak) throw new TaktError('bad_request', weak);
  const user = await findUserById(store.db, input.userId);
  if (!user) throw new TaktError('not_found', 'your account no longer exists: ask your admin');
  const stored = user.password_hash;
  if (stored !== null && !(await verifyPassword(stored, input.currentPassword ?? ''))) {
    throw new TaktError('forbidden', 'current_password is wrong: send your current password to change it');
  }
  const passwordHash = await hashPassword(input.password);
  await store.transaction(async (trx) => {
    if (!(await setPasswordHash(trx, user.id, passwordHash, stored))) {
      throw new TaktError('conflict', 'your password was changed meanwhile: send the new one as current_password');
    }
    const ended = await deleteUserWebSessions(trx, user.id, input.currentSessionIdHash ?? '');
    await recordAudit(trx, actor, {
      action: 'user.password_set',
      targetType: 'user',
      targetId: user.id,
      before: { had_password: stored !== null },
      after: { had_password: true, other_sessions_ended: ended },
    });
  });
}
