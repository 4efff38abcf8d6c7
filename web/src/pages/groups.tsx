import { useState } from 'preact/hooks';
import { usage } from '../api.ts';
import { AddMachine } from '../components/add-machine.tsx';
import { fmtInt, fmtUsd, totalTokens } from '../format.ts';
import { useLoad } from '../use-load.ts';

/**
 * Sessions (group_by=session) or machines (group_by=machine) over a range, busiest first.
 * The usage API gives totals per group only: start, model, duration, context use and the
 * machines' tracking status need endpoints that do not exist yet.
 */
export function GroupsPage(props: { tick: number; kind: 'session' | 'machine' }) {
  const [range, setRange] = useState(7);
  const loaded = useLoad(() => {
    const to = new Date();
    return usage(new Date(to.getTime() - range * 86_400_000), to, props.kind);
  }, [range, props.kind, props.tick]);
  const title = props.kind === 'session' ? 'Sessions' : 'Machines';
  const groups = [...(loaded.data?.groups ?? [])].sort((a, b) => totalTokens(b) - totalTokens(a));
  return (
    <section aria-labelledby="groups-h">
      <h2 id="groups-h">{title}</h2>
      <div class="controls">
        {props.kind === 'machine' ? <AddMachine /> : null}
        <label>
          Range{' '}
          <select value={range} onChange={(e) => setRange(Number((e.target as HTMLSelectElement).value))}>
            <option value={1}>24 hours</option>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
          </select>
        </label>
      </div>
      {loaded.error ? (
        <p class="error" role="alert">
          {loaded.error.message}
        </p>
      ) : null}
      {loaded.data && groups.length === 0 ? <p class="notice">Nothing recorded in this range.</p> : null}
      {groups.length > 0 ? (
        <div class="table-wrap">
          <table data-testid={`${props.kind}-table`}>
            <caption>
              {title}, last {range === 1 ? '24 hours' : `${range} days`}, busiest first: tokens and cost
            </caption>
            <thead>
              <tr>
                <th scope="col">{props.kind === 'session' ? 'Session' : 'Machine'}</th>
                <th scope="col">Input</th>
                <th scope="col">Output</th>
                <th scope="col">Cache writes</th>
                <th scope="col">Cache reads</th>
                <th scope="col">Total tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.key}>
                  <th scope="row" class="mono">
                    {g.key || '(unknown)'}
                  </th>
                  <td>{fmtInt(g.input_tokens)}</td>
                  <td>{fmtInt(g.output_tokens)}</td>
                  <td>{fmtInt(g.cache_creation_tokens)}</td>
                  <td>{fmtInt(g.cache_read_tokens)}</td>
                  <td>{fmtInt(totalTokens(g))}</td>
                  <td>{fmtUsd(g.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
