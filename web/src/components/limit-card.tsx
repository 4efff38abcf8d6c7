import { useState } from 'preact/hooks';
import {
  type AbsentWindow,
  type AccountUsage,
  api,
  type ForecastWindow,
  type Pace,
  type WindowFigure,
} from '../api.ts';
import { fmtAgo, fmtAmount, fmtDuration, fmtPct, fmtResetsIn, fmtWhen } from '../format.ts';
import { useSubmit } from '../use-submit.ts';
import { Problem } from './problem.tsx';

/** In the server's display order (the plan table's), by name within the same rank. */
export function orderedWindows<W extends { order: number }>(windows: Record<string, W>): [string, W][] {
  return Object.entries(windows).sort(([a, x], [b, y]) => x.order - y.order || (a < b ? -1 : a > b ? 1 : 0));
}

const applies = (w: WindowFigure | AbsentWindow): w is WindowFigure => w.applies !== false;

/** The windows that exist for the account, in display order. */
function presentWindows(windows: Record<string, WindowFigure | AbsentWindow>): [string, WindowFigure][] {
  return orderedWindows(windows).filter((e): e is [string, WindowFigure] => applies(e[1]));
}

/** "no 5-hour limit on this plan": said, never drawn as 0 %. */
function AbsentLine(props: { windowKey: string; w: AbsentWindow }) {
  return (
    <div class="limit limit-absent" data-window={props.windowKey} data-applies="false">
      <div class="limit-head">
        <span class="limit-name">{props.w.label}</span>
      </div>
      <p class="note">{props.w.reason}</p>
    </div>
  );
}

/** Where usage would be if spread evenly over the window. */
function expectedPct(w: WindowFigure, now: number): number | undefined {
  if (typeof w.expected_pct === 'number') return w.expected_pct;
  const start = Date.parse(w.window_start);
  const end = Date.parse(w.resets_at);
  if (!(end > start)) return undefined;
  return Math.min(100, Math.max(0, ((now - start) / (end - start)) * 100));
}

/**
 * "runs out at 14:20 (between 13:50 and 15:10), 40 min before reset" / "lasts to reset" /
 * "limit reached"; idle: "if work resumes: runs out after 47 min of work (28–93 min)", never a
 * time that would slide along with the clock.
 */
export function forecastInWords(f: ForecastWindow | undefined, now: number): string | undefined {
  if (!f) return undefined;
  if (f.verdict === 'limited') return 'limit reached';
  if (f.basis === 'if_resumed' && f.if_resumed) {
    const r = f.if_resumed;
    const m = (v: number) => Math.round(v);
    return `if work resumes: runs out after ${m(r.work_minutes_to_cap)} min of work (${m(r.work_minutes_to_cap_p10)}–${m(r.work_minutes_to_cap_p90)} min)`;
  }
  const when = (iso: string) => fmtWhen(new Date(iso), new Date(now));
  if (f.hits_cap_at && !f.resets_first) {
    const hit = new Date(f.hits_cap_at);
    const band = f.hits_cap_at_p10
      ? ` (between ${when(f.hits_cap_at_p10)} and ${f.hits_cap_at_p90 ? when(f.hits_cap_at_p90) : 'the reset'})`
      : '';
    const before = f.resets_at ? `, ${fmtDuration(Date.parse(f.resets_at) - hit.getTime())} before reset` : '';
    return `runs out at ${fmtWhen(hit, new Date(now))}${band}${before}`;
  }
  if (f.utilization === null) return undefined;
  const could = f.hits_cap_at_p10 ? ` (could run out from ${when(f.hits_cap_at_p10)})` : '';
  return Date.parse(f.resets_at ?? '') > now || f.resets_first ? `lasts to reset${could}` : undefined;
}

/** The band drawn on the way from now to the reset: p10–p90 shaded, the point marked. */
function ForecastRange(props: { f: ForecastWindow | undefined; now: number }) {
  const { f, now } = props;
  if (!f?.hits_cap_at_p10 || !f.resets_at || f.basis === 'if_resumed') return null;
  const end = Date.parse(f.resets_at);
  if (!(end > now)) return null;
  const pos = (iso: string | null | undefined) =>
    iso ? Math.min(100, Math.max(0, ((Date.parse(iso) - now) / (end - now)) * 100)) : 100;
  const from = pos(f.hits_cap_at_p10);
  const to = pos(f.hits_cap_at_p90);
  const label = `runs out between ${fmtWhen(new Date(f.hits_cap_at_p10), new Date(now))} and ${
    f.hits_cap_at_p90 ? fmtWhen(new Date(f.hits_cap_at_p90), new Date(now)) : 'the reset'
  }`;
  return (
    <div class="forecast-range" role="img" aria-label={label} title={label} data-testid="forecast-range">
      <div class="forecast-band" style={{ left: `${from}%`, width: `${Math.max(1, to - from)}%` }} />
      {f.hits_cap_at ? <div class="forecast-point" style={{ left: `${pos(f.hits_cap_at)}%` }} /> : null}
    </div>
  );
}

/** Where the figure comes from and how fresh it is: an official figure's age, else "now" (computed on this call). */
function badgeText(w: WindowFigure, now: number): string {
  const source = w.source ?? 'estimated';
  if (w.utilization === null && w.limit === null && source !== 'official') return 'no limit';
  if (source === 'official' && w.official_at) return `official · ${fmtAgo(new Date(w.official_at), new Date(now))}`;
  const confidence = typeof w.confidence === 'string' ? ` · ${w.confidence} confidence` : '';
  return `${source}${confidence}`;
}

function LimitBar(props: { name: string; windowKey: string; w: WindowFigure; unit: 'usd' | 'tokens'; now: number }) {
  const { w, now } = props;
  const pct = w.utilization ?? (w.limit ? (w.used / w.limit) * 100 : null);
  const expected = expectedPct(w, now);
  const words = forecastInWords(w.forecast, now);
  const badge = badgeText(w, now);
  const level = w.limited ? 'over' : pct === null ? 'none' : pct >= 100 ? 'over' : pct >= 80 ? 'high' : 'ok';
  const freshness = w.official_at
    ? `official figure of ${new Date(w.official_at).toLocaleString()}`
    : `computed ${new Date(w.as_of ?? now).toLocaleString()}`;
  return (
    <div class="limit" data-window={props.windowKey}>
      <div class="limit-head">
        <span class="limit-name">{props.name}</span>
        {w.limited ? <span class="badge badge-blocked">limit hit</span> : null}
        <span class={badge === 'no limit' ? 'badge' : `badge badge-${w.source ?? 'estimated'}`} title={freshness}>
          {badge}
        </span>
      </div>
      <div
        class={`bar bar-${level}`}
        role="progressbar"
        aria-label={`${props.name} used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct === null ? undefined : Math.round(pct)}
        aria-valuetext={pct === null ? 'no limit known' : fmtPct(pct)}
      >
        <div class="bar-fill" style={{ width: `${Math.min(100, pct ?? 0)}%` }} />
        {expected === undefined ? null : (
          <div class="bar-pace" style={{ left: `${expected}%` }} title={`even pace: ${fmtPct(expected)}`} />
        )}
      </div>
      <div class="limit-figures">
        <span>
          {fmtAmount(w.used, props.unit)}
          {w.limit === null ? ' used' : ` of ${fmtAmount(w.limit, props.unit)}`}
        </span>
        <strong>{pct === null ? 'no limit known' : fmtPct(pct)}</strong>
      </div>
      <div class="limit-meta">
        {w.period ? <span class="limit-period">{w.period} budget</span> : null}
        <span>{fmtResetsIn(new Date(w.resets_at), new Date(now))}</span>
        {expected === undefined ? null : <span>even pace {fmtPct(expected)}</span>}
        {words ? <span class={`forecast forecast-${w.forecast?.verdict ?? 'ok'}`}>{words}</span> : null}
      </div>
      <ForecastRange f={w.forecast} now={now} />
    </div>
  );
}

type Pending = { kind: 'hit_limit' | 'new_window'; window: string };

/** "Hit Limit" / "New Window": asks first, records a calibration mark, offers undo for a minute. */
function CalibrationButtons(props: { account: AccountUsage; onChange: () => void }) {
  const [pending, setPending] = useState<Pending | undefined>();
  const [done, setDone] = useState<{ id?: string; text: string; until: number } | undefined>();
  const action = useSubmit();
  const firstWindow = presentWindows(props.account.windows)[0]?.[0] ?? 'five_hour';
  const label = (p: Pending) =>
    `${p.kind === 'hit_limit' ? 'Hit limit' : 'New window'} — ${props.account.windows[p.window]?.label ?? p.window}`;
  const record = async (p: Pending) => {
    await action.run(async () => {
      const r = await api<{ id?: string; created?: boolean }>('POST', '/api/limit-events', {
        kind: p.kind,
        window: p.window,
        ...(props.account.uuid ? { account_uuid: props.account.uuid } : { account_id: props.account.id }),
        source: 'dashboard',
      });
      // Undo only what this click made (a repeat within two minutes is the earlier event).
      const id = r.created === false ? undefined : r.id;
      const until = Date.now() + 60_000;
      setDone({
        ...(id ? { id } : {}),
        text: r.created === false ? `Already recorded: ${label(p)}` : `Recorded: ${label(p)}`,
        until,
      });
      setTimeout(() => setDone((d) => (d && d.until === until ? undefined : d)), 60_000);
      props.onChange();
    });
    setPending(undefined);
  };
  const undo = async () => {
    const id = done?.id;
    if (!id) return;
    await action.run(async () => {
      await api('DELETE', `/api/limit-events/${encodeURIComponent(id)}`);
      setDone(undefined);
      props.onChange();
    });
  };
  return (
    <div class="calibration">
      {pending ? (
        <div class="confirm">
          <label>
            {pending.kind === 'hit_limit' ? 'Hit the limit of' : 'A new window began for'}{' '}
            <select
              value={pending.window}
              onChange={(e) => setPending({ ...pending, window: (e.target as HTMLSelectElement).value })}
            >
              {presentWindows(props.account.windows)
                .filter(([k]) => k !== 'monthly')
                .map(([k, w]) => (
                  <option key={k} value={k}>
                    {w.label}
                  </option>
                ))}
            </select>
          </label>
          <button type="button" class="primary" onClick={() => record(pending)}>
            Confirm
          </button>
          <button type="button" onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </div>
      ) : (
        <div class="buttons">
          <button type="button" onClick={() => setPending({ kind: 'hit_limit', window: firstWindow })}>
            Hit Limit
          </button>
          <button type="button" onClick={() => setPending({ kind: 'new_window', window: firstWindow })}>
            New Window
          </button>
        </div>
      )}
      {done && done.until > Date.now() ? (
        <p class="note" role="status">
          {done.text}{' '}
          {done.id ? (
            <button type="button" class="link" onClick={undo}>
              Undo
            </button>
          ) : null}
        </p>
      ) : null}
      <Problem error={action.error} />
    </div>
  );
}

export function AccountCard(props: {
  account: AccountUsage;
  pace: Pace['accounts'][number] | undefined;
  recommended: boolean;
  now: number;
  onChange: () => void;
}) {
  const a = props.account;
  const title = a.label ?? a.uuid ?? a.id;
  const noLimit = presentWindows(a.windows).every(([, w]) => w.limit === null && w.utilization === null);
  return (
    <article class="card account" aria-labelledby={`acct-${a.id}`} data-testid="account-card">
      <header class="card-head">
        <h3 id={`acct-${a.id}`}>{title}</h3>
        <span class="plan">{a.plan ? `plan ${a.plan_label ?? a.plan}` : 'plan not set'}</span>
        {props.recommended ? <span class="badge badge-next">use next</span> : null}
        {props.pace?.blocked ? (
          <span class="badge badge-blocked">
            blocked{props.pace.blocked_until ? ` until ${fmtWhen(new Date(props.pace.blocked_until))}` : ''}
          </span>
        ) : null}
      </header>
      {noLimit ? (
        <p class="notice" data-testid="no-limit">
          No limit known for this account yet: set its plan on the <a href="/account">Account</a> page (or a limit in
          tokens or dollars), or let an official figure arrive (<code>takt hooks install</code> forwards the status
          line's).
        </p>
      ) : null}
      {orderedWindows(a.windows).map(([key, w]) =>
        applies(w) ? (
          <LimitBar key={key} name={w.label} windowKey={key} w={w} unit={w.unit ?? a.unit} now={props.now} />
        ) : (
          <AbsentLine key={key} windowKey={key} w={w} />
        ),
      )}
      {props.pace && props.pace.weekly_used_pct !== null ? (
        <p class="note">
          Week: {fmtPct(props.pace.weekly_used_pct)} used with {fmtPct(props.pace.weekly_expected_pct ?? 0)} of the week
          gone
          {props.pace.weekly_slack_pct === null
            ? ''
            : props.pace.weekly_slack_pct >= 0
              ? `: ${fmtPct(props.pace.weekly_slack_pct)} below even pace`
              : `: ${fmtPct(-props.pace.weekly_slack_pct)} over even pace`}
        </p>
      ) : null}
      <CalibrationButtons account={a} onChange={props.onChange} />
    </article>
  );
}
