import type { TOKEN_FIELDS } from '../lib/usage-counts.ts';
import { classCostUsd, compileRates, RATES_PER_MODEL } from '../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import { type AccountRow, listAllAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { listAllMachinesWithUsers } from '../store/machines.ts';
import type { UsageSource } from '../store/schema.ts';
import { loadUsageTotals, type SourceTotal, type UsageTotalRow } from '../store/usage-rows.ts';
import { listUsers } from '../store/users.ts';
import { chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';
import type { Unit, UtilizationSource, Verdict, WindowKind } from '../usage/limit-types.ts';
import { evaluateUserAccounts } from './account-limits.ts';
import { accountLabel } from './limits-view.ts';

/**
 * The read model behind GET /metrics' per-account and per-machine families (docs/operations.md,
 * "Limits as Prometheus metrics"): every account's windows as the limits endpoints evaluate
 * them (queries/account-limits.ts: the same answers as /api/me/usage), its tokens and costs
 * over its whole history counted once across sources, and every machine's last data time.
 *
 * Evaluating one user takes tens to hundreds of milliseconds (docs/benchmarks.md, "Metrics
 * scrape"), so each user's figures are kept between refreshes and computed again only when they
 * may have changed: the user's data changed (`markChanged`, fed by the change seam on every
 * replica), a window of theirs reset, their accounts' settings differ, or they are older than
 * MAX_AGE_MS (forecasts move with the clock). `refresh` computes every user due, one at a time,
 * and reads every machine: it is run off the request path (server/limits-metrics-thread.ts runs
 * it in a worker thread with its own connection and its own read-model caches), and a scrape
 * serves the last complete refresh (server/latest-exposition.ts).
 */

/** Figures older than this are computed again (forecasts and verdicts move with time). */
export const MAX_AGE_MS = 5 * 60_000;

export type TokenType = 'input' | 'output' | 'cache_read' | 'cache_creation';
export const tokenTypes: readonly TokenType[] = ['input', 'output', 'cache_read', 'cache_creation'];
const TYPE_FIELD: Record<TokenType, (typeof TOKEN_FIELDS)[number]> = {
  input: 'input_tokens',
  output: 'output_tokens',
  cache_read: 'cache_read_tokens',
  cache_creation: 'cache_creation_tokens',
};

export interface WindowMetrics {
  window: WindowKind;
  /** Percent; null when no figure is known (then the series is absent). */
  utilization: number | null;
  source: UtilizationSource;
  resetsAt: number;
  /** In the account's unit; null when unknown. */
  capacity: number | null;
  hitsCapAt: number | null;
  verdict: Verdict;
}

export interface AccountMetrics {
  account: string;
  label: string;
  plan: string;
  user: string;
  unit: Unit;
  /** Only the windows that apply: one that does not is absent. */
  windows: WindowMetrics[];
  tokens: { model: string; type: TokenType; source: UsageSource; value: number }[];
  costReportedUsd: number;
  costListUsd: number;
}

export interface MachineMetrics {
  machine: string;
  user: string;
  lastSeenAt: number;
}

export interface MetricsSnapshot {
  accounts: AccountMetrics[];
  machines: MachineMetrics[];
  /** When the refresh that produced this snapshot began (Unix ms): the users, accounts and machines were read then. */
  refreshedAt: number;
}

interface CachedUser {
  at: number;
  /** The earliest reset among the user's windows: the figures are recomputed from then on. */
  nextReset: number;
  /** The accounts (ids and settings) the figures were computed for. */
  accountsKey: string;
  accounts: AccountMetrics[];
}

export class LimitsMetrics {
  readonly #db: Db;
  readonly #prices: () => PriceTable;
  readonly #clock: () => number;
  readonly #users = new Map<string, CachedUser>();
  readonly #changed = new Set<string>();

  constructor(db: Db, prices: () => PriceTable, clock: () => number = Date.now) {
    this.#db = db;
    this.#prices = prices;
    this.#clock = clock;
  }

  /** A user's data changed (usage, official figures, limit events): their figures are computed again. */
  markChanged(userId: string): void {
    this.#changed.add(userId);
  }

  /** Changes may have been lost (a replica's LISTEN connection dropped): everyone is computed again. */
  markAllChanged(): void {
    for (const id of this.#users.keys()) this.#changed.add(id);
  }

  /**
   * Computes every user due and answers every account's and machine's figures. One refresh at a
   * time (the caller's concern): users are computed one after another, yielding between them.
   */
  async refresh(): Promise<MetricsSnapshot> {
    const refreshedAt = this.#clock();
    const [users, accounts, machines] = await Promise.all([
      listUsers(this.#db),
      listAllAccounts(this.#db),
      listAllMachinesWithUsers(this.#db),
    ]);
    const emails = new Map(users.map((u) => [u.id, u.email]));
    const byUser = new Map<string, AccountRow[]>();
    for (const a of accounts) {
      const list = byUser.get(a.user_id);
      if (list) list.push(a);
      else byUser.set(a.user_id, [a]);
    }
    for (const id of this.#users.keys()) if (!byUser.has(id)) this.#users.delete(id);

    for (const [userId, rows] of byUser) {
      const cached = this.#users.get(userId);
      const now = this.#clock();
      const due =
        !cached ||
        this.#changed.has(userId) ||
        cached.accountsKey !== accountsKeyOf(rows) ||
        now >= cached.nextReset ||
        now - cached.at >= MAX_AGE_MS;
      if (!due) continue;
      try {
        await this.#refreshUser(userId, emails.get(userId) ?? '', rows, now);
      } catch {
        // Kept as they were (a never-computed user stays missing); the next refresh tries again.
        this.#changed.add(userId);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return {
      accounts: [...byUser.keys()].flatMap((id) => this.#users.get(id)?.accounts ?? []),
      machines: machines.map((m) => ({
        machine: m.host_name || '(unknown)',
        user: m.email,
        lastSeenAt: m.last_seen_at,
      })),
      refreshedAt,
    };
  }

  async #refreshUser(userId: string, email: string, rows: AccountRow[], now: number): Promise<void> {
    // Taken off before reading: a change committed while this runs marks the user again.
    this.#changed.delete(userId);
    const prices = this.#prices();
    const [evaluated, totals] = await Promise.all([
      evaluateUserAccounts(this.#db, { userId, now, prices, accounts: rows }),
      loadUsageTotals(this.#db, userId),
    ]);
    const usage = usageByAccount(totals, prices);
    let nextReset = Number.POSITIVE_INFINITY;
    const accounts = evaluated.map((e): AccountMetrics => {
      const windows = Object.values(e.evaluation.windows).map((w): WindowMetrics => {
        nextReset = Math.min(nextReset, w.resets_at);
        return {
          window: w.kind,
          utilization: w.utilization,
          source: w.source,
          resetsAt: w.resets_at,
          capacity: w.limit,
          hitsCapAt: w.forecast.hits_cap_at,
          verdict: w.forecast.verdict,
        };
      });
      const u = usage.get(e.account.id);
      return {
        account: e.account.account_uuid ?? e.account.account_key,
        label: accountLabel(e.account),
        plan: e.account.plan ?? '',
        user: email,
        unit: e.evaluation.unit,
        windows,
        tokens: u?.tokens ?? [],
        costReportedUsd: u?.reported ?? 0,
        costListUsd: u?.list ?? 0,
      };
    });
    this.#users.set(userId, { at: now, nextReset, accountsKey: accountsKeyOf(rows), accounts });
  }
}

/** The accounts' identity and settings: a PATCH of a plan or a limit computes the user again. */
function accountsKeyOf(rows: readonly AccountRow[]): string {
  return JSON.stringify(
    rows.map((a) => [
      a.id,
      a.account_uuid,
      a.label,
      a.plan,
      a.unit,
      a.limits,
      a.weekly_reset,
      a.month_start_day,
      a.team_seat,
      a.per_seat_cap,
    ]),
  );
}

interface AccountUsage {
  tokens: AccountMetrics['tokens'];
  reported: number;
  list: number;
}

/**
 * A user's history per account, counted once (usage/count-once.ts): per (session, model) the
 * source family with the larger total over the session's life, as every report counts. `list`
 * is the API-price equivalent from takt's price table (standard rates: long-context pricing is
 * per request and sums cannot tell; an unpriced model adds 0).
 */
export function usageByAccount(totals: readonly UsageTotalRow[], prices: PriceTable): Map<string, AccountUsage> {
  const weights = new Map<string, SourceTotal>();
  for (const t of totals) {
    const key = `${t.session_id}\u0000${t.model}\u0000${t.source}`;
    const w = weights.get(key) ?? { session_id: t.session_id, model: t.model, source: t.source, weight: 0, cost: 0 };
    w.weight += t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_creation_tokens + t.cost_usd;
    w.cost += t.cost_usd;
    weights.set(key, w);
  }
  const chosen = chooseSources([...weights.values()]);
  const models = [...new Set(totals.map((t) => t.model))];
  const rates = compileRates(models.map((m) => resolveModelPrice(prices, m)?.price));
  const modelIndex = new Map(models.map((m, i) => [m, i]));
  const out = new Map<string, { sums: Map<string, number>; reported: number; list: number }>();
  for (const t of totals) {
    const counted = isCounted(chosen, t);
    // `reported` is Claude Code's own figure only (the stored cost of transcripts and manual
    // entries is takt's list price): the events' or the metrics' cost, chosen apart from the tokens.
    const reported = countsReportedCost(chosen, t);
    if (!counted && !reported) continue;
    let a = out.get(t.account_id);
    if (!a) {
      a = { sums: new Map(), reported: 0, list: 0 };
      out.set(t.account_id, a);
    }
    if (reported) a.reported += t.cost_usd;
    if (!counted) continue;
    for (const type of tokenTypes) {
      const key = `${t.model}\u0000${type}\u0000${t.source}`;
      a.sums.set(key, (a.sums.get(key) ?? 0) + t[TYPE_FIELD[type]]);
    }
    const write1h = Math.min(t.cache_creation_1h_tokens, t.cache_creation_tokens);
    const list = classCostUsd(
      rates,
      (modelIndex.get(t.model) ?? 0) * RATES_PER_MODEL,
      false,
      false,
      t.input_tokens,
      t.output_tokens,
      t.cache_creation_tokens - write1h,
      write1h,
      t.cache_read_tokens,
    );
    a.list += Number.isFinite(list) ? list : 0;
  }
  return new Map(
    [...out].map(([id, a]) => [
      id,
      {
        tokens: [...a.sums].map(([key, value]) => {
          const [model, type, source] = key.split('\u0000') as [string, TokenType, UsageSource];
          return { model, type, source, value };
        }),
        reported: a.reported,
        list: a.list,
      },
    ]),
  );
}
