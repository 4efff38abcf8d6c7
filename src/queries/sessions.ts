import { addUsage, emptyUsage, type UsageCounts } from '../lib/usage-counts.ts';
import { loadShippedPriceTable, type PriceTable } from '../pricing/price-table.ts';
import { listAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { listMachines } from '../store/machines.ts';
import { loadLastRequest, loadSessionParts } from '../store/session-activity.ts';
import { loadSessionProjects } from '../store/session-projects.ts';
import { loadSourceTotals } from '../store/usage-rows.ts';
import {
  addListCost,
  addReportedCost,
  type CostFigures,
  type CostSums,
  costFigures,
  emptyCostSums,
  listCoster,
} from '../usage/cost-figures.ts';
import { chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';
import { accountLabel } from './limits-view.ts';
import { type TrackingStatus, trackingStatus } from './machines.ts';
import { unpricedField, unpricedModel } from './unpriced-model.ts';

const STANDARD_CONTEXT = 200_000;
const LONG_CONTEXT = 1_000_000;

/**
 * The context window a request ran in. Claude Code names the 1M-token variants with a
 * `[1m]` suffix (`claude-sonnet-4-5[1m]`) and some exporters spell it `-1m` or
 * `context-1m`; anything else is the standard 200,000 tokens — unless the request itself
 * held more than that, which only a long-context window can.
 */
export function contextWindowOf(model: string, tokensInContext: number): { size: number; rule: string } {
  if (/\[1m\]|(^|[-_])(context-)?1m($|[-_\]])/i.test(model)) return { size: LONG_CONTEXT, rule: 'model_name' };
  if (tokensInContext > STANDARD_CONTEXT) return { size: LONG_CONTEXT, rule: 'over_200k' };
  return { size: STANDARD_CONTEXT, rule: 'standard' };
}

/**
 * A project's name from a working directory: its last two parts (`/home/me/src/takt` →
 * `src/takt`), which tell apart most checkouts and still fit a table cell. Windows paths too.
 */
export function projectName(cwd: string): string {
  const parts = cwd.split(/[\\/]+/).filter((p) => p && !/^[A-Za-z]:$/.test(p));
  return parts.slice(-2).join('/') || cwd;
}

export interface SessionView extends Omit<UsageCounts, 'cost_usd'>, CostFigures {
  /** Models with tokens but no price, left out of `list_cost_usd` (issue 19.5); absent when none. */
  unpriced_models?: string[];
  session_id: string;
  /** The project's name (projectName of `cwd`), or null when no transcript upload named the directory. */
  project: string | null;
  cwd: string | null;
  started_at: string;
  last_activity_at: string;
  duration_seconds: number;
  status: TrackingStatus;
  machines: string[];
  accounts: { id: string; label: string }[];
  models: string[];
  tokens: number;
  context: {
    model: string;
    at: string;
    used_tokens: number;
    window_tokens: number;
    utilization: number;
    window_rule: string;
  } | null;
}

/**
 * GET /api/me/sessions: sessions with records since `since`, newest activity first,
 * counted once per (session, model) like every report; context-window use for the ones
 * still active or recent (the last request's input + cache reads + cache writes).
 */
export async function recentSessions(
  db: Db,
  q: { userId: string; since: number; now: number; limit: number; prices?: PriceTable },
): Promise<SessionView[]> {
  // Parts are sums per session, model, source, machine and account: standard rates (cost-figures.ts).
  const listCost = listCoster(q.prices ?? loadShippedPriceTable());
  const parts = await loadSessionParts(db, q);
  const chosen = chooseSources(await loadSourceTotals(db, q.userId, [...new Set(parts.map((p) => p.session_id))]));
  const hosts = new Map((await listMachines(db, q.userId)).map((m) => [m.id, m.host_name || '(unknown)']));
  const accounts = new Map((await listAccounts(db, q.userId)).map((a) => [a.id, accountLabel(a)]));
  const sessions = new Map<
    string,
    {
      first: number;
      last: number;
      machines: Set<string>;
      accounts: Set<string>;
      models: Set<string>;
      t: UsageCounts;
      c: CostSums;
      unpriced: Set<string>;
    }
  >();
  for (const p of parts) {
    let s = sessions.get(p.session_id);
    if (!s) {
      s = {
        first: p.first_at,
        last: p.last_at,
        machines: new Set(),
        accounts: new Set(),
        models: new Set(),
        t: emptyUsage(),
        c: emptyCostSums(),
        unpriced: new Set(),
      };
      sessions.set(p.session_id, s);
    }
    s.first = Math.min(s.first, p.first_at);
    s.last = Math.max(s.last, p.last_at);
    if (p.machine_id) s.machines.add(p.machine_id);
    if (p.account_id) s.accounts.add(p.account_id);
    if (p.model) s.models.add(p.model);
    if (isCounted(chosen, p)) {
      addUsage(s.t, p);
      const list = listCost(p, false);
      addListCost(s.c, list);
      const unpriced = unpricedModel(p, list);
      if (unpriced !== undefined) s.unpriced.add(unpriced);
    }
    // Also when the tokens count from transcripts: the metrics' cost is Claude Code's.
    if (countsReportedCost(chosen, p)) addReportedCost(s.c, p);
  }
  const newest = [...sessions.entries()].sort(([, a], [, b]) => b.last - a.last).slice(0, q.limit);
  const cwds = await loadSessionProjects(
    db,
    q.userId,
    newest.map(([id]) => id),
  );
  const out: SessionView[] = [];
  for (const [id, s] of newest) {
    const status = trackingStatus(s.last, q.now);
    const last =
      status === 'stale'
        ? undefined
        : await loadLastRequest(db, { userId: q.userId, sessionId: id, since: s.last - 60 * 60_000 });
    const inContext = last ? last.input_tokens + last.cache_read_tokens + last.cache_creation_tokens : 0;
    const window = last ? contextWindowOf(last.model, inContext) : undefined;
    const cwd = cwds.get(id) ?? null;
    out.push({
      session_id: id,
      project: cwd === null ? null : projectName(cwd),
      cwd,
      started_at: new Date(s.first).toISOString(),
      last_activity_at: new Date(s.last).toISOString(),
      duration_seconds: Math.round((s.last - s.first) / 1000),
      status,
      machines: [...s.machines].map((m) => hosts.get(m) ?? '(unknown)').sort(),
      accounts: [...s.accounts].map((a) => ({ id: a, label: accounts.get(a) ?? a })),
      models: [...s.models].sort(),
      tokens: s.t.input_tokens + s.t.output_tokens + s.t.cache_read_tokens + s.t.cache_creation_tokens,
      ...s.t,
      ...costFigures(s.c),
      // As in /api/usage: only when some model had no price (left out of list_cost_usd).
      ...unpricedField(s.unpriced),
      context:
        last && window
          ? {
              model: last.model,
              at: new Date(last.ts).toISOString(),
              used_tokens: inContext,
              window_tokens: window.size,
              utilization: Math.round((inContext / window.size) * 10_000) / 100,
              window_rule: window.rule,
            }
          : null,
    });
  }
  return out;
}
