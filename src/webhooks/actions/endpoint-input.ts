import { TaktError } from '../../lib/errors.ts';
import { ownAccountUuids } from '../../store/accounts.ts';
import type { Db } from '../../store/db.ts';
import { DEFAULT_THRESHOLDS, type WebhookEventType, type WebhookFormat } from '../event-types.ts';
import { GuardRefusal, type UrlGuard } from '../url-guard.ts';
import type { WebhookActor } from './webhook-actor.ts';

export interface EndpointInput {
  url: string;
  events: WebhookEventType[];
  account_uuids?: string[] | null | undefined;
  thresholds?: number[] | undefined;
  format?: WebhookFormat | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

/** Refuses a URL the guard could never send to (its scheme, a literal forbidden address). */
export function checkWebhookUrl(guard: UrlGuard, url: string): void {
  try {
    guard.checkUrl(url);
  } catch (error) {
    if (error instanceof GuardRefusal) throw new TaktError('bad_request', `url: ${error.message}`);
    throw error;
  }
}

/** A member may name only accounts of their own; an admin any account (seen yet or not). */
export async function checkAccountUuids(
  db: Db,
  actor: WebhookActor,
  uuids: string[] | null | undefined,
): Promise<void> {
  if (!uuids || actor.admin) return;
  const known = await ownAccountUuids(db, actor.userId, uuids);
  const missing = uuids.filter((u) => !known.has(u));
  if (missing.length) {
    throw new TaktError(
      'not_found',
      `no account ${missing.join(', ')} of yours: GET /api/accounts lists your accounts' uuids`,
    );
  }
}

export const thresholdsOf = (t: number[] | undefined) => [...new Set(t ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
