import type { Db } from '../store/store.ts';

export interface AuditQuery {
  actorUserId?: string;
  action?: string;
  since?: number;
  until?: number;
  limit: number;
}

/** Reads the audit trail, newest first (GET /api/audit). */
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
