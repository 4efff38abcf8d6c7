import { recordAudit } from '../../audit/record-audit.ts';
import { revokeUserApiTokens } from '../../store/api-tokens.ts';
import type { Store } from '../../store/store.ts';
import { deleteUserWebSessions } from '../../store/web-sessions.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';

/**
 * "Sign out everywhere": ends every browser session of the user (the caller's own too) and,
 * with `tokens`, revokes every API token — for a lost laptop or a leaked cookie (issue 22.6).
 */
export async function logoutEverywhere(
  store: Store,
  actor: Actor,
  input: { userId: string; tokens: boolean },
): Promise<{ sessionsEnded: number; tokensRevoked: number }> {
  requireSelfOrLocal(actor, input.userId);
  return store.transaction(async (trx) => {
    const sessionsEnded = await deleteUserWebSessions(trx, input.userId);
    const tokensRevoked = input.tokens ? await revokeUserApiTokens(trx, input.userId) : 0;
    await recordAudit(trx, actor, {
      action: 'session.logout_everywhere',
      targetType: 'user',
      targetId: input.userId,
      after: { sessions_ended: sessionsEnded, tokens_revoked: tokensRevoked },
    });
    return { sessionsEnded, tokensRevoked };
  });
}
