import { selectAuditEvents } from '../store/audit-events.ts';
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
  const rows = await selectAuditEvents(db, q);
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
