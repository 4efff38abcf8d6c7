import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { parseScrape, type Sample } from './support/prometheus-text.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * Issue 23.2: every PromQL expression of the Grafana dashboard (docs/grafana/takt.json, its
 * panels and variables) and of the alert rules (docs/grafana/alerts.rules.yml) parses with
 * Prometheus' own grammar (@prometheus-io/lezer-promql), and every metric it selects appears in
 * a real scrape of a takt server with data — including the forecast's hits-cap gauge, present
 * only for an account burning towards its cap.
 */
const grafana = join(import.meta.dirname, '..', 'docs', 'grafana');
const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';
const HOT = 'acct-grafana-hot';

interface Panel {
  targets?: { expr?: string }[];
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(grafana, 'takt.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { type: string; definition?: string }[] };
};
const rules = parseYaml(readFileSync(join(grafana, 'alerts.rules.yml'), 'utf8')) as {
  groups: { rules: { alert?: string; expr: string }[] }[];
};

/** Every expression, named by where it is. Grafana's label_values(selector, label) is unwrapped to its selector. */
function expressions(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push([`panel ${JSON.stringify(p)}`.slice(0, 80), t.expr]);
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating.list) {
    const m = v.type === 'query' ? /^label_values\((.*),\s*\w+\)$/.exec(v.definition ?? '') : null;
    if (m?.[1]) out.push([`variable ${v.definition}`, m[1]]);
  }
  for (const g of rules.groups) for (const r of g.rules) out.push([`alert ${r.alert}`, r.expr]);
  return out;
}

/** The metric names an expression selects, and whether Prometheus' grammar found an error in it. */
function selected(expr: string): { metrics: string[]; errors: number } {
  // Grafana's interval variables become a duration; other variables sit inside label strings.
  const promql = expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
  const metrics: string[] = [];
  let errors = 0;
  const cursor = parser.parse(promql).cursor();
  do {
    if (cursor.type.isError) errors++;
    if (cursor.type.name === 'Identifier' && cursor.node.parent?.type.name === 'VectorSelector')
      metrics.push(promql.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return { metrics, errors };
}

describe('the Grafana dashboard and alert rules', () => {
  let takt: TestTakt;
  let adminToken: string;
  const now = Date.now();

  beforeAll(async () => {
    takt = await startTakt();
    const admin = await insertUser(takt.server.context.store.db, { email: 'boss@example.com', role: 'admin' });
    adminToken = (await issueApiToken(takt.server.context.store.db, admin.id, 'grafana')).token;
    // An account burning fast: usage every few minutes, and the status line at 90% of the
    // 5-hour window three minutes ago, four hours before its reset: the cap comes first.
    const minutesAgo = [40, 32, 25, 18, 12, 8, 5, 2];
    const logs = apiRequestLogs(
      { host: 'laptop', sessionId: 's-hot', accountUuid: HOT },
      minutesAgo.map((m, i) => ({
        model: MODEL,
        requestId: `req_hot_${i}`,
        input: 20_000,
        output: 40_000,
        cacheRead: 100_000,
        cacheCreation: 10_000,
        costUsd: 1.5,
        timeMs: now - m * MINUTE,
        sequence: i,
      })),
    );
    const r = await fetch(`${takt.directUrl}/v1/logs`, {
      method: 'POST',
      body: encodeLogs(logs),
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/x-protobuf' },
    });
    expect(r.status).toBe(200);
    const official = await fetch(`${takt.directUrl}/api/official-usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: 'statusline',
        captured_at: new Date(now - 3 * MINUTE).toISOString(),
        account_uuid: HOT,
        rate_limits: { five_hour: { used_percentage: 90, resets_at: Math.floor((now + 240 * MINUTE) / 1000) } },
      }),
    });
    expect(official.status).toBe(201);
  });
  afterAll(async () => {
    await takt?.stop();
  });

  const scrape = async (): Promise<Sample[]> => {
    const r = await fetch(`${takt.directUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    return parseScrape(await r.text());
  };

  it('has expressions that Prometheus’ grammar parses, selecting only metrics a real scrape has', async () => {
    const samples = await waitFor('the forecast’s hits-cap gauge in a scrape', scrape, (s) =>
      s.some((x) => x.name === 'takt_forecast_hits_cap_at_seconds'),
    );
    const scraped = new Set(samples.map((s) => s.name));
    const all = expressions();
    const problems = all.flatMap(([where, expr]) => {
      const { metrics, errors } = selected(expr);
      return [
        ...(errors > 0 ? [`${where}: ${errors} parse error(s) in ${expr}`] : []),
        ...(metrics.length === 0 ? [`${where}: selects no metric: ${expr}`] : []),
        ...metrics.filter((m) => !scraped.has(m)).map((m) => `${where}: ${m} is not in the scrape`),
      ];
    });
    expect(problems).toEqual([]);
    expect(all.filter(([where]) => where.startsWith('alert')).map(([where]) => where)).toEqual([
      'alert TaktHitsCapBeforeReset',
      'alert TaktLimited',
      'alert TaktMachineSilent',
    ]);
    // Together they use every family of issue 23's contract.
    expect([...new Set(all.flatMap(([, e]) => selected(e).metrics))].sort()).toEqual([
      'takt_cost_usd_total',
      'takt_forecast_hits_cap_at_seconds',
      'takt_forecast_verdict',
      'takt_limit_resets_at_seconds',
      'takt_limit_utilization_percent',
      'takt_machine_last_seen_seconds',
      'takt_usage_tokens_total',
    ]);
  });
});
