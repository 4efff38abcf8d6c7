import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { fmtAmount, fmtPct, fmtUsd, fmtWhen } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';
import { Problem } from './problem.tsx';
import { ScrollRegion } from './scroll-region.tsx';

interface AdminUser {
  id: string;
  email: string;
  role: 'admin' | 'member';
  created_at: string;
  disabled: boolean;
  has_password: boolean;
  active_tokens: number;
  last_token_use_at: string | null;
}

interface AdminToken {
  id: string;
  email: string;
  label: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function AddPerson(props: { onChange: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const action = useSubmit();
  const submit = action.onSubmit(async () => {
    await api('POST', '/api/admin/users', { email, password, role });
    setEmail('');
    setPassword('');
    props.onChange();
    return `Added ${email}: hand them the password; they change it on their Account page.`;
  });
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-person-h">
      <h3 id="add-person-h">Add a person</h3>
      <div class="field">
        <label for="add-email">Email</label>
        <input id="add-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="add-password">First password</label>
        <input
          id="add-password"
          type="password"
          required
          autocomplete="new-password"
          value={password}
          aria-describedby="add-password-hint"
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <p class="hint" id="add-password-hint">
          At least 10 characters. Or send an invite code and let them register.
        </p>
      </div>
      <div class="field">
        <label for="add-role">Role</label>
        <select id="add-role" value={role} onChange={(e) => setRole(e.currentTarget.value as 'member' | 'admin')}>
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
      </div>
      <Problem error={action.error} status={action.status} />
      <button type="submit" class="primary">
        Add person
      </button>
    </form>
  );
}

export function Users(props: { me: SessionUser; changed: number; onChange: () => void }) {
  const loaded = useLoad(() => api<{ users: AdminUser[] }>('GET', '/api/admin/users'), [props.changed]);
  const action = useSubmit();
  const act = (u: AdminUser, body: { role?: string; disabled?: boolean }, done: string) =>
    action.run(async () => {
      await api('PATCH', `/api/admin/users/${encodeURIComponent(u.id)}`, body);
      props.onChange();
      return done;
    });
  const users = loaded.data?.users ?? [];
  return (
    <section aria-labelledby="users-h">
      <h3 id="users-h">People</h3>
      <Problem error={[action.error, loaded.error]} status={action.status} />
      <ScrollRegion label="People table">
        <table data-testid="users-table">
          <caption>Everyone on this server</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col" class="left">
                Role
              </th>
              <th scope="col" class="left">
                State
              </th>
              <th scope="col">Tokens</th>
              <th scope="col">Last token use</th>
              <th scope="col" class="left">
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const self = u.id === props.me.id;
              return (
                <tr key={u.id}>
                  <th scope="row">{u.email}</th>
                  <td class="left">{u.role}</td>
                  <td class="left">
                    {u.disabled ? 'disabled' : 'enabled'}
                    {u.has_password ? '' : ', no password'}
                  </td>
                  <td>{u.active_tokens} active</td>
                  <td>{u.last_token_use_at ? fmtWhen(new Date(u.last_token_use_at)) : 'never'}</td>
                  <td class="left actions">
                    {self ? (
                      <span class="muted">you</span>
                    ) : (
                      <div>
                        <button
                          type="button"
                          onClick={() =>
                            act(
                              u,
                              { role: u.role === 'admin' ? 'member' : 'admin' },
                              `${u.email} is now ${u.role === 'admin' ? 'a member' : 'an admin'}.`,
                            )
                          }
                        >
                          {u.role === 'admin' ? 'Make member' : 'Make admin'}
                          <span class="sr-only"> ({u.email})</span>
                        </button>
                        <button
                          type="button"
                          onClick={() =>
                            act(
                              u,
                              { disabled: !u.disabled },
                              u.disabled
                                ? `${u.email} can sign in again.`
                                : `${u.email} is disabled: sign-in and tokens stop.`,
                            )
                          }
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                          <span class="sr-only"> ({u.email})</span>
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
      <div class="cards">
        <AddPerson onChange={props.onChange} />
      </div>
    </section>
  );
}

export function AllTokens(props: { changed: number; onChange: () => void }) {
  const loaded = useLoad(() => api<{ tokens: AdminToken[] }>('GET', '/api/admin/tokens'), [props.changed]);
  const action = useSubmit();
  const revoke = (t: AdminToken) =>
    action.run(async () => {
      await api('DELETE', `/api/admin/tokens/${encodeURIComponent(t.id)}`);
      props.onChange();
    });
  return (
    <section aria-labelledby="all-tokens-h">
      <h3 id="all-tokens-h">Everyone's tokens</h3>
      <Problem error={[action.error, loaded.error]} />
      <ScrollRegion label="Everyone's tokens table">
        <table data-testid="all-tokens-table">
          <caption>Newest first; revoking stops that machine's telemetry at once</caption>
          <thead>
            <tr>
              <th scope="col">Token</th>
              <th scope="col" class="left">
                Owner
              </th>
              <th scope="col" class="left">
                Label
              </th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col" class="left">
                State
              </th>
            </tr>
          </thead>
          <tbody>
            {(loaded.data?.tokens ?? []).map((t) => (
              <tr key={t.id}>
                <th scope="row" class="mono">
                  takt_{t.prefix}_…
                </th>
                <td class="left">{t.email}</td>
                <td class="left">{t.label}</td>
                <td>{fmtWhen(new Date(t.created_at))}</td>
                <td>{t.last_used_at ? fmtWhen(new Date(t.last_used_at)) : 'never'}</td>
                <td class="left">
                  {t.revoked_at ? (
                    `revoked ${fmtWhen(new Date(t.revoked_at))}`
                  ) : (
                    <button type="button" onClick={() => revoke(t)}>
                      Revoke
                      <span class="sr-only">
                        {' '}
                        {t.label} of {t.email}
                      </span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}

interface TeamUsage {
  seats: {
    user: { id: string; email: string };
    account: { id: string; label: string };
    team_seat: boolean;
    per_seat_cap: number | null;
    unit: 'usd' | 'tokens';
    windows: Record<string, { used: number; used_usd: number; utilization: number | null } | undefined>;
    seat_utilization: number | null;
  }[];
  team: { seats: number; used_usd: number; used_tokens: number; cap: number; utilization: number | null; note: string };
}

export function TeamUsagePanel(props: { tick: number }) {
  const loaded = useLoad(() => api<TeamUsage>('GET', '/api/admin/usage'), [props.tick]);
  const d = loaded.data;
  return (
    <section aria-labelledby="team-h">
      <h3 id="team-h">Usage across the team (this month)</h3>
      <Problem error={loaded.error} />
      {d ? (
        <p class="note" data-testid="team-total">
          {d.team.seats} team {d.team.seats === 1 ? 'seat' : 'seats'}: {fmtUsd(d.team.used_usd)} used
          {d.team.cap > 0 ? ` of ${fmtUsd(d.team.cap)} in per-seat caps` : ''}
          {d.team.utilization === null ? '' : ` (${fmtPct(d.team.utilization)})`}. {d.team.note.charAt(0).toUpperCase()}
          {d.team.note.slice(1)}.
        </p>
      ) : null}
      <ScrollRegion label="Per-seat usage table">
        <table data-testid="seats-table">
          <caption>Every person's accounts; team seats against their per-seat cap</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col" class="left">
                Account
              </th>
              <th scope="col">Month used</th>
              <th scope="col">Per-seat cap</th>
              <th scope="col">Of the cap</th>
              <th scope="col">5-hour window</th>
              <th scope="col">Week</th>
            </tr>
          </thead>
          <tbody>
            {(d?.seats ?? []).map((s) => (
              <tr key={`${s.user.id}-${s.account.id}`}>
                <th scope="row">{s.user.email}</th>
                <td class="left">
                  {s.account.label}
                  {s.team_seat ? ' (team seat)' : ''}
                </td>
                <td>{fmtAmount(s.windows.monthly?.used ?? 0, s.unit)}</td>
                <td>{s.per_seat_cap === null ? 'none' : fmtAmount(s.per_seat_cap, s.unit)}</td>
                <td>{s.seat_utilization === null ? '–' : fmtPct(s.seat_utilization)}</td>
                <td>
                  {s.windows.five_hour?.utilization == null
                    ? 'no limit known'
                    : fmtPct(s.windows.five_hour.utilization)}
                </td>
                <td>
                  {s.windows.seven_day?.utilization == null
                    ? 'no limit known'
                    : fmtPct(s.windows.seven_day.utilization)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
