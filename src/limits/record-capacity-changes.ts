import type { EvaluatedAccount } from '../queries/account-limits.ts';
import { insertCapacityChange, listCapacityChanges, lockCapacityOf } from '../store/capacity-changes.ts';
import type { Db } from '../store/db.ts';
import type { CapacityChangesTable } from '../store/schema.ts';
import type { StoreDialect } from '../store/store.ts';
import { capacityHistory, detectCapacityChange } from '../usage/capacity-history.ts';

/**
 * After new ground truth was calibrated: records a step change of the account's capacity that
 * the windows support (usage/capacity-history.ts), per window, in the account's unit (the one
 * its limits are judged in: one change, one event, not one per unit). Each change is recorded
 * once — detection only looks at windows from the latest recorded change on, the row's key
 * refuses a second copy, and on PostgreSQL replicas take turns per account. Returns the new
 * rows: each raises `capacity_changed` once (webhooks/alert-evaluator.ts).
 */
export async function recordCapacityChanges(
  db: Db,
  q: { dialect: StoreDialect; evaluated: EvaluatedAccount; now: number },
): Promise<CapacityChangesTable[]> {
  const { account, evaluation } = q.evaluated;
  const unit = evaluation.unit;
  const history = capacityHistory(evaluation.samples);
  if (Object.keys(history).length === 0) return [];
  await lockCapacityOf(db, q.dialect, account.id);
  const recorded = await listCapacityChanges(db, [account.id]);
  const fresh: CapacityChangesTable[] = [];
  for (const [window, byUnit] of Object.entries(history)) {
    const points = byUnit?.[unit] ?? [];
    const last = recorded.filter((r) => r.window === window && r.unit === unit).at(-1);
    const change = detectCapacityChange(points, last ? last.since : null);
    if (change === null) continue;
    const row: CapacityChangesTable = { account_id: account.id, window, unit, ...change, created_at: q.now };
    if (await insertCapacityChange(db, row)) fresh.push(row);
  }
  return fresh;
}
