import { useState } from 'preact/hooks';
import { type AccountSettings, api, PLANS } from '../api.ts';
import { fmtWhen, zoneName } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';
import { CapacityHistoryPanel } from './capacity-history.tsx';
import { Problem } from './problem.tsx';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** One Anthropic account's settings: label, plan, unit, weekly reset (PATCH /api/accounts/{id}). */
function AccountForm(props: { account: AccountSettings; onSaved: () => void }) {
  const a = props.account;
  const p = `acct-${a.id}`;
  const [label, setLabel] = useState(a.label_set ?? '');
  const [plan, setPlan] = useState(a.plan ?? '');
  const [unit, setUnit] = useState(a.unit);
  const [resetKnown, setResetKnown] = useState(a.weekly_reset !== null);
  const [weekday, setWeekday] = useState(a.weekly_reset?.weekday ?? 1);
  const [hour, setHour] = useState(a.weekly_reset?.hour ?? 0);
  const action = useSubmit();
  const save = action.onSubmit(async () => {
    await api('PATCH', `/api/accounts/${encodeURIComponent(a.id)}`, {
      label: label.trim() ? label.trim() : null,
      plan: plan || null,
      unit,
      weekly_reset: resetKnown ? { weekday, hour, time_zone: a.weekly_reset?.time_zone ?? zoneName() } : null,
    });
    props.onSaved();
    return 'Saved.';
  });
  return (
    <form class="card settings" onSubmit={save} aria-labelledby={`${p}-h`} data-testid="account-settings">
      <h4 id={`${p}-h`}>{a.label}</h4>
      <p class="muted">
        {a.email ?? a.uuid ?? a.id} · last usage {fmtWhen(new Date(a.last_seen_at))}
      </p>
      <div class="field">
        <label for={`${p}-label`}>Label</label>
        <input id={`${p}-label`} value={label} maxLength={100} onInput={(e) => setLabel(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${p}-plan`}>Plan</label>
        <select id={`${p}-plan`} value={plan} onChange={(e) => setPlan(e.currentTarget.value)}>
          <option value="">not set (no limit known)</option>
          {PLANS.map((x) => (
            <option key={x.id} value={x.id}>
              {x.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${p}-unit`}>Unit</label>
        <select id={`${p}-unit`} value={unit} onChange={(e) => setUnit(e.currentTarget.value as 'usd' | 'tokens')}>
          <option value="usd">dollars (API-price equivalent)</option>
          <option value="tokens">tokens (input + output + cache writes)</option>
        </select>
      </div>
      <fieldset>
        <legend>Weekly reset</legend>
        <label class="check">
          <input type="checkbox" checked={resetKnown} onChange={(e) => setResetKnown(e.currentTarget.checked)} /> I know
          when my week resets (until an official figure says so)
        </label>
        {resetKnown ? (
          <div class="inline-form">
            <label for={`${p}-weekday`}>Day</label>
            <select id={`${p}-weekday`} value={weekday} onChange={(e) => setWeekday(Number(e.currentTarget.value))}>
              {WEEKDAYS.map((d, i) => (
                <option key={d} value={i}>
                  {d}
                </option>
              ))}
            </select>
            <label for={`${p}-hour`}>Hour</label>
            <select id={`${p}-hour`} value={hour} onChange={(e) => setHour(Number(e.currentTarget.value))}>
              {Array.from({ length: 24 }, (_, h) => (
                <option key={h} value={h}>
                  {`${String(h).padStart(2, '0')}:00`}
                </option>
              ))}
            </select>
            <span class="muted">{a.weekly_reset?.time_zone ?? zoneName()}</span>
          </div>
        ) : null}
      </fieldset>
      <Problem error={action.error} status={action.status} />
      <button type="submit" class="primary">
        Save
      </button>
    </form>
  );
}

export function AccountsSettings() {
  const [saved, setSaved] = useState(0);
  const loaded = useLoad(() => api<{ accounts: AccountSettings[] }>('GET', '/api/accounts'), [saved]);
  const accounts = loaded.data?.accounts ?? [];
  return (
    <section aria-labelledby="accounts-h">
      <h3 id="accounts-h">Anthropic accounts</h3>
      <Problem error={loaded.error} />
      {loaded.data && accounts.length === 0 ? (
        <p class="notice">No Anthropic account is known yet: its settings appear here once usage names one.</p>
      ) : null}
      <div class="cards">
        {accounts.map((a) => (
          <AccountForm key={a.id} account={a} onSaved={() => setSaved((n) => n + 1)} />
        ))}
      </div>
      <div class="cards">
        {accounts.map((a) => (
          <CapacityHistoryPanel key={a.id} accountId={a.id} label={a.label} />
        ))}
      </div>
    </section>
  );
}
