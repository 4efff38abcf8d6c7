import type { AccountMetrics, MetricsSnapshot } from '../queries/limits-metrics.ts';
import { verdicts } from '../usage/limit-types.ts';

/**
 * The per-account and per-machine families of GET /metrics in OpenMetrics text (issue 23: the
 * names and labels are the contract; docs/operations.md lists them with their bounds), written
 * straight to text: prom-client's registry took ~800 ms for the ~9,000 series of 200 accounts
 * and 2,000 machines (set per label set, then serialised); each account's lines are kept with
 * its figures. It runs where the snapshot is refreshed (the metrics worker thread), not per
 * scrape: a scrape sends the last text built (server/latest-exposition.ts). The caller puts it
 * before the server registry's own text, which ends in `# EOF`. Instants are Unix seconds.
 * OpenMetrics 1.0: a counter's family is named without `_total`, its samples with it.
 */
/** An account's lines per family, in the order the families are written. */
type AccountLines = [string[], string[], string[], string[], string[], string[], string[]];

/**
 * Lines kept per account's figures: the read model hands back the same object until it computes
 * the user again, so a scrape writes only what changed (and the machines' lines).
 */
const rendered = new WeakMap<AccountMetrics, AccountLines>();

function accountLines(a: AccountMetrics): AccountLines {
  const known = rendered.get(a);
  if (known) return known;
  const lines: AccountLines = [[], [], [], [], [], [], []];
  const [utilization, resetsAt, capacity, hitsCap, verdict, tokens, cost] = lines;
  const who = `account="${esc(a.account)}",label="${esc(a.label)}",plan="${esc(a.plan)}",user="${esc(a.user)}"`;
  for (const w of a.windows) {
    const win = `${who},window="${esc(w.window)}"`;
    if (w.utilization !== null)
      utilization.push(`takt_limit_utilization_percent{${win},source="${w.source}"} ${num(w.utilization)}`);
    resetsAt.push(`takt_limit_resets_at_seconds{${win}} ${num(w.resetsAt / 1000)}`);
    if (w.capacity !== null) capacity.push(`takt_limit_capacity{${win},unit="${a.unit}"} ${num(w.capacity)}`);
    if (w.hitsCapAt !== null) hitsCap.push(`takt_forecast_hits_cap_at_seconds{${win}} ${num(w.hitsCapAt / 1000)}`);
    for (const v of verdicts) verdict.push(`takt_forecast_verdict{${win},verdict="${v}"} ${v === w.verdict ? 1 : 0}`);
  }
  for (const t of a.tokens)
    tokens.push(
      `takt_usage_tokens_total{${who},model="${esc(t.model)}",type="${t.type}",source="${t.source}"} ${num(t.value)}`,
    );
  cost.push(`takt_cost_usd_total{${who},kind="reported"} ${num(a.costReportedUsd)}`);
  cost.push(`takt_cost_usd_total{${who},kind="list"} ${num(a.costListUsd)}`);
  rendered.set(a, lines);
  return lines;
}

export function limitsExposition(snapshot: MetricsSnapshot): string {
  const perAccount = snapshot.accounts.map(accountLines);
  const of = (i: number) => perAccount.flatMap((l) => l[i] as string[]);
  const families = {
    utilization: of(0),
    resetsAt: of(1),
    capacity: of(2),
    hitsCap: of(3),
    verdict: of(4),
    tokens: of(5),
    cost: of(6),
    lastSeen: snapshot.machines.map(
      (m) =>
        `takt_machine_last_seen_seconds{machine="${esc(m.machine)}",user="${esc(m.user)}"} ${num(m.lastSeenAt / 1000)}`,
    ),
  };

  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, lines: string[], unit?: string) => {
    out.push(`# TYPE ${name} ${type}`);
    if (unit) out.push(`# UNIT ${name} ${unit}`);
    out.push(`# HELP ${name} ${help}`);
    for (const l of lines) out.push(l);
  };
  family(
    'takt_limit_utilization_percent',
    'gauge',
    'Share of the window limit used, percent (may pass 100); source: official, calibrated, estimated or configured',
    families.utilization,
    'percent',
  );
  family('takt_limit_resets_at_seconds', 'gauge', 'When the window resets, Unix seconds', families.resetsAt, 'seconds');
  family(
    'takt_limit_capacity',
    'gauge',
    'The window limit in the account unit (usd: API-price dollars; tokens: input + output + cache writes)',
    families.capacity,
  );
  family(
    'takt_forecast_hits_cap_at_seconds',
    'gauge',
    'When the window cap is reached at the recent burn rate, Unix seconds; absent when the window resets first',
    families.hitsCap,
    'seconds',
  );
  family(
    'takt_forecast_verdict',
    'gauge',
    'The window forecast verdict: 1 for the current one, 0 for the others',
    families.verdict,
  );
  family(
    'takt_usage_tokens',
    'counter',
    'Tokens used on the account since takt began recording it, counted once across sources, by model, type and source',
    families.tokens,
  );
  family(
    'takt_cost_usd',
    'counter',
    'Cost in US dollars since takt began recording the account: reported (Claude Code figure) or list (takt price table)',
    families.cost,
  );
  family(
    'takt_machine_last_seen_seconds',
    'gauge',
    'When takt last received data from the machine (host.name), Unix seconds',
    families.lastSeen,
    'seconds',
  );
  // Not in issue 23's list: how old the families above are, since a scrape answers the last
  // complete refresh rather than waiting for one (docs/operations.md, "Freshness").
  family(
    'takt_limits_refreshed_at_seconds',
    'gauge',
    'When the refresh that computed the per-account and per-machine families of this answer began, Unix seconds',
    [`takt_limits_refreshed_at_seconds ${num(snapshot.refreshedAt / 1000)}`],
    'seconds',
  );
  return `${out.join('\n')}\n`;
}

/** OpenMetrics label values escape backslash, double quote and line feed. */
function esc(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}
