import type { Db } from '../store/db.ts';
import { tokenUsageForMachine } from '../store/machines.ts';
import type { UsageSource } from '../store/schema.ts';
import { chooseSources, isCounted } from '../usage/count-once.ts';

/**
 * The tokens (input + output + cache reads and writes) one API token sent for one machine
 * since `since`, each (session, model) counted once across metrics and events: what
 * /validate calls `tokens_24h_for_host`.
 */
export async function tokensSentForHost(
  db: Db,
  q: { userId: string; tokenId: string; machineId: string; since: number },
): Promise<number> {
  const sent = (await tokenUsageForMachine(db, q)).map((r) => ({ ...r, source: r.source as UsageSource }));
  const chosen = chooseSources(sent.map((r) => ({ ...r, weight: r.tokens })));
  return sent.filter((r) => isCounted(chosen, r)).reduce((sum, r) => sum + r.tokens, 0);
}
