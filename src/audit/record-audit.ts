import { insertAuditEvent } from '../store/audit-events.ts';
import { newId } from '../store/ids.ts';
import type { Db } from '../store/store.ts';

export interface AuditActor {
  userId: string | null;
  address: string | null;
}

/**
 * Writes one audit_events row. Call it with the transaction that makes the change,
 * so the change and its record commit together. `before`/`after` must hold no secrets.
 */
export async function recordAudit(
  db: Db,
  actor: AuditActor,
  event: { action: string; targetType: string; targetId?: string | null; before?: unknown; after?: unknown },
): Promise<void> {
  await insertAuditEvent(db, {
    id: newId(),
    at: Date.now(),
    actor_user_id: actor.userId,
    actor_address: actor.address,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId ?? null,
    before: event.before === undefined ? null : JSON.stringify(event.before),
    after: event.after === undefined ? null : JSON.stringify(event.after),
  });
}
