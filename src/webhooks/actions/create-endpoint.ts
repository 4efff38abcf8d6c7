import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import { newId } from '../../store/ids.ts';
import type { Store } from '../../store/store.ts';
import { countWebhookEndpoints, findWebhookEndpoint, insertWebhookEndpoint } from '../../store/webhooks.ts';
import { newWebhookSecret } from '../signing.ts';
import type { UrlGuard } from '../url-guard.ts';
import { checkAccountUuids, checkWebhookUrl, type EndpointInput, thresholdsOf } from './endpoint-input.ts';
import { auditView, type EndpointView, endpointView } from './endpoint-view.ts';
import type { WebhookActor } from './webhook-actor.ts';

/** Endpoints a user may have (TAKT_WEBHOOK_MAX_ENDPOINTS, …_ADMIN); the defaults are config's. */
export interface EndpointCaps {
  member: number;
  admin: number;
}
export const DEFAULT_ENDPOINT_CAPS: EndpointCaps = { member: 20, admin: 100 };

/** POST /api/webhooks: a new endpoint of the caller's; its secret is returned this once. */
export async function createEndpoint(
  store: Store,
  guard: UrlGuard,
  actor: WebhookActor,
  input: EndpointInput,
  caps: EndpointCaps = DEFAULT_ENDPOINT_CAPS,
): Promise<EndpointView & { secret: string }> {
  checkWebhookUrl(guard, input.url);
  await checkAccountUuids(store.db, actor, input.account_uuids);
  const now = Date.now();
  const secret = newWebhookSecret();
  const id = `ep_${newId().replaceAll('-', '')}`;
  const row = await store.transaction(async (trx) => {
    const cap = actor.admin ? caps.admin : caps.member;
    if ((await countWebhookEndpoints(trx, actor.userId)) >= cap) {
      const who = actor.admin ? 'an admin' : 'a member';
      const setting = actor.admin ? 'TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN' : 'TAKT_WEBHOOK_MAX_ENDPOINTS';
      throw new TaktError(
        'conflict',
        `you have ${cap} webhook endpoints, the most ${who} may have (${setting}): delete one you no longer need (DELETE /api/webhooks/{id}) or send more events to one endpoint`,
      );
    }
    await insertWebhookEndpoint(trx, {
      id,
      user_id: actor.userId,
      url: input.url,
      events: JSON.stringify([...new Set(input.events)]),
      account_uuids: input.account_uuids ? JSON.stringify([...new Set(input.account_uuids)]) : null,
      thresholds: JSON.stringify(thresholdsOf(input.thresholds)),
      format: input.format ?? 'standard',
      description: input.description ?? null,
      secret,
      enabled: input.enabled === false ? 0 : 1,
      disabled_reason: input.enabled === false ? 'disabled by its owner' : null,
      disabled_at: input.enabled === false ? now : null,
      failing_since: null,
      created_at: now,
      updated_at: now,
    });
    const created = await findWebhookEndpoint(trx, id);
    const row = created as NonNullable<typeof created>;
    await recordAudit(trx, actor, {
      action: 'webhook.create',
      targetType: 'webhook',
      targetId: id,
      after: auditView(row),
    });
    return endpointView(row);
  });
  return { ...row, secret };
}
