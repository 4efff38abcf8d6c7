import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { findUserByEmail, normalizeEmail, type User } from '../../store/users.ts';
import type { IssuedToken } from '../api-token.ts';
import { inviteBelongsTo, inviteProofEnded } from '../invites.ts';
import type { FailedProofLimit } from '../rate-limit.ts';
import type { Actor } from './actor.ts';
import { issueToken } from './issue-token.ts';

/**
 * POST /auth/token: a new token for whoever shows the email and the invite code it
 * registered with (the permission check). `user` is undefined when they do not match.
 */
export async function tokenByInvite(
  store: Store,
  actor: Actor,
  input: { email: string; inviteCode: string; label: string },
  failures?: FailedProofLimit,
): Promise<{ user: User; token: IssuedToken }> {
  const address = `token:${actor.address ?? ''}`;
  const account = `token-email:${normalizeEmail(input.email)}`;
  await failures?.check(address, account);
  const user = await findUserByEmail(store.db, input.email);
  // One answer for an unknown email and a wrong code: no way to probe who is registered.
  if (!user || !(await inviteBelongsTo(store.db, input.inviteCode, user.id))) {
    await failures?.fail(address, account);
    throw new TaktError(
      'unauthenticated',
      'email and invite code do not match a registration: check both, or ask your admin',
    );
  }
  await failures?.succeed(account);
  const ended = await inviteProofEnded(store.db, input.inviteCode, user);
  if (ended) throw ended;
  const token = await store.transaction((trx) =>
    issueToken(
      trx,
      { userId: user.id, address: actor.address },
      { userId: user.id, label: input.label, via: 'auth/token' },
    ),
  );
  return { user, token };
}
