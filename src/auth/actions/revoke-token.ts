import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import { listApiTokens, revokeApiToken } from '../../store/api-tokens.ts';
import type { Store } from '../../store/store.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';

/** Revokes one of the user's own tokens. */
export async function revokeToken(
  store: Store,
  actor: Actor,
  input: { userId: string; tokenId: string },
): Promise<void> {
  requireSelfOrLocal(actor, input.userId);
  const id = input.tokenId;
  const row = (await listApiTokens(store.db, input.userId)).find((r) => r.id === id);
  // Another user's token id answers exactly like a missing one.
  if (!row) throw new TaktError('not_found', `you have no token ${id}: GET /api/tokens lists yours`);
  await store.transaction(async (trx) => {
    await revokeApiToken(trx, id);
    await recordAudit(trx, actor, {
      action: 'token.revoke',
      targetType: 'token',
      targetId: id,
      before: { label: row.label, revoked: row.revoked_at !== null },
      after: { revoked: true },
    });
  });
}
