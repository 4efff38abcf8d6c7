import { useState } from 'preact/hooks';
import { api, exportCsvHref, type PricingLabel, type SessionRow } from '../api.ts';
import { Problem } from '../components/problem.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { fmtAgo, fmtBothCosts, fmtDuration, fmtInt, fmtPct, fmtUsdOrNone, fmtWhen, listPriceName } from '../format.ts';
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

/** A session on a phone: the figures a person looks for first, one per line. */
function SessionCard(props: { s: SessionRow; now: Date; basis: PricingLabel['basis'] | undefined }) {
  const s = props.s;
  return (
    <li class="card session-card" data-testid="session-card">
      <div class="session-card-head">
        <span class="mono wrap-anywhere" title={s.session_id}>
          {s.session_id || '(unknown)'}
        </span>
        <span class={`badge badge-status-${s.status}`}>{s.status === 'stale' ? 'ended' : s.status}</span>
      </div>
      <dl>
        <dt>Project</dt>
        <dd class="wrap-anywhere" title={s.cwd ?? undefined}>
          {s.project ?? 'unknown'}
        </dd>
        <dt>Started</dt>
        <dd>{fmtWhen(new Date(s.started_at), props.now)}</dd>
        <dt>Duration</dt>
        <dd>{fmtDuration(s.duration_seconds * 1000)}</dd>
        <dt>Tokens</dt>
        <dd>{fmtInt(s.tokens)} tokens</dd>
        <dt>Cost</dt>
        <dd data-testid="session-cost">{fmtBothCosts(s, props.basis)}</dd>
        <dt>Context</dt>
        <dd>
          <Context s={s} />
        </dd>
      </dl>
    </li>
  );
}

/** Recent sessions (GET /api/me/sessions), newest activity first, with context-window use for live ones. */
export function SessionsPage(props: { tick: number }) {
  const [days, setDays] = useState(7);
  const loaded = useLoad(
    () => api<{ sessions: SessionRow[]; pricing?: PricingLabel }>('GET', `/api/me/sessions?days=${days}&limit=100`),
    [days, props.tick],
  );
  const sessions = loaded.data?.sessions ?? [];
  const basis = loaded.data?.pricing?.basis;
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
        <a
          href={exportCsvHref(new Date(now.getTime() - days * 86_400_000), now, 'session')}
          download
          data-testid="sessions-csv"
        >
          Download CSV
        </a>
        <span class="muted">
          Context: the last request's input + cache reads + cache writes against the model's window (1,000,000 tokens
          for [1m] models or a request past 200,000 tokens, else 200,000 tokens).
        </span>
      </div>
      <Problem error={loaded.error} />
      {loaded.data && sessions.length === 0 ? <p class="notice">No session in this range.</p> : null}
      {sessions.length > 0 ? (
        <>
          <ScrollRegion label="Sessions table" class="sessions-wide">
            <table data-testid="session-table" class="fit sessions-table">
              <caption>Sessions, newest activity first</caption>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col" class="left">
                    Session
                  </th>
                  <th scope="col" class="left">
                    Status
                  </th>
                  <th scope="col">Started</th>
                  <th scope="col">Last activity</th>
                  <th scope="col">Duration</th>
                  <th scope="col" class="left">
                    Machine
                  </th>
                  <th scope="col" class="left">
                    Account
                  </th>
                  <th scope="col" class="left">
                    Models
                  </th>
                  <th scope="col">Tokens</th>
                  <th scope="col">
                    Cost <span class="muted">Claude Code / {listPriceName(basis)}</span>
                  </th>
                  <th scope="col" class="left">
                    Context window
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={s.session_id}>
                    <td class="left" title={s.cwd ?? undefined}>
                      {s.project ?? <span class="muted">unknown</span>}
                    </td>
                    <th scope="row" class="left mono" title={s.session_id}>
                      {s.session_id || '(unknown)'}
                    </th>
                    <td class="left">
                      <span class={`badge badge-status-${s.status}`}>{s.status === 'stale' ? 'ended' : s.status}</span>
                    </td>
                    <td class="num">{fmtWhen(new Date(s.started_at), now)}</td>
                    <td class="num">{fmtAgo(new Date(s.last_activity_at), now)}</td>
                    <td class="num">{fmtDuration(s.duration_seconds * 1000)}</td>
                    <td class="left">{s.machines.join(', ') || '(unknown)'}</td>
                    <td class="left">{s.accounts.map((a) => a.label).join(', ') || '(unknown)'}</td>
                    <td class="left mono">
                      {s.models.map((m) => (
                        <div key={m}>{m}</div>
                      ))}
                    </td>
                    <td class="num">{fmtInt(s.tokens)} tokens</td>
                    <td class="num">
                      <div title="Claude Code's own figure">{fmtUsdOrNone(s.cost_usd)}</div>
                      <div class="muted" title={`takt's figure at ${listPriceName(basis)}`}>
                        {fmtUsdOrNone(s.list_cost_usd)}
                      </div>
                    </td>
                    <td class="left">
                      <Context s={s} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <ul class="session-cards" aria-label="Sessions, newest activity first">
            {sessions.map((s) => (
              <SessionCard key={s.session_id} s={s} now={now} basis={basis} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
