import { recordAudit } from '../../audit/record-audit.ts';
import type { Store } from '../../store/store.ts';
import { findWebhookEndpoint, updateWebhookEndpoint } from '../../store/webhooks.ts';
import type { UrlGuard } from '../url-guard.ts';
import { checkAccountUuids, checkWebhookUrl, type EndpointInput, thresholdsOf } from './endpoint-input.ts';
import { auditView, type EndpointView, endpointView } from './endpoint-view.ts';
import { endpointOf, type WebhookActor } from './webhook-actor.ts';

/** PATCH /api/webhooks/{id}: change what is given; enabling again clears the failure record. */
export async function updateEndpoint(
  store: Store,
  guard: UrlGuard,
  actor: WebhookActor,
  id: string,
  patch: Partial<EndpointInput>,
): Promise<EndpointView> {
  await endpointOf(store.db, actor, id);
  if (patch.url !== undefined) checkWebhookUrl(guard, patch.url);
  await checkAccountUuids(store.db, actor, patch.account_uuids);
  const now = Date.now();
  return store.transaction(async (trx) => {
    const before = await endpointOf(trx, actor, id);
    const enabling = patch.enabled === true && Number(before.enabled) !== 1;
    const disabling = patch.enabled === false && Number(before.enabled) === 1;
    await updateWebhookEndpoint(trx, id, {
      updated_at: now,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: JSON.stringify([...new Set(patch.events)]) } : {}),
      ...(patch.account_uuids !== undefined
        ? { account_uuids: patch.account_uuids === null ? null : JSON.stringify([...new Set(patch.account_uuids)]) }
        : {}),
      ...(patch.thresholds !== undefined ? { thresholds: JSON.stringify(thresholdsOf(patch.thresholds)) } : {}),
      ...(patch.format !== undefined ? { format: patch.format } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(enabling ? { enabled: 1, disabled_reason: null, disabled_at: null, failing_since: null } : {}),
      ...(disabling ? { enabled: 0, disabled_reason: 'disabled by its owner', disabled_at: now } : {}),
    });
    const updated = (await findWebhookEndpoint(trx, id)) as NonNullable<typeof before>;
    await recordAudit(trx, actor, {
      action: 'webhook.update',
      targetType: 'webhook',
      targetId: id,
      before: auditView(before),
      after: auditView(updated),
    });
    return endpointView(updated);
  });
}
