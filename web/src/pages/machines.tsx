import { api, type MachineRow, timeZone } from '../api.ts';
import { AddMachine } from '../components/add-machine.tsx';
import { Problem } from '../components/problem.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { fmtAgo, fmtBothCosts, fmtInt, fmtWhen } from '../format.ts';
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
          {/* fit: a long host name and the two costs wrap, so the table fits a laptop (issue 19.9). */}
          <table data-testid="machine-table" class="fit">
            <caption>Machines, most recent data first</caption>
            <thead>
              <tr>
                <th scope="col">Machine (host.name)</th>
                <th scope="col">Tracking</th>
                <th scope="col">Last data</th>
                <th scope="col">Tokens today</th>
                <th scope="col">Cost today</th>
              </tr>
            </thead>
            <tbody>
              {machines.map((m) => (
                <tr key={m.id}>
                  <th scope="row" class="mono wrap-anywhere">
                    {m.host_name}
                  </th>
                  <td>
                    <span class={`badge badge-status-${m.tracking_status}`}>{STATUS_TEXT[m.tracking_status]}</span>
                  </td>
                  <td>
                    {fmtWhen(new Date(m.last_seen_at), now)} ({fmtAgo(new Date(m.last_seen_at), now)})
                  </td>
                  <td class="num">{fmtInt(m.tokens_today)} tokens</td>
                  <td>{fmtBothCosts({ cost_usd: m.cost_usd_today, list_cost_usd: m.list_cost_usd_today })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}
