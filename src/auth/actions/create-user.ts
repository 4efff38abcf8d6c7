import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { UserRole } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import { findUserByEmail, insertUser, normalizeEmail } from '../../store/users.ts';
import { checkPasswordStrength, hashPassword } from '../passwords.ts';
import { type Actor, requireAdminActor } from './actor.ts';

/**
 * An admin adds a person with a first password to hand over (they change it on their
 * Account page); people who should register themselves get an invite code instead.
 */
export async function createUser(
  store: Store,
  actor: Actor,
  input: { email: string; role: UserRole; password: string },
): Promise<{ id: string; email: string; role: UserRole }> {
  requireAdminActor(actor);
  const weak = checkPasswordStrength(input.password);
  if (weak) throw new TaktError('bad_request', weak);
  const email = normalizeEmail(input.email);
  if (await findUserByEmail(store.db, email)) {
    throw new TaktError('conflict', `${email} already has an account: set its password instead`);
  }
  const passwordHash = await hashPassword(input.password);
  return store.transaction(async (trx) => {
    const user = await insertUser(trx, { email, role: input.role, passwordHash });
    await recordAudit(trx, actor, {
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      after: { email, role: input.role, has_password: true },
    });
    return { id: user.id, email, role: input.role };
  });
}
