import { type AuditActor, recordAudit } from '../audit/record-audit.ts';
import { TaktError } from '../lib/errors.ts';
import { accountSettingsView } from '../queries/account-settings-view.ts';
import { type AccountRow, findAccount, updateAccountSettings, type WeeklyResetSetting } from '../store/accounts.ts';
import type { Store } from '../store/store.ts';
import type { PlanId } from '../usage/limit-types.ts';

/** What PATCH /api/accounts/{id} may change; a field left out stays, `null` clears it. */
export interface AccountPatch {
  label?: string | null;
  plan?: PlanId | null;
  unit?: 'usd' | 'tokens';
  limits?: Record<string, number> | null;
  weekly_reset?: WeeklyResetSetting | null;
  month_start_day?: number;
  team_seat?: boolean;
  per_seat_cap?: number | null;
}

/**
 * Changes an account's settings: its owner or an admin only (anyone else is told it does not
 * exist), audited with before and after in the same transaction.
 */
export async function updateAccount(
  store: Store,
  q: { actor: AuditActor & { userId: string; admin: boolean }; id: string; patch: AccountPatch },
): Promise<AccountRow> {
  const { patch, id } = q;
  return store.transaction(async (trx) => {
    const before = await findAccount(trx, id);
    if (!before || (before.user_id !== q.actor.userId && !q.actor.admin)) {
      throw new TaktError('not_found', `no account ${id} of yours: GET /api/accounts lists them`);
    }
    await updateAccountSettings(trx, id, {
      ...(patch.label !== undefined ? { label: patch.label } : {}),
      ...(patch.plan !== undefined ? { plan: patch.plan } : {}),
      ...(patch.unit !== undefined ? { unit: patch.unit } : {}),
      ...(patch.limits !== undefined ? { limits: patch.limits } : {}),
      ...(patch.weekly_reset !== undefined ? { weekly_reset: patch.weekly_reset } : {}),
      ...(patch.month_start_day !== undefined ? { month_start_day: patch.month_start_day } : {}),
      ...(patch.team_seat !== undefined ? { team_seat: patch.team_seat } : {}),
      ...(patch.per_seat_cap !== undefined ? { per_seat_cap: patch.per_seat_cap } : {}),
    });
    const after = (await findAccount(trx, id)) as AccountRow;
    await recordAudit(
      trx,
      { userId: q.actor.userId, address: q.actor.address },
      {
        action: 'account.update',
        targetType: 'account',
        targetId: id,
        before: accountSettingsView(before),
        after: accountSettingsView(after),
      },
    );
    return after;
  });
}
