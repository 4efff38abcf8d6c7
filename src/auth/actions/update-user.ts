import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { UserRole } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import { countEnabledAdmins, findUserById, setUserDisabled, setUserRole } from '../../store/users.ts';
import { deleteUserWebSessions } from '../../store/web-sessions.ts';
import { type Actor, requireAdminActor } from './actor.ts';

/**
 * An admin makes a user admin or member, or disables / enables them (a disabled user's
 * sign-in, sessions and tokens stop working; their data stays). Nobody demotes or disables
 * themselves, and the last enabled admin stays: the server would have no admin left.
 */
export async function updateUser(
  store: Store,
  actor: Actor,
  input: { userId: string; role?: UserRole; disabled?: boolean; now: number },
): Promise<{ id: string; email: string; role: UserRole; disabled_at: number | null }> {
  requireAdminActor(actor);
  const self = actor.userId === input.userId;
  if (self && input.role === 'member') {
    throw new TaktError('conflict', 'you cannot demote yourself: ask another admin');
  }
  if (self && input.disabled === true) {
    throw new TaktError('conflict', 'you cannot disable yourself: ask another admin');
  }
  return store.transaction(async (trx) => {
    const before = await findUserById(trx, input.userId);
    if (!before) throw new TaktError('not_found', `no user ${input.userId}: GET /api/admin/users lists them`);
    const losesAdmin =
      before.role === 'admin' && before.disabled_at === null && (input.role === 'member' || input.disabled === true);
    if (losesAdmin && (await countEnabledAdmins(trx)) <= 1) {
      throw new TaktError('conflict', 'this is the last enabled admin: make someone else admin first');
    }
    if (input.role !== undefined && input.role !== before.role) await setUserRole(trx, before.id, input.role);
    const disabledAt =
      input.disabled === undefined ? before.disabled_at : input.disabled ? (before.disabled_at ?? input.now) : null;
    if (disabledAt !== before.disabled_at) await setUserDisabled(trx, before.id, disabledAt);
    if (input.disabled === true) await deleteUserWebSessions(trx, before.id);
    const after = { role: input.role ?? before.role, disabled: disabledAt !== null };
    await recordAudit(trx, actor, {
      action: input.disabled === undefined ? 'user.role' : input.disabled ? 'user.disable' : 'user.enable',
      targetType: 'user',
      targetId: before.id,
      before: { role: before.role, disabled: before.disabled_at !== null },
      after,
    });
    return { id: before.id, email: before.email, role: after.role, disabled_at: disabledAt };
  });
}
