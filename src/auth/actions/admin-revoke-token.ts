import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import { findApiTokenById, revokeApiToken } from '../../store/api-tokens.ts';
import type { Store } from '../../store/store.ts';
import { type Actor, requireAdminActor } from './actor.ts';

/** An admin revokes anyone's token (a lost laptop, a person who left). */
export async function adminRevokeToken(store: Store, actor: Actor, input: { tokenId: string }): Promise<void> {
  requireAdminActor(actor);
  const row = await findApiTokenById(store.db, input.tokenId);
  if (!row) throw new TaktError('not_found', `no token ${input.tokenId}: GET /api/admin/tokens lists them`);
  if (row.revoked_at !== null) throw new TaktError('conflict', `token ${input.tokenId} is already revoked`);
  await store.transaction(async (trx) => {
    await revokeApiToken(trx, row.id);
    await recordAudit(trx, actor, {
      action: 'token.admin_revoke',
      targetType: 'token',
      targetId: row.id,
      before: { user_id: row.user_id, label: row.label, revoked: false },
      after: { revoked: true },
    });
  });
}
