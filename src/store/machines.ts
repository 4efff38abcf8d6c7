import type { Db } from './db.ts';
import type { MachinesTable } from './schema.ts';
import { timeKeyPrefix } from './telemetry.ts';
import { summedTokens } from './usage-rows.ts';

export type MachineRow = Pick<MachinesTable, 'id' | 'host_name' | 'last_seen_at'>;

/** Every machine (host.name) a user's telemetry has come from. */
export async function listMachines(db: Db, userId: string): Promise<MachineRow[]> {
  return db.selectFrom('machines').select(['id', 'host_name', 'last_seen_at']).where('user_id', '=', userId).execute();
}

/** The machines a token sent usage for since `since`, with when it last did. */
export async function listMachinesOfToken(
  db: Db,
  tokenId: string,
  since: number,
): Promise<{ machine_id: string; host_name: string; last_seen_at: number }[]> {
  return db
    .selectFrom('token_machines as t')
    .innerJoin('machines as m', 'm.id', 't.machine_id')
    .select(['t.machine_id', 'm.host_name', 't.last_seen_at'])
    .where('t.token_id', '=', tokenId)
    .where('t.last_seen_at', '>=', since)
    .execute();
}

/**
 * A token's usage for one machine since `since`, per session, model and source (raw records:
 * the hourly rollup does not know tokens). The caller counts each (session, model) once.
 */
export async function tokenUsageForMachine(
  db: Db,
  q: { userId: string; tokenId: string; machineId: string; since: number },
): Promise<{ session_id: string; model: string; source: string; tokens: number }[]> {
  const rows = await db
    .selectFrom('usage_records')
    .select(['session_id', 'model', 'source', summedTokens().as('tokens')])
    .where('user_id', '=', q.userId)
    .where('dedupe_key', '>=', timeKeyPrefix(q.since))
    .where('token_id', '=', q.tokenId)
    .where('machine_id', '=', q.machineId)
    .groupBy(['session_id', 'model', 'source'])
    .execute();
  return rows.map((r) => ({ ...r, tokens: Number(r.tokens) }));
}

/** Every machine of every user, with its user's email: GET /metrics' takt_machine_last_seen_seconds. */
export async function listAllMachinesWithUsers(
  db: Db,
): Promise<{ host_name: string; email: string; last_seen_at: number }[]> {
  const rows = await db
    .selectFrom('machines as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.host_name', 'u.email', 'm.last_seen_at'])
    .execute();
  return rows.map((r) => ({ host_name: r.host_name, email: r.email, last_seen_at: Number(r.last_seen_at) }));
}
