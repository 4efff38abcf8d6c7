import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTime, spendFiguresOf } from '../../official/parse-official-usage.ts';
import { loadPriceTable } from '../../pricing/price-table.ts';
import { DEFAULT_WEEKLY_RESET, type EvaluatedAccount, LOOKBACK_MS } from '../../queries/account-limits.ts';
import type { AccountRow } from '../../store/accounts.ts';
import { recentLimitHits } from '../../transcripts/limit-hits.ts';
import { loadTranscriptUsage } from '../../transcripts/load-transcript-usage.ts';
import {
  evaluateAccount,
  type LimitEvent,
  type OfficialObservation,
  type PlanId,
  type UsagePoint,
} from '../../usage/evaluate-account.ts';
import { modelRates, rowCost } from '../../usage/row-costs.ts';

/**
 * `takt watch --offline`: this machine's transcripts and the status line's kept
 * rate_limits (TAKT_HOME/rate-limits.json) evaluated by the same limits domain the server
 * uses, as one account ("this machine"). Hit lines in the transcripts are limit events.
 */
export async function offlineAccount(q: {
  env: NodeJS.ProcessEnv;
  home: string;
  dirs?: readonly string[];
  plan: PlanId;
  now: number;
}): Promise<EvaluatedAccount> {
  const since = q.now - LOOKBACK_MS;
  const loaded = await loadTranscriptUsage({ env: q.env, home: q.home, ...(q.dirs ? { dirs: q.dirs } : {}) });
  const table = loaded.index.table;
  const prices = loadPriceTable(q.home);
  const rates = modelRates(table, prices);
  const c = table.columns;
  const points = new Map<string, UsagePoint>();
  for (let row = 0; row < table.count; row++) {
    const at = c.timestampMs[row] as number;
    if (at < since || !table.isLive(row)) continue;
    const model = table.models.values[c.model[row] as number] ?? '';
    const minute = Math.floor(at / 60_000) * 60_000;
    const key = `${minute}\u0000${model}`;
    let p = points.get(key);
    if (!p) {
      p = { at: minute, model, usd: 0, tokens: 0 };
      points.set(key, p);
    }
    const usd = rowCost(rates, c, row);
    p.usd += Number.isNaN(usd) ? 0 : usd;
    p.tokens +=
      (c.input[row] as number) +
      (c.output[row] as number) +
      (c.cacheWrite5m[row] as number) +
      (c.cacheWrite1h[row] as number);
  }
  const events: LimitEvent[] = recentLimitHits(loaded.projectDirs, since).map((h) => ({
    at: h.at,
    kind: 'hit_limit',
    // A 429 that names no window (an API key's rate limit) is taken as the 5-hour window's.
    window: (h.window ?? 'five_hour') as LimitEvent['window'],
    resetsAt: h.resetsAt,
    source: 'transcript',
  }));
  const usage = [...points.values()].sort((a, b) => a.at - b.at);
  const evaluation = evaluateAccount({
    now: q.now,
    settings: { plan: q.plan, unit: 'usd', weeklyReset: DEFAULT_WEEKLY_RESET, monthStartDay: 1, seat: null },
    usage,
    officials: keptRateLimits(q.home),
    events,
    usageSince: since,
  });
  return {
    account: localAccountRow(q.now, q.plan),
    // Points without costs: `takt watch --offline` shows no money per window.
    usage,
    settings: evaluationSettings(q.plan),
    defaultWeeklyReset: true,
    evaluation,
  };
}

/** The status line's kept rate_limits, as official observations (captured when the status line last saw them change). */
function keptRateLimits(home: string): OfficialObservation[] {
  let kept: { captured_at?: string; five_hour?: unknown; seven_day?: unknown };
  try {
    kept = JSON.parse(readFileSync(join(home, 'rate-limits.json'), 'utf8')) as typeof kept;
  } catch {
    return [];
  }
  const at = readTime(kept.captured_at);
  if (at === undefined) return [];
  const out: OfficialObservation[] = [];
  for (const window of ['five_hour', 'seven_day', 'spend_limit'] as const) {
    const w = (kept as Record<string, unknown>)[window] as
      | { used_percentage?: unknown; resets_at?: unknown }
      | null
      | undefined;
    if (!w || typeof w.used_percentage !== 'number') continue;
    out.push({
      at,
      window,
      utilization: w.used_percentage,
      resetsAt: readTime(w.resets_at) ?? null,
      source: 'statusline',
      ...(window === 'spend_limit' ? { spend: spendFiguresOf(w) } : {}),
    });
  }
  return out;
}

function evaluationSettings(plan: PlanId) {
  return { plan, unit: 'usd' as const, weeklyReset: DEFAULT_WEEKLY_RESET, monthStartDay: 1, seat: null };
}

function localAccountRow(now: number, plan: PlanId): AccountRow {
  return {
    id: 'local',
    user_id: 'local',
    account_key: 'local',
    account_uuid: null,
    organization_id: null,
    email: null,
    first_seen_at: now,
    last_seen_at: now,
    label: 'this machine',
    plan,
    unit: 'usd',
    limits: null,
    weekly_reset: null,
    month_start_day: 1,
    team_seat: false,
    per_seat_cap: null,
  };
}
