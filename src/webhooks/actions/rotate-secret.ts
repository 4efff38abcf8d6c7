import { recordAudit } from '../../audit/record-audit.ts';
import type { Store } from '../../store/store.ts';
import { updateWebhookEndpoint } from '../../store/webhooks.ts';
import { newWebhookSecret } from '../signing.ts';
import { endpointOf, type WebhookActor } from './webhook-actor.ts';

/**
 * POST /api/webhooks/{id}/rotate-secret: a new signing secret, returned this once; every
 * attempt from now on (retries of older events too) is signed with it.
 */
export async function rotateSecret(
  store: Store,
  actor: WebhookActor,
  id: string,
): Promise<{ id: string; secret: string }> {
  await endpointOf(store.db, actor, id);
  const secret = newWebhookSecret();
  await store.transaction(async (trx) => {
    await endpointOf(trx, actor, id);
    await updateWebhookEndpoint(trx, id, { secret, updated_at: Date.now() });
    await recordAudit(trx, actor, { action: 'webhook.rotate_secret', targetType: 'webhook', targetId: id });
  });
  return { id, secret };
}
