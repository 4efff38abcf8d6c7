import { TaktError } from '../../lib/errors.ts';
import { findInviteByHash } from '../../store/invites.ts';
import type { Store } from '../../store/store.ts';
import { findUserByEmail, insertUser, type User } from '../../store/users.ts';
import type { IssuedToken } from '../api-token.ts';
import { inviteHash, spendInvite } from '../invites.ts';
import type { Actor } from './actor.ts';
import { issueToken } from './issue-token.ts';

/** Creates an account with an invite code (the permission) and its first token, for `machine`. */
export async function register(
  store: Store,
  actor: Actor,
  input: { email: string; inviteCode: string; machine: string },
): Promise<{ user: User; token: IssuedToken }> {
  return store.transaction(async (trx) => {
    // The invite is checked before the email, so an unknown code learns nothing about who is registered.
    const invite = await findInviteByHash(trx, inviteHash(input.inviteCode));
    if (!invite || invite.expires_at <= Date.now()) {
      throw new TaktError(
        'bad_request',
        invite
          ? 'this invite code has expired: ask your admin for a new one'
          : 'unknown invite code: check it for typos, or ask your admin for a new one',
      );
    }
    if (await findUserByEmail(trx, input.email)) {
      throw new TaktError(
        'conflict',
        'this email is already registered: fetch your token with POST /auth/token {email, invite_code}, or add this machine with the device flow (POST /auth/device/start) or POST /auth/setup-additional',
      );
    }
    const user = await insertUser(trx, { email: input.email });
    await spendInvite(trx, input.inviteCode, user.id);
    const self: Actor = { userId: user.id, address: actor.address };
    const token = await issueToken(trx, self, {
      userId: user.id,
      label: input.machine,
      via: 'auth/register',
      event: (t) => ({
        action: 'user.register',
        targetType: 'user',
        targetId: user.id,
        after: { email: user.email, role: user.role, token_id: t.id, machine: input.machine },
      }),
    });
    return { user, token };
  });
}
