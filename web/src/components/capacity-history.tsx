import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api.ts';
import { fmtAmount, fmtCompact } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { Problem } from './problem.tsx';

type Unit = 'usd' | 'tokens';

interface CapacityPoint {
  at: string;
  capacity: number;
  spread: number | null;
  samples: number;
}

export interface CapacityChange {
  window: string;
  unit: Unit;
  before: number;
  after: number;
  change_pct: number;
  since: string;
  confidence: string;
}

interface CapacityHistory {
  unit: Unit;
  windows: Record<string, Partial<Record<Unit, CapacityPoint[]>>>;
  changes: CapacityChange[];
}

// The limit card's names for the same windows.
const WINDOW_NAMES: Record<string, string> = { five_hour: '5-hour window', seven_day: 'Week (all models)' };
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
export const windowName = (w: string): string =>
  WINDOW_NAMES[w] ?? (w.startsWith('seven_day_') ? `Week (${capitalized(w.slice(10))})` : w);

/** "−50 %" with a real minus sign, "+12 %". */
export const fmtChange = (pct: number): string => `${pct < 0 ? '−' : '+'}${Math.abs(Math.round(pct))} %`;
export const fmtDay = (iso: string): string =>
  new Date(iso).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** One window kind's capacity over time: a point per measured window, a line through them. */
function CapacityChart(props: { points: CapacityPoint[]; unit: Unit; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const xs = props.points.map((p) => Date.parse(p.at) / 1000);
    const ys = props.points.map((p) => p.capacity);
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 180,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        {
          ...axis,
          values: (_u, ticks) =>
            ticks.map((t) => new Date(t * 1000).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })),
        },
        {
          ...axis,
          size: 60,
          values: (_u, ticks) => ticks.map((t) => (props.unit === 'usd' ? `$${fmtCompact(t)}` : fmtCompact(t))),
        },
      ],
      series: [{}, { label: 'capacity', stroke: cssVar('--c1'), width: 2, points: { show: true, size: 6 } }],
    };
    const plot = new uPlot(opts, [xs, ys], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.points, props.unit]);
  return <div ref={host} class="chart-canvas" role="img" aria-label={props.label} />;
}

/**
 * An account's calibrated capacity over time (GET /api/accounts/{id}/capacity-history), in its
 * unit, per window kind, with the step changes takt recorded said in words.
 */
export function CapacityHistoryPanel(props: { accountId: string; label: string }) {
  const loaded = useLoad(
    () => api<CapacityHistory>('GET', `/api/accounts/${encodeURIComponent(props.accountId)}/capacity-history`),
    [props.accountId],
  );
  const h = loaded.data;
  const kinds = h ? Object.entries(h.windows).filter(([, byUnit]) => (byUnit[h.unit]?.length ?? 0) > 0) : [];
  return (
    <div class="card capacity" data-testid="capacity-history">
      <h4>Capacity over time: {props.label}</h4>
      <Problem error={loaded.error} />
      {h && kinds.length === 0 ? (
        <p class="muted">
          No calibrated capacity yet: official percentages of 5 % or more, with usage takt saw, measure it.
        </p>
      ) : null}
      {h
        ? kinds.map(([kind, byUnit]) => {
            const points = byUnit[h.unit] ?? [];
            const last = points[points.length - 1];
            return (
              <div key={kind} class="chart">
                <p>
                  {windowName(kind)}: {last ? fmtAmount(last.capacity, h.unit) : '—'} in the latest window (
                  {points.length === 1
                    ? 'one window measured: the chart starts at two'
                    : `${points.length} windows measured`}
                  )
                </p>
                {points.length >= 2 ? (
                  <CapacityChart
                    points={points}
                    unit={h.unit}
                    label={`${windowName(kind)} capacity of ${props.label} per window, ${points.length} windows`}
                  />
                ) : null}
              </div>
            );
          })
        : null}
      {h && h.changes.length > 0 ? (
        <ul data-testid="capacity-changes">
          {h.changes.map((c) => (
            <li key={`${c.window}-${c.unit}-${c.since}`}>
              {windowName(c.window)}: {fmtChange(c.change_pct)} since {fmtDay(c.since)} ({fmtAmount(c.before, c.unit)} →{' '}
              {fmtAmount(c.after, c.unit)}, {c.confidence} confidence)
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
