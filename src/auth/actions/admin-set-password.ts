import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { findUserByEmail, findUserById, normalizeEmail, setPasswordHash } from '../../store/users.ts';
import { deleteUserWebSessions } from '../../store/web-sessions.ts';
import { checkPasswordStrength, hashPassword } from '../passwords.ts';
import { type Actor, requireAdminActor } from './actor.ts';

/** An admin sets a user's password; the user's browser sessions end. */
export async function adminSetPassword(
  store: Store,
  actor: Actor,
  input: { email: string; password: string } | { userId: string; password: string },
): Promise<{ userId: string }> {
  requireAdminActor(actor);
  const weak = checkPasswordStrength(input.password);
  if (weak) throw new TaktError('bad_request', weak);
  const user =
    'userId' in input ? await findUserById(store.db, input.userId) : await findUserByEmail(store.db, input.email);
  if (!user) {
    throw new TaktError(
      'not_found',
      'userId' in input ? `no user ${input.userId}` : `no user with email ${normalizeEmail(input.email)}`,
    );
  }
  const passwordHash = await hashPassword(input.password);
  await store.transaction(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash);
    await deleteUserWebSessions(trx, user.id);
    await recordAudit(trx, actor, {
      action: 'user.password_admin_set',
      targetType: 'user',
      targetId: user.id,
      before: { had_password: user.password_hash !== null },
      after: { had_password: true, sessions_ended: true },
    });
  });
  return { userId: user.id };
}
