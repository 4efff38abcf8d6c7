import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtCompact, fmtInt, fmtUsd } from '../format.ts';

export interface ChartLayer {
  name: string;
  values: number[];
}

const PALETTE = ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6', '--c7', '--c8'];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * Daily tokens stacked by layer (model or token type) as bars, cost as a line on its own
 * axis. uPlot does not stack: each layer is drawn as the running sum up to it, top layer
 * first, so the lower ones paint over it. The exact figures of the hovered day show beside.
 */
export function UsageChart(props: {
  days: string[];
  layers: ChartLayer[];
  cost: number[];
  /** What the cost line is ("list price", "contracted price"). */
  costName: string;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | undefined>();
  const [scheme, setScheme] = useState(0);

  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const changed = () => setScheme((s) => s + 1);
    mq.addEventListener('change', changed);
    return () => mq.removeEventListener('change', changed);
  }, []);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const xs = props.days.map((d) => Date.parse(`${d}T00:00:00`) / 1000);
    const running: number[][] = [];
    props.layers.forEach((layer, i) => {
      running.push(layer.values.map((v, j) => v + (i > 0 ? (running[i - 1]?.[j] ?? 0) : 0)));
    });
    const order = props.layers.map((_, i) => i).reverse();
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
    const axisCommon = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 260,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        // Half a day of room each side, so the first and last bars are whole.
        x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
        tokens: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] },
        usd: {},
      },
      axes: [
        {
          ...axisCommon,
          values: (_u, ticks) =>
            ticks.map((t) => new Date(t * 1000).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })),
        },
        { ...axisCommon, scale: 'tokens', size: 60, values: (_u, ticks) => ticks.map((t) => fmtCompact(t)) },
        {
          ...axisCommon,
          scale: 'usd',
          side: 1,
          size: 60,
          grid: { show: false },
          values: (_u, ticks) => ticks.map((t) => `$${fmtCompact(t)}`),
        },
      ],
      series: [
        {},
        ...order.map((i) => {
          const color = cssVar(PALETTE[i % PALETTE.length] ?? '--c1');
          return {
            label: props.layers[i]?.name ?? '',
            scale: 'tokens',
            fill: color,
            stroke: color,
            width: 0,
            ...(bars ? { paths: bars } : {}),
          };
        }),
        { label: 'cost', scale: 'usd', stroke: cssVar('--cost'), width: 2, points: { show: true, size: 5 } },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            setHover(i === null || i === undefined ? undefined : i);
          },
        ],
      },
    };
    const data = [xs, ...order.map((i) => running[i] ?? []), props.cost] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.days, props.layers, props.cost, scheme]);

  const shown = hover ?? props.days.length - 1;
  const day = props.days[shown];
  return (
    <div class="chart">
      <div ref={host} class="chart-canvas" role="img" aria-label={props.label} />
      <div class="legend" aria-live="polite">
        {day ? (
          <strong>
            {new Date(`${day}T00:00:00`).toLocaleDateString(undefined, {
              weekday: 'short',
              month: 'short',
              day: 'numeric',
            })}
          </strong>
        ) : null}
        {props.layers.map((l, i) => (
          <span key={l.name} class="legend-item">
            <span class={`swatch swatch-${i % PALETTE.length}`} aria-hidden="true" />
            {l.name}: {fmtInt(l.values[shown] ?? 0)} tokens
          </span>
        ))}
        <span class="legend-item">
          <span class="swatch swatch-cost" aria-hidden="true" />
          cost at {props.costName}: {fmtUsd(props.cost[shown] ?? 0)}
        </span>
      </div>
    </div>
  );
}
