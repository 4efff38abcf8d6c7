import type { AccountRow } from '../store/accounts.ts';
import { accountLabel } from './limits-view.ts';

/** An account's settings as GET/PATCH /api/accounts answer them and the audit log records them. */
export function accountSettingsView(a: AccountRow) {
  return {
    id: a.id,
    uuid: a.account_uuid,
    label: accountLabel(a),
    label_set: a.label,
    email: a.email,
    organization_id: a.organization_id,
    plan: a.plan,
    unit: a.unit,
    limits: a.limits,
    weekly_reset: a.weekly_reset,
    month_start_day: a.month_start_day,
    team_seat: a.team_seat,
    per_seat_cap: a.per_seat_cap,
    first_seen_at: new Date(a.first_seen_at).toISOString(),
    last_seen_at: new Date(a.last_seen_at).toISOString(),
  };
}
