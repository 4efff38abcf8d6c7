import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { findDelivery, requeueDelivery } from '../../store/webhooks.ts';
import { endpointOf, type WebhookActor } from './webhook-actor.ts';

/**
 * POST /api/webhooks/{id}/deliveries/{delivery}/replay: send a delivery again (a failed one, or
 * one the receiver lost), with the same webhook-id; it goes to the back of the endpoint's queue.
 */
export async function replayDelivery(
  store: Store,
  actor: WebhookActor,
  endpointId: string,
  deliveryId: string,
): Promise<void> {
  await endpointOf(store.db, actor, endpointId);
  await store.transaction(async (trx) => {
    const d = await findDelivery(trx, deliveryId);
    if (!d || d.endpoint_id !== endpointId) {
      throw new TaktError(
        'not_found',
        `no delivery ${deliveryId} of webhook ${endpointId}: GET /api/webhooks/${endpointId}/deliveries lists them`,
      );
    }
    if (d.status === 'pending')
      throw new TaktError('conflict', 'this delivery is still being sent: wait for it to settle');
    await requeueDelivery(trx, deliveryId, Date.now());
    await recordAudit(trx, actor, {
      action: 'webhook.replay',
      targetType: 'webhook_delivery',
      targetId: deliveryId,
      before: { status: d.status },
      after: { status: 'pending', event_id: d.event_id },
    });
  });
}
