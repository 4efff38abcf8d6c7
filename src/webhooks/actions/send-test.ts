import { recordAudit } from '../../audit/record-audit.ts';
import { newId } from '../../store/ids.ts';
import type { Store } from '../../store/store.ts';
import { enqueueWebhookEvent } from '../../store/webhooks.ts';
import { TEST_EVENT, type WebhookPayload } from '../event-types.ts';
import { endpointOf, type WebhookActor } from './webhook-actor.ts';

/** POST /api/webhooks/{id}/test: a `webhook_test` event into this endpoint's outbox. */
export async function sendTestEvent(
  store: Store,
  actor: WebhookActor,
  id: string,
  dashboardUrl: string,
): Promise<{ eventId: string; deliveryId: string }> {
  await endpointOf(store.db, actor, id);
  const now = Date.now();
  const eventId = `msg_${newId().replaceAll('-', '')}`;
  const payload: WebhookPayload = {
    type: TEST_EVENT,
    timestamp: new Date(now).toISOString(),
    data: { endpoint_id: id, message: 'a test event from takt', dashboard_url: dashboardUrl },
  };
  const [deliveryId] = await store.transaction(async (trx) => {
    await endpointOf(trx, actor, id);
    const ids = await enqueueWebhookEvent(
      trx,
      {
        id: eventId,
        type: TEST_EVENT,
        user_id: actor.userId,
        account_id: null,
        payload: JSON.stringify(payload),
        created_at: now,
      },
      [id],
      now,
    );
    await recordAudit(trx, actor, {
      action: 'webhook.test',
      targetType: 'webhook',
      targetId: id,
      after: { event_id: eventId },
    });
    return ids;
  });
  return { eventId, deliveryId: deliveryId as string };
}
