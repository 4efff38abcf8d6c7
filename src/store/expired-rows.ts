import type { Db } from './store.ts';

/** For each table, rows that ended before this time (epoch ms) are deleted. */
export interface ExpiredBefore {
  /** device_codes.expires_at (a code nobody approved, or one long redeemed). */
  deviceCodes: number;
  /** web_sessions.expires_at. */
  webSessions: number;
  /** invites.expires_at (used or not: past it a code proves nothing). */
  invites: number;
  /** setup_codes.created_at (the first-run codes' lifetime is counted from their creation). */
  setupCodes: number;
}

export type PrunedRows = Record<keyof ExpiredBefore, number>;

/**
 * Deletes the rows that can never be used again (issue 22.14: expired device codes, web
 * sessions, invites and setup codes were never deleted, so anonymous device starts grew the
 * database without end). One statement per table, each bounded by its cut-off.
 */
export async function deleteExpiredRows(db: Db, before: ExpiredBefore): Promise<PrunedRows> {
  const deviceCodes = await db
    .deleteFrom('device_codes')
    .where('expires_at', '<', before.deviceCodes)
    .executeTakeFirst();
  const webSessions = await db
    .deleteFrom('web_sessions')
    .where('expires_at', '<', before.webSessions)
    .executeTakeFirst();
  const invites = await db.deleteFrom('invites').where('expires_at', '<', before.invites).executeTakeFirst();
  const setupCodes = await db.deleteFrom('setup_codes').where('created_at', '<', before.setupCodes).executeTakeFirst();
  return {
    deviceCodes: Number(deviceCodes.numDeletedRows),
    webSessions: Number(webSessions.numDeletedRows),
    invites: Number(invites.numDeletedRows),
    setupCodes: Number(setupCodes.numDeletedRows),
  };
}
