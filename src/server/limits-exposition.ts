import { Counter, Gauge, type OpenMetricsContentType, Registry } from 'prom-client';
import type { MetricsSnapshot } from '../queries/limits-metrics.ts';
import { verdicts } from '../usage/limit-types.ts';

/**
 * The per-account and per-machine families of GET /metrics (issue 23: the names and labels are
 * the contract, docs/operations.md lists them with their bounds), in a registry made for one
 * scrape and merged with the server's own: two scrapes at once never share a half-filled gauge.
 * Instants are Unix seconds, as Prometheus' time() and Grafana's dateTimeFromNow expect.
 */
export function limitsRegistry(snapshot: MetricsSnapshot): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const accountLabels = ['account', 'label', 'plan', 'user'] as const;
  const gauge = <L extends string>(name: string, help: string, labels: readonly L[]) =>
    new Gauge({ name, help, labelNames: [...accountLabels, ...labels], registers: [registry] });
  const utilization = gauge(
    'takt_limit_utilization_percent',
    'Share of the window’s limit used, percent (may pass 100); source: official, calibrated, estimated or configured',
    ['window', 'source'],
  );
  const resetsAt = gauge('takt_limit_resets_at_seconds', 'When the window resets, Unix seconds', ['window']);
  const capacity = gauge(
    'takt_limit_capacity',
    'The window’s limit in the account’s unit (usd: API-price dollars; tokens: input + output + cache writes)',
    ['window', 'unit'],
  );
  const hitsCap = gauge(
    'takt_forecast_hits_cap_at_seconds',
    'When the window’s cap is reached at the recent burn rate, Unix seconds; absent when the window resets first',
    ['window'],
  );
  const verdict = gauge(
    'takt_forecast_verdict',
    'The window’s forecast verdict: 1 for the current one, 0 for the others',
    ['window', 'verdict'],
  );
  const tokens = new Counter({
    name: 'takt_usage_tokens_total',
    help: 'Tokens used on the account since takt began recording it, counted once across sources, by model, type and source',
    labelNames: [...accountLabels, 'model', 'type', 'source'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'takt_cost_usd_total',
    help: 'Cost in US dollars since takt began recording the account: reported (Claude Code’s figure) or list (takt’s price table)',
    labelNames: [...accountLabels, 'kind'],
    registers: [registry],
  });
  const lastSeen = new Gauge({
    name: 'takt_machine_last_seen_seconds',
    help: 'When takt last received data from the machine (host.name), Unix seconds',
    labelNames: ['machine', 'user'],
    registers: [registry],
  });

  for (const a of snapshot.accounts) {
    const who = { account: a.account, label: a.label, plan: a.plan, user: a.user };
    for (const w of a.windows) {
      if (w.utilization !== null) utilization.set({ ...who, window: w.window, source: w.source }, w.utilization);
      resetsAt.set({ ...who, window: w.window }, w.resetsAt / 1000);
      if (w.capacity !== null) capacity.set({ ...who, window: w.window, unit: a.unit }, w.capacity);
      if (w.hitsCapAt !== null) hitsCap.set({ ...who, window: w.window }, w.hitsCapAt / 1000);
      for (const v of verdicts) verdict.set({ ...who, window: w.window, verdict: v }, v === w.verdict ? 1 : 0);
    }
    for (const t of a.tokens) tokens.inc({ ...who, model: t.model, type: t.type, source: t.source }, t.value);
    cost.inc({ ...who, kind: 'reported' }, a.costReportedUsd);
    cost.inc({ ...who, kind: 'list' }, a.costListUsd);
  }
  for (const m of snapshot.machines) lastSeen.set({ machine: m.machine, user: m.user }, m.lastSeenAt / 1000);
  return registry;
}
