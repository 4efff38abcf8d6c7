import type { MachinesTable } from './schema.ts';
import type { Db } from './store.ts';

export type MachineRow = Pick<MachinesTable, 'id' | 'host_name' | 'last_seen_at'>;

/** Every machine (host.name) a user's telemetry has come from. */
export async function listMachines(db: Db, userId: string): Promise<MachineRow[]> {
  return db.selectFrom('machines').select(['id', 'host_name', 'last_seen_at']).where('user_id', '=', userId).execute();
}
