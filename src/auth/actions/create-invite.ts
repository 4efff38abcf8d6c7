import { recordAudit } from '../../audit/record-audit.ts';
import type { Store } from '../../store/store.ts';
import { inviteHash, mintInvites } from '../invites.ts';
import { type Actor, requireAdminActor } from './actor.ts';

/** Mints invite codes (admins, or the operator with `takt admin invite`). */
export async function createInvites(
  store: Store,
  actor: Actor,
  input: { count: number; expiresInSeconds: number; via?: string },
): Promise<{ codes: string[]; expiresAt: number }> {
  requireAdminActor(actor);
  return store.transaction(async (trx) => {
    const m = await mintInvites(trx, {
      count: input.count,
      expiresInSeconds: input.expiresInSeconds,
      createdBy: actor.userId,
    });
    await recordAudit(trx, actor, {
      action: 'invite.create',
      targetType: 'invite',
      after: input.via
        ? { count: input.count, via: input.via }
        : {
            count: input.count,
            expires_at: new Date(m.expiresAt).toISOString(),
            code_hashes: m.codes.map(inviteHash),
          },
    });
    return m;
  });
}
