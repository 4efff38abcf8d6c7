import { listApiTokens, revokeApiToken } from '../../store/api-tokens.ts';
import type { Store } from '../../store/store.ts';
import type { IssuedToken } from '../api-token.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';
import { issueToken } from './issue-token.ts';

/** Revokes the token the caller used and issues its successor with the same label, in one transaction. */
export async function rotateToken(
  store: Store,
  actor: Actor,
  input: { userId: string; tokenId: string },
): Promise<{ token: IssuedToken; label: string }> {
  requireSelfOrLocal(actor, input.userId);
  const rows = await listApiTokens(store.db, input.userId);
  const label = rows.find((r) => r.id === input.tokenId)?.label ?? '';
  const token = await store.transaction(async (trx) => {
    await revokeApiToken(trx, input.tokenId);
    return issueToken(trx, actor, {
      userId: input.userId,
      label,
      via: 'auth/rotate',
      event: (t) => ({
        action: 'token.rotate',
        targetType: 'token',
        targetId: t.id,
        before: { token_id: input.tokenId },
        after: { token_id: t.id, label },
      }),
    });
  });
  return { token, label };
}
