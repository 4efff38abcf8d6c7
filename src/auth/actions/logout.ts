import { recordAudit } from '../../audit/record-audit.ts';
import type { Store } from '../../store/store.ts';
import { deleteWebSession } from '../../store/web-sessions.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';

/** Ends the caller's browser session. */
export async function logout(
  store: Store,
  actor: Actor,
  input: { userId: string; sessionIdHash: string },
): Promise<void> {
  requireSelfOrLocal(actor, input.userId);
  await store.transaction(async (trx) => {
    await deleteWebSession(trx, input.sessionIdHash);
    await recordAudit(trx, actor, { action: 'session.logout', targetType: 'user', targetId: input.userId });
  });
}
