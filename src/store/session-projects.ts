import type { Db } from './db.ts';

/** Remembers each session's working directory; the latest line's wins (a session can `cd`). */
export async function upsertSessionProjects(
  db: Db,
  userId: string,
  rows: { sessionId: string; cwd: string; at: number }[],
): Promise<void> {
  const latest = new Map<string, { cwd: string; at: number }>();
  for (const r of rows) {
    const seen = latest.get(r.sessionId);
    if (!seen || r.at >= seen.at) latest.set(r.sessionId, { cwd: r.cwd, at: r.at });
  }
  // In key order, so two replicas' batches lock rows in one order.
  for (const [sessionId, r] of [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await db
      .insertInto('session_projects')
      .values({ user_id: userId, session_id: sessionId, cwd: r.cwd, updated_at: r.at })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'session_id'])
          .doUpdateSet({ cwd: r.cwd, updated_at: r.at })
          .where('session_projects.updated_at', '<=', r.at),
      )
      .execute();
  }
}

/** The working directory of each of a user's sessions that has one. */
export async function loadSessionProjects(db: Db, userId: string, sessionIds: string[]): Promise<Map<string, string>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('session_projects')
    .select(['session_id', 'cwd'])
    .where('user_id', '=', userId)
    .where('session_id', 'in', sessionIds)
    .execute();
  return new Map(rows.map((r) => [r.session_id, r.cwd]));
}
