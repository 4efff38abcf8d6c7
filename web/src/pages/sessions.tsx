import { useState } from 'preact/hooks';
import { api, type SessionRow } from '../api.ts';
import { Problem } from '../components/problem.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { fmtAgo, fmtDuration, fmtInt, fmtPct, fmtUsd, fmtWhen } from '../format.ts';
import { useLoad } from '../use-load.ts';

function Context(props: { s: SessionRow }) {
  const c = props.s.context;
  if (!c) return <span class="muted">{props.s.status === 'stale' ? 'ended' : 'no per-request data'}</span>;
  const level = c.utilization >= 90 ? 'over' : c.utilization >= 70 ? 'high' : 'ok';
  return (
    <div class="context" title={`last request ${fmtWhen(new Date(c.at))}, ${c.model}`}>
      <div
        class={`bar bar-small bar-${level}`}
        role="progressbar"
        aria-label={`Context window of session ${props.s.session_id}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(c.utilization)}
        aria-valuetext={fmtPct(c.utilization)}
      >
        <div class="bar-fill" style={{ width: `${Math.min(100, c.utilization)}%` }} />
      </div>
      <span>
        {fmtInt(c.used_tokens)} of {fmtInt(c.window_tokens)} tokens ({fmtPct(c.utilization)})
      </span>
    </div>
  );
}

/** Recent sessions (GET /api/me/sessions), newest activity first, with context-window use for live ones. */
export function SessionsPage(props: { tick: number }) {
  const [days, setDays] = useState(7);
  const loaded = useLoad(
    () => api<{ sessions: SessionRow[] }>('GET', `/api/me/sessions?days=${days}&limit=100`),
    [days, props.tick],
  );
  const sessions = loaded.data?.sessions ?? [];
  const now = new Date();
  return (
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Sessions</h2>
      <div class="controls">
        <label>
          Range{' '}
          <select value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            <option value={1}>24 hours</option>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
          </select>
        </label>
        <span class="muted">
          Context: the last request's input + cache reads + cache writes against the model's window (1,000,000 tokens
          for [1m] models or a request past 200,000 tokens, else 200,000 tokens).
        </span>
      </div>
      <Problem error={loaded.error} />
      {loaded.data && sessions.length === 0 ? <p class="notice">No session in this range.</p> : null}
      {sessions.length > 0 ? (
        <ScrollRegion label="Sessions table">
          <table data-testid="session-table">
            <caption>Sessions, newest activity first</caption>
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Last activity</th>
                <th scope="col">Duration</th>
                <th scope="col">Machine</th>
                <th scope="col">Account</th>
                <th scope="col">Models</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
                <th scope="col">Context window</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.session_id}>
                  <th scope="row" class="mono">
                    {s.session_id || '(unknown)'}
                  </th>
                  <td>
                    <span class={`badge badge-status-${s.status}`}>{s.status === 'stale' ? 'ended' : s.status}</span>
                  </td>
                  <td>{fmtWhen(new Date(s.started_at), now)}</td>
                  <td>{fmtAgo(new Date(s.last_activity_at), now)}</td>
                  <td>{fmtDuration(s.duration_seconds * 1000)}</td>
                  <td>{s.machines.join(', ') || '(unknown)'}</td>
                  <td>{s.accounts.map((a) => a.label).join(', ') || '(unknown)'}</td>
                  <td class="mono">
                    {s.models.map((m) => (
                      <div key={m}>{m}</div>
                    ))}
                  </td>
                  <td>{fmtInt(s.tokens)} tokens</td>
                  <td>{fmtUsd(s.cost_usd)}</td>
                  <td>
                    <Context s={s} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}
