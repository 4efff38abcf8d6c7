import type { MetricsSnapshot } from '../queries/limits-metrics.ts';
import { verdicts } from '../usage/limit-types.ts';

/**
 * The per-account and per-machine families of GET /metrics in OpenMetrics text (issue 23: the
 * names and labels are the contract; docs/operations.md lists them with their bounds), written
 * straight to text: prom-client's registry took ~800 ms for the 12,000 series of 200 accounts
 * and 2,000 machines (set per label set, then serialised), this ~10 ms. The caller puts it
 * before the server registry's own text, which ends in `# EOF`. Instants are Unix seconds.
 * OpenMetrics 1.0: a counter's family is named without `_total`, its samples with it.
 */
export function limitsExposition(snapshot: MetricsSnapshot): string {
  const families = {
    utilization: [] as string[],
    resetsAt: [] as string[],
    capacity: [] as string[],
    hitsCap: [] as string[],
    verdict: [] as string[],
    tokens: [] as string[],
    cost: [] as string[],
    lastSeen: [] as string[],
  };
  for (const a of snapshot.accounts) {
    const who = `account="${esc(a.account)}",label="${esc(a.label)}",plan="${esc(a.plan)}",user="${esc(a.user)}"`;
    for (const w of a.windows) {
      const win = `${who},window="${esc(w.window)}"`;
      if (w.utilization !== null)
        families.utilization.push(`takt_limit_utilization_percent{${win},source="${w.source}"} ${num(w.utilization)}`);
      families.resetsAt.push(`takt_limit_resets_at_seconds{${win}} ${num(w.resetsAt / 1000)}`);
      if (w.capacity !== null)
        families.capacity.push(`takt_limit_capacity{${win},unit="${a.unit}"} ${num(w.capacity)}`);
      if (w.hitsCapAt !== null)
        families.hitsCap.push(`takt_forecast_hits_cap_at_seconds{${win}} ${num(w.hitsCapAt / 1000)}`);
      for (const v of verdicts)
        families.verdict.push(`takt_forecast_verdict{${win},verdict="${v}"} ${v === w.verdict ? 1 : 0}`);
    }
    for (const t of a.tokens)
      families.tokens.push(
        `takt_usage_tokens_total{${who},model="${esc(t.model)}",type="${t.type}",source="${t.source}"} ${num(t.value)}`,
      );
    families.cost.push(`takt_cost_usd_total{${who},kind="reported"} ${num(a.costReportedUsd)}`);
    families.cost.push(`takt_cost_usd_total{${who},kind="list"} ${num(a.costListUsd)}`);
  }
  for (const m of snapshot.machines)
    families.lastSeen.push(
      `takt_machine_last_seen_seconds{machine="${esc(m.machine)}",user="${esc(m.user)}"} ${num(m.lastSeenAt / 1000)}`,
    );

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
  return `${out.join('\n')}\n`;
}

/** OpenMetrics label values escape backslash, double quote and line feed. */
function esc(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}
