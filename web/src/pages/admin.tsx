import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { AddPerson, AllTokens, TeamUsagePanel, Users } from '../components/admin-people.tsx';
import { fmtChange, fmtDay, windowName } from '../components/capacity-history.tsx';
import { ContractedPrices } from '../components/contracted-prices.tsx';
import { DataTable } from '../components/data-table.tsx';
import { Problem } from '../components/problem.tsx';
import { fmtDateTime, zoneName } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';

interface AuditEvent {
  id: string;
  at: string;
  actor_user_id: string | null;
  actor_address: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  after: unknown;
}

function Invites(props: { onChange: () => void }) {
  const [count, setCount] = useState(1);
  const [codes, setCodes] = useState<{ codes: string[]; expires_at: string } | undefined>();
  const action = useSubmit();
  const submit = action.onSubmit(async () => {
    setCodes(await api<{ codes: string[]; expires_at: string }>('POST', '/auth/invite', { count }));
    props.onChange();
  });
  return (
    <form class="card" onSubmit={submit} aria-labelledby="invite-h">
      <h3 id="invite-h">Invite people</h3>
      <div class="inline-form">
        <label for="invite-count">Invite codes</label>
        <input
          id="invite-count"
          type="number"
          min={1}
          max={100}
          value={count}
          onInput={(e) => setCount(Number((e.target as HTMLInputElement).value))}
        />
        <button type="submit">Make codes</button>
      </div>
      <Problem error={action.error} />
      {codes ? (
        <div role="status">
          <p>
            Each code registers one person (takt setup --server {location.origin} --invite CODE), until{' '}
            {fmtDateTime(new Date(codes.expires_at))}:
          </p>
          <pre data-testid="invite-codes">{codes.codes.join('\n')}</pre>
        </div>
      ) : null}
    </form>
  );
}

function SetPassword(props: { onChange: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useSubmit();
  const submit = action.onSubmit(async () => {
    await api('POST', '/auth/password/admin-set', { email, password });
    setPassword('');
    props.onChange();
    return `Password set for ${email}; their browser sessions ended.`;
  });
  return (
    <form class="card" onSubmit={submit} aria-labelledby="setpw-h">
      <h3 id="setpw-h">Set a user's password</h3>
      <div class="field">
        <label for="setpw-email">Email</label>
        <input
          id="setpw-email"
          type="email"
          required
          value={email}
          autocomplete="off"
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for="setpw-password">New password</label>
        <input
          id="setpw-password"
          type="password"
          required
          value={password}
          autocomplete="new-password"
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </div>
      <Problem error={action.error} status={action.status} />
      <button type="submit">Set password</button>
    </form>
  );
}

function AuditLog(props: { tick: number }) {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [since, setSince] = useState('');
  const [applied, setApplied] = useState({ action: '', actor: '', since: '' });
  const people = useLoad(() => api<{ users: { id: string; email: string }[] }>('GET', '/api/admin/users'), []);
  const emailOf = new Map((people.data?.users ?? []).map((u) => [u.id, u.email]));
  const loaded = useLoad(() => {
    const q = new URLSearchParams({ limit: '200' });
    if (applied.action) q.set('action', applied.action);
    if (applied.actor) q.set('actor', applied.actor);
    // datetime-local is the browser's local time; the API takes ISO 8601.
    if (applied.since) q.set('since', new Date(applied.since).toISOString());
    return api<{ events: AuditEvent[] }>('GET', `/api/audit?${q}`);
  }, [applied.action, applied.actor, applied.since, props.tick]);
  return (
    <section aria-labelledby="audit-h">
      <h3 id="audit-h">Audit log</h3>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ action: action.trim(), actor, since });
        }}
      >
        <label for="audit-action">Action</label>
        <input
          id="audit-action"
          placeholder="e.g. session.login"
          value={action}
          onInput={(e) => setAction((e.target as HTMLInputElement).value)}
        />
        <label for="audit-actor">Who</label>
        <select id="audit-actor" value={actor} onChange={(e) => setActor(e.currentTarget.value)}>
          <option value="">anyone</option>
          {(people.data?.users ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.email}
            </option>
          ))}
        </select>
        <label for="audit-since">Since ({zoneName()})</label>
        <input id="audit-since" type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        <button type="submit">Filter</button>
      </form>
      <Problem error={loaded.error} />
      <DataTable
        label="Audit log table"
        testId="audit-table"
        caption={`Newest first (${zoneName()})`}
        rows={loaded.data?.events ?? []}
        rowKey={(e) => e.id}
        columns={[
          { header: 'When', align: 'left', rowHeader: true, cell: (e) => new Date(e.at).toLocaleString() },
          { header: 'Action', align: 'left', cell: (e) => e.action },
          {
            header: 'Target',
            align: 'left',
            cellClass: 'mono',
            cell: (e) => `${e.target_type}${e.target_id ? ` ${e.target_id}` : ''}`,
          },
          {
            header: 'Actor',
            align: 'left',
            cell: (e) => (e.actor_user_id ? (emailOf.get(e.actor_user_id) ?? e.actor_user_id) : '(server)'),
          },
          { header: 'Address', align: 'left', cell: (e) => e.actor_address ?? '' },
        ]}
      />
    </section>
  );
}

/** What an admin can do from the page with the API that exists (docs/api.md). */
interface PooledChange {
  plan: string;
  plan_label: string;
  window: string;
  change_pct: number;
  since: string;
  accounts: number;
  of: number;
}

/** Capacity changes pooled per plan ("Max: −22 % since Nov 3, 5 accounts"): a policy change shows on many accounts. */
function CapacityChanges(props: { tick: number }) {
  const loaded = useLoad(() => api<{ plans: PooledChange[] }>('GET', '/api/admin/capacity-changes'), [props.tick]);
  const plans = loaded.data?.plans ?? [];
  return (
    <section class="card" aria-labelledby="capacity-h" data-testid="admin-capacity-changes">
      <h3 id="capacity-h">Capacity changes (last 90 days)</h3>
      <Problem error={loaded.error} />
      {loaded.data && plans.length === 0 ? <p class="muted">No account's capacity changed.</p> : null}
      <ul>
        {plans.map((p) => (
          <li key={`${p.plan}-${p.window}`}>
            {p.plan_label}: {fmtChange(p.change_pct)} since {fmtDay(p.since)}, {p.accounts}{' '}
            {p.accounts === 1 ? 'account' : 'accounts'}{' '}
            <span class="muted">
              ({windowName(p.window)}; {p.accounts} of {p.of})
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AdminPage(props: { tick: number; me: SessionUser }) {
  const [changed, setChanged] = useState(0);
  const onChange = () => setChanged((n) => n + 1);
  return (
    <section aria-labelledby="admin-h">
      <h2 id="admin-h">Admin</h2>
      <Users me={props.me} changed={changed} onChange={onChange} />
      {/* The three ways a person gets in, side by side (one card alone on a row left two thirds empty). */}
      <div class="cards">
        <AddPerson onChange={onChange} />
        <Invites onChange={onChange} />
        <SetPassword onChange={onChange} />
      </div>
      <TeamUsagePanel tick={props.tick} />
      <CapacityChanges tick={props.tick} />
      <ContractedPrices onChange={onChange} />
      <AllTokens changed={changed} onChange={onChange} />
      <AuditLog tick={props.tick + changed} />
    </section>
  );
}
