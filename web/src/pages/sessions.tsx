import { useState } from 'preact/hooks';
import { api, exportCsvHref, type PricingLabel, type SessionRow } from '../api.ts';
import { type Column, DataTable } from '../components/data-table.tsx';
import { Problem } from '../components/problem.tsx';
import { When } from '../components/when.tsx';
import {
  fmtAgo,
  fmtBothCosts,
  fmtDuration,
  fmtInt,
  fmtListCost,
  fmtPct,
  fmtUsdOrNone,
  fmtWhen,
  listPriceName,
  unpricedTitle,
} from '../format.ts';
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
          {s.session_id ? shortSessionId(s.session_id) : '—'}
        </span>
        <span class={`badge badge-status-${s.status}`}>{s.status === 'stale' ? 'ended' : s.status}</span>
      </div>
      <dl>
        <dt>Project</dt>
        <dd class="wrap-anywhere" title={s.cwd ?? undefined}>
          {s.project ?? none}
        </dd>
        <dt>Started</dt>
        <dd>{fmtWhen(new Date(s.started_at), props.now)}</dd>
        <dt>Duration</dt>
        <dd>{fmtDuration(s.duration_seconds * 1000)}</dd>
        <dt>Tokens</dt>
        <dd>{fmtInt(s.tokens)} tokens</dd>
        <dt>Cost</dt>
        <dd data-testid="session-cost" title={unpricedTitle(s)}>
          {fmtBothCosts(s, props.basis)}
        </dd>
        <dt>Context</dt>
        <dd>
          <Context s={s} />
        </dd>
      </dl>
    </li>
  );
}

const time = (iso: string) => Date.parse(iso);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Claude Code's session ids are UUIDs: their first 8 characters tell sessions apart on one screen (the whole id is the title). */
export function shortSessionId(id: string): string {
  return UUID.test(id) ? id.slice(0, 8) : id;
}

/** `claude-opus-4-1-20250805` → `opus-4-1`: the family and version a person recognises (the whole id is the title). */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, '').replace(/-\d{8}(?=$|\[)/, '');
}

const none = <span class="muted">—</span>;

/** A project path that may wrap after each `/`, never inside a directory's name. */
function PathParts(props: { path: string }) {
  const parts = props.path.split('/');
  return (
    <>
      {parts.map((p, i) => (
        <span key={i}>
          {p}
          {i < parts.length - 1 ? (
            <>
              /<wbr />
            </>
          ) : null}
        </span>
      ))}
    </>
  );
}

/** The sessions table's columns; times, duration, tokens and cost sort. */
function sessionColumns(now: Date, basis: PricingLabel['basis'] | undefined): Column<SessionRow>[] {
  return [
    {
      header: 'Project',
      align: 'left',
      title: (s) => s.cwd ?? 'no working directory reported',
      cell: (s) => (s.project ? <PathParts path={s.project} /> : none),
    },
    {
      header: 'Session',
      align: 'left',
      rowHeader: true,
      // An id, not words: it may wrap anywhere (UUIDs are cut to 8 characters anyway).
      cellClass: 'mono wrap-anywhere',
      title: (s) => s.session_id,
      cell: (s) => (s.session_id ? shortSessionId(s.session_id) : none),
    },
    {
      header: 'Status',
      align: 'left',
      cell: (s) => <span class={`badge badge-status-${s.status}`}>{s.status === 'stale' ? 'ended' : s.status}</span>,
    },
    {
      header: 'Started',
      align: 'right',
      // A session begun on another day names the day: it may go above the time (on one line
      // the table was wider than a laptop's screen).
      cellClass: 'may-wrap',
      sortBy: (s) => time(s.started_at),
      cell: (s) => <When at={new Date(s.started_at)} now={now} />,
    },
    {
      header: 'Last activity',
      align: 'right',
      sortBy: (s) => time(s.last_activity_at),
      cell: (s) => fmtAgo(new Date(s.last_activity_at), now),
    },
    {
      header: 'Duration',
      align: 'right',
      sortBy: (s) => s.duration_seconds,
      cell: (s) => fmtDuration(s.duration_seconds * 1000),
    },
    { header: 'Machine', align: 'left', cellClass: 'wrap-anywhere', cell: (s) => s.machines.join(', ') || none },
    { header: 'Account', align: 'left', cell: (s) => s.accounts.map((a) => a.label).join(', ') || none },
    {
      header: 'Models',
      align: 'left',
      cellClass: 'mono',
      cell: (s) =>
        s.models.map((m) => (
          <div key={m} title={m} class="nowrap">
            {shortModel(m)}
          </div>
        )),
    },
    // The unit is in the header: "tokens" in every cell took the width the model names need.
    { header: 'Tokens', align: 'right', sortBy: (s) => s.tokens, cell: (s) => fmtInt(s.tokens) },
    {
      header: 'Cost',
      headerNote: `Claude Code / ${listPriceName(basis)}`,
      align: 'right',
      // Sorts by takt's figure: Claude Code's may be missing (null) for transcript-only usage.
      sortBy: (s) => s.list_cost_usd ?? s.cost_usd ?? -1,
      cell: (s) => (
        <>
          <div title="Claude Code's own figure">{fmtUsdOrNone(s.cost_usd)}</div>
          <div class="muted" title={unpricedTitle(s) ?? `takt's figure at ${listPriceName(basis)}`}>
            {fmtListCost(s)}
          </div>
        </>
      ),
    },
    { header: 'Context window', align: 'left', cell: (s) => <Context s={s} /> },
  ];
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
          <DataTable
            label="Sessions table"
            regionClass="sessions-wide"
            testId="session-table"
            class="fit sessions-table"
            caption="Sessions, newest activity first"
            columns={sessionColumns(now, basis)}
            rows={sessions}
            rowKey={(s) => s.session_id}
          />
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
