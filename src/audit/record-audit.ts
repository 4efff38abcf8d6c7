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
  await db
    .insertInto('audit_events')
    .values({
      id: newId(),
      at: Date.now(),
      actor_user_id: actor.userId,
      actor_address: actor.address,
      action: event.action,
      target_type: event.targetType,
      target_id: event.targetId ?? null,
      before: event.before === undefined ? null : JSON.stringify(event.before),
      after: event.after === undefined ? null : JSON.stringify(event.after),
    })
    .execute();
}

export interface AuditQuery {
  actorUserId?: string;
  action?: string;
  since?: number;
  until?: number;
  limit: number;
}

export async function listAudit(db: Db, q: AuditQuery) {
  let query = db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id').limit(q.limit);
  if (q.actorUserId) query = query.where('actor_user_id', '=', q.actorUserId);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.since !== undefined) query = query.where('at', '>=', q.since);
  if (q.until !== undefined) query = query.where('at', '<', q.until);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor_user_id: r.actor_user_id,
    actor_address: r.actor_address,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  }));
}
