import { useState } from 'preact/hooks';
import {
  type AccountSettings,
  type AccountUsage,
  activity,
  api,
  exportCsvHref,
  type MachineRow,
  type Pace,
  timeZone,
  type UnlinkedUsage,
  type UsageFilter,
  type UsageReport,
  type UsageTotals,
  usage,
} from '../api.ts';
import { AccountCard } from '../components/limit-card.tsx';
import { Problem } from '../components/problem.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { type ChartLayer, UsageChart } from '../components/usage-chart.tsx';
import {
  dayKey,
  fmtBothCosts,
  fmtInt,
  fmtListCost,
  fmtTokens,
  fmtUsd,
  fmtUsdOrNone,
  listPriceName,
  startOfDay,
  startOfMonth,
  startOfWeek,
  totalTokens,
  unpricedTitle,
  zoneName,
} from '../format.ts';
import { useLoad } from '../use-load.ts';

interface Limits {
  accounts: AccountUsage[];
  unlinked: UnlinkedUsage | null;
  pace: Pace | undefined;
}

/** /api/me/usage carries each window's forecast; /api/me/pace the verdict across accounts. */
async function loadLimits(): Promise<Limits> {
  const [u, p] = await Promise.all([
    api<{ accounts: AccountUsage[]; unlinked?: UnlinkedUsage | null }>('GET', '/api/me/usage'),
    api<Pace>('GET', `/api/me/pace?tz=${encodeURIComponent(timeZone())}`).catch(() => undefined),
  ]);
  return { accounts: u.accounts, unlinked: u.unlinked ?? null, pace: p };
}

/** The verdict as the server words it ("use Team seat: 31% weekly slack; …"), as a sentence. */
function sentence(reason: string): string {
  const s = reason.trim();
  return s ? `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}` : s;
}

/** Usage waiting for its account (issue 19.6): how much, from where, and what links it. */
function UnlinkedNotice(props: { unlinked: UnlinkedUsage }) {
  const u = props.unlinked;
  const from = [...u.machines.map((m) => `machine ${m}`), ...(u.manual_entries ? ['manual entries'] : [])].join(', ');
  return (
    <div class="notice" data-testid="unlinked" role="status">
      <p>
        <strong>{fmtInt(u.total_tokens)} tokens not yet linked to an account</strong> ({fmtBothCosts(u)},{' '}
        {fmtInt(u.records)} records{from ? ` from ${from}` : ''}, {u.first_at.slice(0, 10)} to {u.last_at.slice(0, 10)}
        ): they count in the usage totals below but in no account's limits yet.
      </p>
      <p class="muted">{u.fix}</p>
    </div>
  );
}

function LimitsSection(props: { tick: number }) {
  const [changed, setChanged] = useState(0);
  const limits = useLoad(loadLimits, [props.tick, changed]);
  const now = Date.now();
  const d = limits.data;
  return (
    <section aria-labelledby="limits-h">
      <h2 id="limits-h">Limits</h2>
      <Problem error={limits.error} />
      {d?.pace && d.accounts.length > 0 ? (
        <p class="pace" data-testid="pace">
          {sentence(d.pace.reason)}
        </p>
      ) : null}
      {d?.unlinked ? <UnlinkedNotice unlinked={d.unlinked} /> : null}
      {d && d.accounts.length === 0 && !d.unlinked ? (
        <p class="notice">No Anthropic account has sent usage yet.</p>
      ) : null}
      <div class="cards">
        {(d?.accounts ?? []).map((a) => (
          <AccountCard
            key={a.id}
            account={a}
            pace={d?.pace?.accounts.find((p) => p.id === a.id)}
            recommended={d?.pace?.recommended_account?.id === a.id}
            now={now}
            onChange={() => setChanged((n) => n + 1)}
          />
        ))}
      </div>
    </section>
  );
}

function Totals(props: { tick: number; filter: UsageFilter }) {
  const now = new Date();
  const f = props.filter;
  const totals = useLoad(
    () =>
      Promise.all([
        usage(startOfDay(now), now, undefined, f),
        usage(startOfWeek(now), now, undefined, f),
        usage(startOfMonth(now), now, undefined, f),
      ]),
    [props.tick, f.account, f.machine],
  );
  const week = useLoad(() => activity(startOfWeek(now), now), [props.tick]);
  const names = ['Today', 'This week', 'This month'];
  const a = week.data?.totals;
  // Lines, commits, PRs and sessions come only from Claude Code's metrics exporter: with usage
  // from takt sync alone they are all zero, and "0 sessions" beside a week of sessions misleads.
  const noMetrics =
    a !== undefined &&
    a.sessions === 0 &&
    a.commits === 0 &&
    a.pull_requests === 0 &&
    a.lines.added + a.lines.removed === 0 &&
    a.active_seconds.user + a.active_seconds.cli === 0;
  // Claude Code's own figure when it reported one, else the list price.
  const weekTotals = totals.data?.[1]?.totals;
  // Not a list price that leaves unpriced models out (issue 19.5).
  const weekCost = weekTotals
    ? (weekTotals.cost_usd ??
      (weekTotals.unpriced_models?.length ? undefined : (weekTotals.list_cost_usd ?? undefined)))
    : undefined;
  return (
    <div class="totals">
      {names.map((name, i) => {
        const t = totals.data?.[i]?.totals;
        return (
          <div class="card total" key={name} data-testid={`total-${i}`}>
            <h3>{name}</h3>
            <p class="big">{t ? fmtTokens(totalTokens(t)) : '…'}</p>
            <p class="muted" data-testid={`total-cost-${i}`} title={t ? unpricedTitle(t) : undefined}>
              {t ? fmtBothCosts(t, totals.data?.[i]?.pricing?.basis) : ''}
            </p>
          </div>
        );
      })}
      <div class="card total" data-testid="activity-week">
        <h3>Activity this week</h3>
        <p class="big">
          {noMetrics
            ? 'no activity data'
            : a
              ? `${fmtInt(a.lines.added + a.lines.removed)} lines, ${fmtInt(a.commits)} commits, ${fmtInt(a.pull_requests)} PRs`
              : '…'}
        </p>
        <p class="muted">
          {noMetrics
            ? "Lines, commits, PRs and sessions come from Claude Code's activity metrics (OpenTelemetry); none arrived this week, and takt sync's transcripts carry none."
            : a && a.pull_requests > 0 && weekCost !== undefined
              ? `${fmtUsd(weekCost / a.pull_requests)} per PR at API prices`
              : a
                ? `${fmtInt(a.sessions)} sessions`
                : ''}
        </p>
      </div>
    </div>
  );
}

const TYPE_LAYERS: { name: string; of: (t: UsageTotals) => number }[] = [
  { name: 'input', of: (t) => t.input_tokens },
  { name: 'output', of: (t) => t.output_tokens },
  { name: 'cache writes 5m', of: (t) => t.cache_creation_5m_tokens },
  { name: 'cache writes 1h', of: (t) => t.cache_creation_1h_tokens },
  // Writes whose duration the source did not say.
  {
    name: 'cache writes',
    of: (t) => Math.max(0, t.cache_creation_tokens - t.cache_creation_5m_tokens - t.cache_creation_1h_tokens),
  },
  { name: 'cache reads', of: (t) => t.cache_read_tokens },
];

interface Daily {
  days: string[];
  byDay: UsageReport;
  byModel: UsageReport;
  byDayModel: UsageReport | undefined;
}

/** The first day the range shows, at local midnight. */
function rangeStart(rangeDays: number): Date {
  const from = startOfDay(new Date());
  from.setDate(from.getDate() - (rangeDays - 1));
  return from;
}

async function loadDaily(rangeDays: number, stack: 'type' | 'model', filter: UsageFilter): Promise<Daily> {
  const now = new Date();
  const from = startOfDay(now);
  from.setDate(from.getDate() - (rangeDays - 1));
  const days: string[] = [];
  for (const d = new Date(from); d <= now; d.setDate(d.getDate() + 1)) days.push(dayKey(d));
  const [byDay, byModel, byDayModel] = await Promise.all([
    usage(from, now, 'day', filter),
    usage(from, now, 'model', filter),
    stack === 'model' ? usage(from, now, 'day,model', filter) : Promise.resolve(undefined),
  ]);
  return { days, byDay, byModel, byDayModel };
}

interface FilterChoices {
  accounts: AccountSettings[];
  machines: MachineRow[];
}

function UsageSection(props: { tick: number }) {
  const [range, setRange] = useState(30);
  const [stack, setStack] = useState<'type' | 'model'>('type');
  const [filter, setFilter] = useState<UsageFilter>({});
  const choices = useLoad<FilterChoices>(async () => {
    const [a, m] = await Promise.all([
      api<{ accounts: AccountSettings[] }>('GET', '/api/accounts'),
      api<{ machines: MachineRow[] }>('GET', `/api/me/machines?tz=${encodeURIComponent(timeZone())}`),
    ]);
    return { accounts: a.accounts, machines: m.machines };
  }, []);
  const daily = useLoad(
    () => loadDaily(range, stack, filter),
    [range, stack, filter.account, filter.machine, props.tick],
  );
  const d = daily.data;
  const rows = new Map((d?.byDay.groups ?? []).map((g) => [g.key, g]));
  const of = (day: string) => rows.get(day);
  let layers: ChartLayer[] = [];
  if (d && stack === 'type') {
    layers = TYPE_LAYERS.map((l) => ({
      name: l.name,
      values: d.days.map((day) => {
        const r = of(day);
        return r ? l.of(r) : 0;
      }),
    })).filter((l) => l.values.some((v) => v > 0) || l.name === 'input');
  } else if (d?.byDayModel) {
    const cells = new Map(d.byDayModel.groups.map((g) => [`${g.keys?.day}|${g.keys?.model}`, g]));
    layers = d.byModel.groups.map((m) => ({
      name: m.key,
      values: d.days.map((day) => {
        const g = cells.get(`${day}|${m.key}`);
        return g ? totalTokens(g) : 0;
      }),
    }));
  }
  // The chart draws takt's figure: it exists for every source (Claude Code's only for telemetry).
  const cost = d ? d.days.map((day) => of(day)?.list_cost_usd ?? 0) : [];
  const priceName = listPriceName(d?.byDay.pricing?.basis);
  return (
    <section aria-labelledby="usage-h">
      <h2 id="usage-h">Usage</h2>
      <div class="controls" data-testid="usage-filter">
        <label>
          Account{' '}
          <select
            value={filter.account ?? ''}
            onChange={(e) => setFilter({ ...filter, account: e.currentTarget.value || undefined })}
          >
            <option value="">all accounts</option>
            {(choices.data?.accounts ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Machine{' '}
          <select
            value={filter.machine ?? ''}
            onChange={(e) => setFilter({ ...filter, machine: e.currentTarget.value || undefined })}
          >
            <option value="">all machines</option>
            {(choices.data?.machines ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.host_name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Totals tick={props.tick} filter={filter} />
      <div class="controls">
        <label>
          Range{' '}
          <select value={range} onChange={(e) => setRange(Number((e.target as HTMLSelectElement).value))}>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
            <option value={90}>90 days</option>
          </select>
        </label>
        <label>
          Stack by{' '}
          <select value={stack} onChange={(e) => setStack((e.target as HTMLSelectElement).value as 'type' | 'model')}>
            <option value="type">token type</option>
            <option value="model">model</option>
          </select>
        </label>
        <span class="muted">Days in {zoneName()}</span>
        <a href={exportCsvHref(rangeStart(range), new Date(), 'day')} download data-testid="usage-csv">
          Download CSV
        </a>
      </div>
      <Problem error={daily.error} />
      {d ? (
        <UsageChart
          days={d.days}
          layers={layers}
          cost={cost}
          costName={priceName}
          label={`Tokens per day over ${range} days, stacked by ${stack === 'type' ? 'token type' : 'model'}, with cost at ${priceName}`}
        />
      ) : (
        <p class="muted">Loading…</p>
      )}
      {d ? (
        <ScrollRegion label="Tokens per day table">
          <table data-testid="daily-table">
            <caption>Tokens per day, exact, and cost ({zoneName()})</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Input</th>
                <th scope="col">Output</th>
                <th scope="col">Cache writes</th>
                <th scope="col">Cache reads</th>
                <th scope="col">Total tokens</th>
                <th scope="col">Claude Code cost</th>
                <th scope="col">Cost at {priceName}</th>
              </tr>
            </thead>
            <tbody>
              {[...d.days]
                .reverse()
                .filter((day) => of(day))
                .map((day) => {
                  const r = of(day);
                  return r ? (
                    <tr key={day}>
                      <th scope="row">{day}</th>
                      <td>{fmtInt(r.input_tokens)}</td>
                      <td>{fmtInt(r.output_tokens)}</td>
                      <td>{fmtInt(r.cache_creation_tokens)}</td>
                      <td>{fmtInt(r.cache_read_tokens)}</td>
                      <td>{fmtInt(totalTokens(r))}</td>
                      <td>{fmtUsdOrNone(r.cost_usd)}</td>
                      <td title={unpricedTitle(r)}>{fmtListCost(r)}</td>
                    </tr>
                  ) : null;
                })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total (tokens)</th>
                <td>{fmtInt(d.byDay.totals.input_tokens)}</td>
                <td>{fmtInt(d.byDay.totals.output_tokens)}</td>
                <td>{fmtInt(d.byDay.totals.cache_creation_tokens)}</td>
                <td>{fmtInt(d.byDay.totals.cache_read_tokens)}</td>
                <td data-testid="range-total">{fmtInt(totalTokens(d.byDay.totals))}</td>
                <td>{fmtUsdOrNone(d.byDay.totals.cost_usd)}</td>
                <td title={unpricedTitle(d.byDay.totals)}>{fmtListCost(d.byDay.totals)}</td>
              </tr>
            </tfoot>
          </table>
        </ScrollRegion>
      ) : null}
      {d && d.byModel.groups.length > 0 ? (
        <ScrollRegion label="Per model table">
          <table>
            <caption>Per model, {range} days: tokens and cost</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Total tokens</th>
                <th scope="col">Claude Code cost</th>
                <th scope="col">Cost at {priceName}</th>
              </tr>
            </thead>
            <tbody>
              {d.byModel.groups.map((g) => (
                <tr key={g.key}>
                  <th scope="row">{g.key}</th>
                  <td>{fmtInt(totalTokens(g))}</td>
                  <td>{fmtUsdOrNone(g.cost_usd)}</td>
                  <td title={unpricedTitle(g)}>{fmtListCost(g)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}

export function Overview(props: { tick: number }) {
  return (
    <>
      <LimitsSection tick={props.tick} />
      <UsageSection tick={props.tick} />
    </>
  );
}
