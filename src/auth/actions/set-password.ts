import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { setPasswordHash, type User } from '../../store/users.ts';
import { checkPasswordStrength, hashPassword, verifyPassword } from '../passwords.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';

/** Sets or changes the caller's own password; changing one needs the current password. */
export async function setPassword(
  store: Store,
  actor: Actor,
  input: { user: User; password: string; currentPassword: string | undefined },
): Promise<void> {
  const { user } = input;
  requireSelfOrLocal(actor, user.id);
  const weak = checkPasswordStrength(input.password);
  if (weak) throw new TaktError('bad_request', weak);
  if (user.password_hash !== null && !(await verifyPassword(user.password_hash, input.currentPassword ?? ''))) {
    throw new TaktError('forbidden', 'current_password is wrong: send your current password to change it');
  }
  const passwordHash = await hashPassword(input.password);
  await store.transaction(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash);
    await recordAudit(trx, actor, {
      action: 'user.password_set',
      targetType: 'user',
      targetId: user.id,
      before: { had_password: user.password_hash !== null },
      after: { had_password: true },
    });
  });
}
