import type { AccountRow } from '../store/accounts.ts';
import { accountLabel } from './limits-view.ts';

/** An account's settings as GET/PATCH /api/accounts answer them and the audit log records them. */
export function accountSettingsView(a: AccountRow) {
  const parse = (t: string | null) => (t ? (JSON.parse(t) as unknown) : null);
  return {
    id: a.id,
    uuid: a.account_uuid,
    label: accountLabel(a),
    label_set: a.label,
    email: a.email,
    organization_id: a.organization_id,
    plan: a.plan,
    unit: a.unit,
    limits: parse(a.limits),
    weekly_reset: parse(a.weekly_reset),
    month_start_day: Number(a.month_start_day),
    team_seat: Number(a.team_seat) === 1,
    per_seat_cap: a.per_seat_cap === null ? null : Number(a.per_seat_cap),
    first_seen_at: new Date(Number(a.first_seen_at)).toISOString(),
    last_seen_at: new Date(Number(a.last_seen_at)).toISOString(),
  };
}
