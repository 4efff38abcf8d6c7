import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Problem } from '../components/problem.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { fmtWhen } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';

/** The webhooks API (docs/api.md, "Webhooks"; docs/webhooks.md). */
interface Endpoint {
  id: string;
  url: string;
  events: string[];
  account_uuids: string[] | null;
  thresholds: number[] | null;
  format: 'standard' | 'slack' | 'discord';
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
}

interface Delivery {
  id: string;
  type: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

const EVENTS = [
  'limit_approaching',
  'limit_hit',
  'limit_predicted',
  'telemetry_stale',
  'window_reset',
  'calibration_rejected',
  'capacity_changed',
  'webhook_disabled',
] as const;

function AddWebhook(props: { onChange: () => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['limit_approaching', 'limit_hit']);
  const [format, setFormat] = useState('standard');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState('');
  const action = useSubmit();
  const submit = action.onSubmit(async () => {
    setSecret('');
    const r = await api<{ secret: string }>('POST', '/api/webhooks', {
      url,
      events,
      format,
      ...(description.trim() ? { description: description.trim() } : {}),
    });
    setSecret(r.secret);
    setUrl('');
    props.onChange();
  });
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-webhook-h">
      <h3 id="add-webhook-h">Add an endpoint</h3>
      <div class="field">
        <label for="wh-url">URL</label>
        <input
          id="wh-url"
          type="url"
          required
          placeholder="https://hooks.example.com/takt"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </div>
      <fieldset>
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label class="check" key={ev}>
            <input
              type="checkbox"
              checked={events.includes(ev)}
              onChange={(e) => setEvents(e.currentTarget.checked ? [...events, ev] : events.filter((x) => x !== ev))}
            />{' '}
            {ev}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="wh-format">Format</label>
        <select id="wh-format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
          <option value="standard">Standard Webhooks (signed JSON)</option>
          <option value="slack">Slack</option>
          <option value="discord">Discord</option>
        </select>
      </div>
      <div class="field">
        <label for="wh-description">Description</label>
        <input id="wh-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </div>
      <Problem error={action.error} />
      {secret ? (
        <div role="status">
          <p>Signing secret, shown this once (verify the webhook-signature header with it):</p>
          <pre data-testid="webhook-secret">{secret}</pre>
        </div>
      ) : null}
      <button type="submit" class="primary">
        Add endpoint
      </button>
    </form>
  );
}

function Deliveries(props: { endpoint: Endpoint; changed: number }) {
  const [replayed, setReplayed] = useState(0);
  const action = useSubmit();
  const loaded = useLoad(
    () =>
      api<{ deliveries: Delivery[] }>(
        'GET',
        `/api/webhooks/${encodeURIComponent(props.endpoint.id)}/deliveries?limit=20`,
      ),
    [props.changed, replayed],
  );
  const replay = (d: Delivery) =>
    action.run(async () => {
      await api('POST', `/api/webhooks/${encodeURIComponent(props.endpoint.id)}/deliveries/${d.id}/replay`);
      setReplayed((n) => n + 1);
    });
  const rows = loaded.data?.deliveries ?? [];
  return (
    <div>
      <Problem error={[action.error, loaded.error]} />
      {loaded.data && rows.length === 0 ? <p class="muted">No deliveries yet.</p> : null}
      {rows.length > 0 ? (
        <ScrollRegion label={`Deliveries to ${props.endpoint.url}`}>
          <table>
            <caption>Last deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col" class="left">
                  Status
                </th>
                <th scope="col">Attempts</th>
                <th scope="col" class="left">
                  Last answer
                </th>
                <th scope="col">Created</th>
                <th scope="col">Replay</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <th scope="row">{d.type}</th>
                  <td class="left">{d.status}</td>
                  <td>{d.attempts} attempts</td>
                  <td class="left">{d.last_status === null ? (d.last_error ?? '–') : `HTTP ${d.last_status}`}</td>
                  <td>{fmtWhen(new Date(d.created_at))}</td>
                  <td>
                    <button type="button" disabled={d.status === 'pending'} onClick={() => replay(d)}>
                      Replay<span class="sr-only"> {d.type}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </div>
  );
}

function EndpointCard(props: { endpoint: Endpoint; onChange: () => void; changed: number }) {
  const w = props.endpoint;
  const action = useSubmit();
  const [secret, setSecret] = useState('');
  const [open, setOpen] = useState(false);
  const base = `/api/webhooks/${encodeURIComponent(w.id)}`;
  const run = (what: () => Promise<string>) =>
    action.run(async () => {
      const done = await what();
      props.onChange();
      return done;
    });
  return (
    <article class="card" aria-labelledby={`wh-${w.id}`} data-testid="webhook">
      <h3 id={`wh-${w.id}`} class="mono wrap-anywhere">
        {w.url}
      </h3>
      {w.description ? <p>{w.description}</p> : null}
      <p class="muted">
        {w.format} · {w.events.join(', ')}
        {w.account_uuids ? ` · accounts ${w.account_uuids.join(', ')}` : ' · every account'}
      </p>
      <p data-testid="webhook-state">
        {w.enabled ? (
          <span class="badge badge-status-active">enabled</span>
        ) : (
          <span class="badge badge-status-stale">disabled{w.disabled_reason ? `: ${w.disabled_reason}` : ''}</span>
        )}
        {w.failing_since ? ` failing since ${fmtWhen(new Date(w.failing_since))}` : ''}
      </p>
      <div class="webhook-buttons">
        <button
          type="button"
          onClick={() =>
            run(async () => {
              const r = await api<{ status: string; attempts: number }>('POST', `${base}/test`);
              return `Test event: ${r.status} after ${r.attempts} attempts.`;
            })
          }
        >
          Send test
        </button>
        <button
          type="button"
          onClick={() =>
            run(async () => {
              await api('PATCH', base, { enabled: !w.enabled });
              return w.enabled ? 'Disabled.' : 'Enabled; its failure record is cleared.';
            })
          }
        >
          {w.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          onClick={() =>
            run(async () => {
              const r = await api<{ secret: string }>('POST', `${base}/rotate-secret`);
              setSecret(r.secret);
              return 'New signing secret below, shown this once.';
            })
          }
        >
          Rotate secret
        </button>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          Deliveries
        </button>
        <button
          type="button"
          onClick={() =>
            run(async () => {
              await api('DELETE', base);
              return 'Deleted.';
            })
          }
        >
          Delete
        </button>
      </div>
      <Problem error={action.error} status={action.status} />
      {secret ? <pre>{secret}</pre> : null}
      {open ? <Deliveries endpoint={w} changed={props.changed} /> : null}
    </article>
  );
}

export function WebhooksPage(props: { tick: number }) {
  const [changed, setChanged] = useState(0);
  const onChange = () => setChanged((n) => n + 1);
  const loaded = useLoad(() => api<{ webhooks: Endpoint[] }>('GET', '/api/webhooks'), [changed, props.tick]);
  const hooks = loaded.data?.webhooks ?? [];
  return (
    <section aria-labelledby="webhooks-h">
      <h2 id="webhooks-h">Webhooks</h2>
      <p class="muted">
        Alerts to your own URLs when a limit approaches or is hit, a machine stops sending, and more (signed with
        Standard Webhooks, or in Slack and Discord form).
      </p>
      <Problem error={loaded.error} />
      {loaded.data && hooks.length === 0 ? <p class="notice">No endpoint yet.</p> : null}
      <div class="cards">
        {hooks.map((w) => (
          <EndpointCard key={w.id} endpoint={w} onChange={onChange} changed={changed} />
        ))}
        <AddWebhook onChange={onChange} />
      </div>
    </section>
  );
}
