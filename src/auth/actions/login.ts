import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { findUserByEmail, normalizeEmail, type User } from '../../store/users.ts';
import { verifyPassword } from '../passwords.ts';
import type { FailedProofLimit } from '../rate-limit.ts';
import { createWebSession } from '../web-session.ts';
import type { Actor } from './actor.ts';

/**
 * Email and password (the permission) to a browser session. Only failures count
 * against the address and the account (`failures`): the right password always gets in
 * unless this address itself has been guessing.
 */
export async function login(
  store: Store,
  actor: Actor,
  input: { email: string; password: string },
  failures?: FailedProofLimit,
): Promise<{ user: User; session: { id: string; csrf: string; expiresAt: number } }> {
  const address = `login:${actor.address ?? ''}`;
  const account = `login-email:${normalizeEmail(input.email)}`;
  await failures?.check(address, account);
  const user = await findUserByEmail(store.db, input.email);
  // verifyPassword spends the same argon2 time on an unknown user: no enumeration by timing.
  const ok = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!user || !ok || user.disabled_at !== null) {
    await failures?.fail(address, account);
    throw new TaktError('unauthenticated', 'email or password is wrong');
  }
  await failures?.succeed(account);
  const session = await store.transaction(async (trx) => {
    const s = await createWebSession(trx, user.id);
    await recordAudit(
      trx,
      { userId: user.id, address: actor.address },
      { action: 'session.login', targetType: 'user', targetId: user.id },
    );
    return s;
  });
  return { user, session };
}
