import type { PriceTable } from '../pricing/price-table.ts';
import { evaluateUserAccounts } from '../queries/account-limits.ts';
import { findAccount } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { recordCalibrationRejections } from '../store/limit-observations.ts';
import type { CalibrationRejectionsTable } from '../store/schema.ts';
import type { StoreDialect } from '../store/store.ts';
import { recordCapacityChanges } from './record-capacity-changes.ts';

/**
 * Calibrates the account again after new ground truth arrived and records the samples it
 * rejects as outliers; each is returned once, when first recorded — the fact that raises a
 * `calibration_rejected` event (kept in calibration_rejections, with its reason). The same
 * evaluation records a step change of the capacity (`capacity_changes`, record-capacity-changes.ts).
 */
export async function raiseCalibrationRejections(
  db: Db,
  q: { accountId: string; now: number; prices: PriceTable; dialect: StoreDialect },
): Promise<CalibrationRejectionsTable[]> {
  const account = await findAccount(db, q.accountId);
  if (!account) return [];
  const evaluate = () =>
    evaluateUserAccounts(db, { userId: account.user_id, now: q.now, prices: q.prices, accounts: [account] });
  let [evaluated] = await evaluate();
  if (!evaluated) return [];
  // A change just recorded restarts calibration at it: judge the samples again under the new capacity.
  if ((await recordCapacityChanges(db, { dialect: q.dialect, evaluated, now: q.now })).length > 0) {
    [evaluated] = await evaluate();
    if (!evaluated) return [];
  }
  const rows = evaluated.evaluation.samples
    .filter((s) => s.status === 'rejected' && s.implied_capacity !== null)
    .map((s) => ({
      account_id: account.id,
      window: s.window,
      unit: s.unit,
      at: s.at,
      implied_capacity: s.implied_capacity as number,
      reason: s.reason ?? 'far from the other samples',
      created_at: q.now,
    }));
  return recordCalibrationRejections(db, rows);
}
