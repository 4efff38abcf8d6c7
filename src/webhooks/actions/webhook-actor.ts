import type { AuditActor } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Db } from '../../store/db.ts';
import { findWebhookEndpoint, type WebhookEndpointRow } from '../../store/webhooks.ts';

/** Who manages webhooks: a signed-in user; admins manage every endpoint, members their own. */
export interface WebhookActor extends AuditActor {
  userId: string;
  admin: boolean;
}

/** The endpoint if the actor may manage it; another user's endpoint answers exactly like a missing one. */
export async function endpointOf(db: Db, actor: WebhookActor, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await findWebhookEndpoint(db, id);
  if (!endpoint || (!actor.admin && endpoint.user_id !== actor.userId)) {
    throw new TaktError('not_found', `no webhook ${id} of yours: GET /api/webhooks lists them`);
  }
  return endpoint;
}
