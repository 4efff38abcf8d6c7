import { useState } from 'preact/hooks';
import { type AccountUsage, api, type ForecastWindow, type Pace, type WindowFigure } from '../api.ts';
import { fmtAgo, fmtAmount, fmtClock, fmtDuration, fmtPct, fmtResetsIn, fmtWhen } from '../format.ts';

const WINDOW_NAMES: Record<string, string> = {
  five_hour: '5-hour window',
  seven_day: 'Week (all models)',
  monthly: 'Month',
};

function windowName(key: string): string {
  const known = WINDOW_NAMES[key];
  if (known) return known;
  if (key.startsWith('seven_day_')) {
    const model = key.slice('seven_day_'.length);
    return `Week (${model.charAt(0).toUpperCase()}${model.slice(1)})`;
  }
  return key;
}

/** five_hour, seven_day, every seven_day_<model>, monthly, then anything else the server adds. */
export function orderedWindows(windows: Record<string, WindowFigure>): [string, WindowFigure][] {
  const rank = (k: string) =>
    k === 'five_hour' ? 0 : k === 'seven_day' ? 1 : k.startsWith('seven_day_') ? 2 : k === 'monthly' ? 3 : 4;
  return Object.entries(windows).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Where usage would be if spread evenly over the window. */
function expectedPct(w: WindowFigure, now: number): number | undefined {
  if (typeof w.expected_pct === 'number') return w.expected_pct;
  const start = Date.parse(w.window_start);
  const end = Date.parse(w.resets_at);
  if (!(end > start)) return undefined;
  return Math.min(100, Math.max(0, ((now - start) / (end - start)) * 100));
}

function forecastInWords(f: ForecastWindow | undefined, now: number): string | undefined {
  if (!f) return undefined;
  if (f.verdict === 'limited') return 'limit reached';
  if (f.hits_cap_at && !f.resets_first) {
    const hit = new Date(f.hits_cap_at);
    const before = f.resets_at ? `, ${fmtDuration(Date.parse(f.resets_at) - hit.getTime())} before reset` : '';
    return `runs out at ${fmtWhen(hit, new Date(now))}${before}`;
  }
  return Date.parse(f.resets_at ?? '') > now || f.resets_first ? 'lasts to reset' : undefined;
}

function LimitBar(props: {
  accountUuid: string;
  name: string;
  windowKey: string;
  w: WindowFigure;
  unit: 'usd' | 'tokens';
  forecast: ForecastWindow | undefined;
  now: number;
}) {
  const { w, now } = props;
  const pct = w.utilization ?? (w.limit ? (w.used / w.limit) * 100 : null);
  const expected = expectedPct(w, now);
  const words = forecastInWords(props.forecast, now);
  const level = pct === null ? 'none' : pct >= 100 ? 'over' : pct >= 80 ? 'high' : 'ok';
  return (
    <div class="limit">
      <div class="limit-head">
        <span class="limit-name">{props.name}</span>
        <span class={`badge badge-${w.source}`} title={`as of ${new Date(w.as_of).toLocaleString()}`}>
          {w.source} · {fmtAgo(new Date(w.as_of), new Date(now))}
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
          {w.limit === null ? ' (no limit known)' : ` of ${fmtAmount(w.limit, props.unit)}`}
        </span>
        <strong>{pct === null ? '–' : fmtPct(pct)}</strong>
      </div>
      <div class="limit-meta">
        <span>{fmtResetsIn(new Date(w.resets_at), new Date(now))}</span>
        {expected === undefined ? null : <span>even pace {fmtPct(expected)}</span>}
        {words ? <span class={`forecast forecast-${props.forecast?.verdict ?? 'ok'}`}>{words}</span> : null}
      </div>
    </div>
  );
}

type Pending = { kind: 'hit_limit' | 'new_window'; window: string };

/** "Hit Limit" / "New Window": asks first, records a calibration mark, offers undo for a minute. */
function CalibrationButtons(props: { account: AccountUsage; onChange: () => void }) {
  const [pending, setPending] = useState<Pending | undefined>();
  const [done, setDone] = useState<{ id?: string; text: string; until: number } | undefined>();
  const [error, setError] = useState('');
  const label = (p: Pending) => `${p.kind === 'hit_limit' ? 'Hit limit' : 'New window'} — ${windowName(p.window)}`;
  const record = async (p: Pending) => {
    setError('');
    try {
      const r = await api<{ id?: string; event?: { id?: string } }>('POST', '/api/limit-events', {
        kind: p.kind,
        window: p.window,
        account_uuid: props.account.uuid,
        source: 'dashboard',
      });
      const id = r.id ?? r.event?.id;
      setDone({ ...(id ? { id } : {}), text: `Recorded: ${label(p)}`, until: Date.now() + 60_000 });
      props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
    setPending(undefined);
  };
  const undo = async () => {
    if (!done?.id) return;
    try {
      await api('DELETE', `/api/limit-events/${encodeURIComponent(done.id)}`);
      setDone(undefined);
      props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
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
              {orderedWindows(props.account.windows)
                .filter(([k]) => k !== 'monthly')
                .map(([k]) => (
                  <option key={k} value={k}>
                    {windowName(k)}
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
          <button type="button" onClick={() => setPending({ kind: 'hit_limit', window: 'five_hour' })}>
            Hit Limit
          </button>
          <button type="button" onClick={() => setPending({ kind: 'new_window', window: 'five_hour' })}>
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
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function AccountCard(props: {
  account: AccountUsage;
  forecast: Record<string, ForecastWindow> | undefined;
  pace: Pace['accounts'][number] | undefined;
  recommended: boolean;
  now: number;
  onChange: () => void;
}) {
  const a = props.account;
  const title = a.label ?? a.uuid;
  return (
    <article class="card account" aria-labelledby={`acct-${a.id}`}>
      <header class="card-head">
        <h3 id={`acct-${a.id}`}>{title}</h3>
        <span class="plan">{a.plan ?? 'plan not set'}</span>
        {props.recommended ? <span class="badge badge-next">use next</span> : null}
        {props.pace?.blocked ? (
          <span class="badge badge-blocked">
            blocked{props.pace.blocked_until ? ` until ${fmtClock(new Date(props.pace.blocked_until))}` : ''}
          </span>
        ) : null}
      </header>
      {orderedWindows(a.windows).map(([key, w]) => (
        <LimitBar
          key={key}
          accountUuid={a.uuid}
          name={windowName(key)}
          windowKey={key}
          w={w}
          unit={a.unit}
          forecast={props.forecast?.[key]}
          now={props.now}
        />
      ))}
      {props.pace ? (
        <p class="note">
          Weekly: {fmtPct(props.pace.weekly_used_pct)} used, {fmtPct(props.pace.weekly_expected_pct)} of the week gone,
          slack {fmtPct(props.pace.weekly_slack_pct)}
        </p>
      ) : null}
      <CalibrationButtons account={a} onChange={props.onChange} />
    </article>
  );
}
