import { api, type MachineRow, timeZone } from '../api.ts';
import { AddMachine } from '../components/add-machine.tsx';
import { Problem } from '../components/problem.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { fmtAgo, fmtInt, fmtUsdOrNone, fmtWhen } from '../format.ts';
import { useLoad } from '../use-load.ts';

const STATUS_TEXT: Record<MachineRow['tracking_status'], string> = {
  active: 'active: data in the last 5 min',
  recent: 'recent: data within the hour',
  stale: 'stale: no data for over an hour',
};

/** Machines (GET /api/me/machines) with the /validate tracking status, and "+ another machine". */
export function MachinesPage(props: { tick: number }) {
  const loaded = useLoad(
    () => api<{ machines: MachineRow[] }>('GET', `/api/me/machines?tz=${encodeURIComponent(timeZone())}`),
    [props.tick],
  );
  const machines = loaded.data?.machines ?? [];
  const now = new Date();
  return (
    <section aria-labelledby="machines-h">
      <h2 id="machines-h">Machines</h2>
      <div class="controls">
        <AddMachine />
        <span class="muted">A stale machine: start Claude Code there and send one prompt, or run takt validate.</span>
      </div>
      <Problem error={loaded.error} />
      {loaded.data && machines.length === 0 ? (
        <p class="notice">No machine has sent telemetry yet: add one with “+ another machine”.</p>
      ) : null}
      {machines.length > 0 ? (
        <ScrollRegion label="Machines table">
          <table data-testid="machine-table">
            <caption>Machines, most recent data first</caption>
            <thead>
              <tr>
                <th scope="col">Machine (host.name)</th>
                <th scope="col">Tracking</th>
                <th scope="col">Last data</th>
                <th scope="col">Tokens today</th>
                <th scope="col">
                  Cost today
                  <br />
                  <span class="muted">Claude Code / list price</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {machines.map((m) => (
                <tr key={m.id}>
                  <th scope="row" class="mono host">
                    {m.host_name}
                  </th>
                  <td>
                    <span class={`badge badge-status-${m.tracking_status}`}>{STATUS_TEXT[m.tracking_status]}</span>
                  </td>
                  <td>
                    {fmtWhen(new Date(m.last_seen_at), now)} ({fmtAgo(new Date(m.last_seen_at), now)})
                  </td>
                  <td>{fmtInt(m.tokens_today)} tokens</td>
                  {/* Two lines, as on the sessions page: both costs on one line made the table wider than a laptop. */}
                  <td>
                    <div title="Claude Code's own figure">{fmtUsdOrNone(m.cost_usd_today)}</div>
                    <div class="muted" title="takt's figure at list price">
                      {fmtUsdOrNone(m.list_cost_usd_today)}
                    </div>
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
