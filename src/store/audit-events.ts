import type { AuditEventsTable } from './schema.ts';
import type { Db } from './store.ts';

export type AuditEventRow = AuditEventsTable;

export async function insertAuditEvent(db: Db, row: AuditEventRow): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}

export async function selectAuditEvents(
  db: Db,
  q: { actorUserId?: string; action?: string; since?: number; until?: number; limit: number },
): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id').limit(q.limit);
  if (q.actorUserId) query = query.where('actor_user_id', '=', q.actorUserId);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.since !== undefined) query = query.where('at', '>=', q.since);
  if (q.until !== undefined) query = query.where('at', '<', q.until);
  return query.execute();
}
