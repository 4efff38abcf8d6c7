import { recordAudit } from '../../audit/record-audit.ts';
import type { Store } from '../../store/store.ts';
import { deleteWebhookEndpoint } from '../../store/webhooks.ts';
import { auditView } from './endpoint-view.ts';
import { endpointOf, type WebhookActor } from './webhook-actor.ts';

/** DELETE /api/webhooks/{id}: the endpoint and its outbox (pending deliveries are dropped). */
export async function deleteEndpoint(store: Store, actor: WebhookActor, id: string): Promise<void> {
  await endpointOf(store.db, actor, id);
  await store.transaction(async (trx) => {
    const before = await endpointOf(trx, actor, id);
    await deleteWebhookEndpoint(trx, id);
    await recordAudit(trx, actor, {
      action: 'webhook.delete',
      targetType: 'webhook',
      targetId: id,
      before: auditView(before),
    });
  });
}
