import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { fmtAmount, fmtPct, fmtUsd, fmtWhen } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';
import { DataTable } from './data-table.tsx';
import { Problem } from './problem.tsx';

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

/** The form that adds a person; the Admin page puts it in one row with invites and passwords. */
export function AddPerson(props: { onChange: () => void }) {
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

type Act = (u: AdminUser, body: { role?: string; disabled?: boolean }, done: string) => void;

function UserActions(props: { u: AdminUser; act: Act }) {
  const { u, act } = props;
  return (
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
            u.disabled ? `${u.email} can sign in again.` : `${u.email} is disabled: sign-in and tokens stop.`,
          )
        }
      >
        {u.disabled ? 'Enable' : 'Disable'}
        <span class="sr-only"> ({u.email})</span>
      </button>
    </div>
  );
}

export function Users(props: { me: SessionUser; changed: number; onChange: () => void }) {
  const loaded = useLoad(() => api<{ users: AdminUser[] }>('GET', '/api/admin/users'), [props.changed]);
  const action = useSubmit();
  const act: Act = (u, body, done) =>
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
      <DataTable
        label="People table"
        testId="users-table"
        caption="Everyone on this server"
        rows={users}
        rowKey={(u) => u.id}
        columns={[
          { header: 'Email', align: 'left', rowHeader: true, sortBy: (u) => u.email, cell: (u) => u.email },
          { header: 'Role', align: 'left', cell: (u) => u.role },
          {
            header: 'State',
            align: 'left',
            cell: (u) => `${u.disabled ? 'disabled' : 'enabled'}${u.has_password ? '' : ', no password'}`,
          },
          { header: 'Tokens', align: 'right', cell: (u) => `${u.active_tokens} active` },
          {
            header: 'Last token use',
            align: 'right',
            sortBy: (u) => u.last_token_use_at ?? '',
            cell: (u) => (u.last_token_use_at ? fmtWhen(new Date(u.last_token_use_at)) : 'never'),
          },
          {
            header: 'Actions',
            align: 'left',
            cellClass: 'actions',
            cell: (u) => (u.id === props.me.id ? <span class="muted">you</span> : <UserActions u={u} act={act} />),
          },
        ]}
      />
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
      <DataTable
        label="Everyone's tokens table"
        testId="all-tokens-table"
        caption="Newest first; revoking stops that machine's telemetry at once"
        rows={loaded.data?.tokens ?? []}
        rowKey={(t) => t.id}
        columns={[
          { header: 'Token', align: 'left', rowHeader: true, cellClass: 'mono', cell: (t) => `takt_${t.prefix}_…` },
          { header: 'Owner', align: 'left', sortBy: (t) => t.email, cell: (t) => t.email },
          { header: 'Label', align: 'left', cell: (t) => t.label },
          {
            header: 'Created',
            align: 'right',
            sortBy: (t) => t.created_at,
            cell: (t) => fmtWhen(new Date(t.created_at)),
          },
          {
            header: 'Last used',
            align: 'right',
            sortBy: (t) => t.last_used_at ?? '',
            cell: (t) => (t.last_used_at ? fmtWhen(new Date(t.last_used_at)) : 'never'),
          },
          {
            header: 'State',
            align: 'left',
            cell: (t) =>
              t.revoked_at ? (
                `revoked ${fmtWhen(new Date(t.revoked_at))}`
              ) : (
                <button type="button" onClick={() => revoke(t)}>
                  Revoke
                  <span class="sr-only">
                    {' '}
                    {t.label} of {t.email}
                  </span>
                </button>
              ),
          },
        ]}
      />
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
  team: {
    seats: number;
    used_usd: number;
    used_tokens: number;
    by_unit: { unit: 'usd' | 'tokens'; seats: number; used: number; cap: number; utilization: number | null }[];
    note: string;
  };
}

/** "2 team seats: $12.50 used of $40.00 in per-seat caps (31.25%); 1,200 tokens used (…)." — each unit on its own. */
function teamTotal(team: TeamUsage['team']): string {
  const parts = team.by_unit.map((u) => {
    const amount = (n: number) => (u.unit === 'usd' ? fmtUsd(n) : `${n.toLocaleString('en-US')} tokens`);
    const cap = u.cap > 0 ? ` of ${amount(u.cap)} in per-seat caps` : '';
    return `${amount(u.used)} used${cap}${u.utilization === null ? '' : ` (${fmtPct(u.utilization)})`}`;
  });
  return `${team.seats} team ${team.seats === 1 ? 'seat' : 'seats'}${parts.length ? `: ${parts.join('; ')}` : ''}.`;
}

const windowUse = (w: { utilization: number | null } | undefined) =>
  w?.utilization == null ? 'no limit known' : fmtPct(w.utilization);

export function TeamUsagePanel(props: { tick: number }) {
  const loaded = useLoad(() => api<TeamUsage>('GET', '/api/admin/usage'), [props.tick]);
  const d = loaded.data;
  return (
    <section aria-labelledby="team-h">
      <h3 id="team-h">Usage across the team (this month)</h3>
      <Problem error={loaded.error} />
      {d ? (
        <p class="note" data-testid="team-total">
          {teamTotal(d.team)} {d.team.note.charAt(0).toUpperCase()}
          {d.team.note.slice(1)}.
        </p>
      ) : null}
      {d && d.seats.length === 0 ? (
        // An empty table of headers read as broken (seen on a one-person server fed by takt sync).
        <p class="notice" data-testid="seats-empty">
          No Anthropic account is known yet: a row appears per person and account once Claude Code's usage names one.
        </p>
      ) : (
        <DataTable
          label="Per-seat usage table"
          testId="seats-table"
          caption="Every person's accounts; team seats against their per-seat cap"
          rows={d?.seats ?? []}
          rowKey={(s) => `${s.user.id}-${s.account.id}`}
          columns={[
            { header: 'Person', align: 'left', rowHeader: true, cell: (s) => s.user.email },
            {
              header: 'Account',
              align: 'left',
              cell: (s) => `${s.account.label}${s.team_seat ? ' (team seat)' : ''}`,
            },
            { header: 'Month used', align: 'right', cell: (s) => fmtAmount(s.windows.monthly?.used ?? 0, s.unit) },
            {
              header: 'Per-seat cap',
              align: 'right',
              cell: (s) => (s.per_seat_cap === null ? 'none' : fmtAmount(s.per_seat_cap, s.unit)),
            },
            {
              header: 'Of the cap',
              align: 'right',
              sortBy: (s) => s.seat_utilization ?? -1,
              cell: (s) => (s.seat_utilization === null ? '–' : fmtPct(s.seat_utilization)),
            },
            { header: '5-hour window', align: 'right', cell: (s) => windowUse(s.windows.five_hour) },
            { header: 'Week', align: 'right', cell: (s) => windowUse(s.windows.seven_day) },
          ]}
        />
      )}
    </section>
  );
}
