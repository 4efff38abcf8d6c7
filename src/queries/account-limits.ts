import { jsonOrNull } from '../lib/json-or-null.ts';
import { spendFiguresOf } from '../official/parse-official-usage.ts';
import { classCostUsd, compileRates, RATES_PER_MODEL } from '../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import { type AccountRow, listAccounts } from '../store/accounts.ts';
import { type CapacityChangeRow, listCapacityChanges } from '../store/capacity-changes.ts';
import type { Db } from '../store/db.ts';
import { type LimitEventRow, listLimitEvents, type OfficialFigureRow } from '../store/limit-observations.ts';
import { HOUR_MS } from '../store/telemetry.ts';
import { loadSourceTotals, loadUsageRows, type UsageRow } from '../store/usage-rows.ts';
import { addListCost, addReportedCost, emptyCostSums, listCoster } from '../usage/cost-figures.ts';
import { type ChosenSources, chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';
import {
  type AccountEvaluation,
  type AccountSettings,
  evaluateAccount,
  type LimitEvent,
  type OfficialObservation,
  type UsagePoint,
  type WindowKind,
} from '../usage/evaluate-account.ts';
import type { WeeklyReset } from '../usage/limit-types.ts';
import { parsePlanId } from '../usage/plans.ts';
import { listOfficialFigures } from './official-figures.ts';
import { recentUsageRows } from './recent-usage-rows.ts';

/**
 * The read model behind /api/me/usage, /api/forecast, /api/me/pace, /stats and the
 * calibration endpoint: loads an account's usage (counted once across sources), its
 * official observations and limit events from the store, and evaluates it with the pure
 * limits domain (usage/evaluate-account.ts).
 */

/** How far back usage, observations and events are read: a month window and the weekly windows calibration measures. */
export const LOOKBACK_MS = 36 * 86_400_000;
/** The last days are read from raw records (minutes matter for 5-hour windows and burn rates); older from the hourly rollup. */
export const RAW_LOOKBACK_MS = 8 * 86_400_000;
const MINUTE = 60_000;

/** The weekly reset used while neither an official one nor a configured one is known. */
export const DEFAULT_WEEKLY_RESET: WeeklyReset = { weekday: 1, hour: 0, timeZone: 'UTC' };

export interface EvaluatedAccount {
  account: AccountRow;
  /** The account's usage points (per minute and model) the evaluation read, with their costs. */
  usage: readonly UsagePoint[];
  /**
   * Claude Code's reported cost from rows whose tokens do not count (a session's metrics beside
   * the transcripts that won its tokens): cost-only points for the windows' `cost_usd`, kept
   * apart from `usage` so that the limits and forecasts never see a minute without tokens.
   */
  reportedCostOnly?: readonly UsagePoint[];
  settings: AccountSettings;
  /** The weekly reset is the default anchor (neither set nor seen officially yet). */
  defaultWeeklyReset: boolean;
  evaluation: AccountEvaluation;
}

export function settingsOf(row: AccountRow): { settings: AccountSettings; defaultWeeklyReset: boolean } {
  const plan = parsePlanId(row.plan ?? '') ?? 'custom';
  const weekly = row.weekly_reset;
  // The store answers the parsed JSON; its keys are the window kinds PATCH accepted.
  const limits = row.limits as Partial<Record<WindowKind, number>> | null;
  return {
    settings: {
      plan,
      unit: row.unit === 'tokens' ? 'tokens' : 'usd',
      ...(limits ? { limits } : {}),
      weeklyReset: weekly
        ? { weekday: weekly.weekday, hour: weekly.hour, timeZone: weekly.time_zone }
        : DEFAULT_WEEKLY_RESET,
      monthStartDay: row.month_start_day,
      seat: row.team_seat ? (row.per_seat_cap === null ? {} : { perSeatCap: row.per_seat_cap }) : null,
    },
    defaultWeeklyReset: weekly === null,
  };
}

/** What the domain is given about a user's accounts, as read from the store. */
export interface LimitsInputs {
  /** Usage points per account id. */
  usage: Map<string, UsagePoint[]>;
  /** Cost-only points per account id (EvaluatedAccount.reportedCostOnly). */
  reportedCostOnly?: Map<string, UsagePoint[]>;
  officials: OfficialFigureRow[];
  events: LimitEventRow[];
  /** Recorded capacity changes (calibration starts afresh at the latest of each window). */
  capacityChanges?: CapacityChangeRow[];
}

/** Evaluates every account of a user (or the given ones) at `now`. */
export async function evaluateUserAccounts(
  db: Db,
  q: {
    userId: string;
    now: number;
    /** The list table: usd-unit limits and calibration are measured at list prices, whatever the contract. */
    prices: PriceTable;
    /** The prices of the answers' `list_cost_usd` (contracted ones applied); `prices` without. */
    costPrices?: PriceTable;
    accounts?: AccountRow[];
  },
): Promise<EvaluatedAccount[]> {
  const accounts = q.accounts ?? (await listAccounts(db, q.userId));
  if (accounts.length === 0) return [];
  const ids = accounts.map((a) => a.id);
  const since = q.now - LOOKBACK_MS;
  const [{ usage, reportedCostOnly }, officials, events, capacityChanges] = await Promise.all([
    usagePointsByAccount(db, q.userId, since, q.now, q.prices, q.costPrices ?? q.prices),
    listOfficialFigures(db, ids, since),
    listLimitEvents(db, ids, since),
    listCapacityChanges(db, ids),
  ]);
  const thinned = accounts.flatMap((a) =>
    thinOfficials(
      officials.filter((o) => o.account_id === a.id),
      events.filter((e) => e.account_id === a.id),
      q.now,
    ),
  );
  return evaluateWithInputs(accounts, { usage, reportedCostOnly, officials: thinned, events, capacityChanges }, q.now);
}

/**
 * One account's official figures without those the domain's answer cannot depend on. The
 * status line repeats a window's figure every minute while the percentage moves every few:
 * of a run of equal figures (same percentage, reset and source, one window) the first is a
 * calibration sample and the last the latest evidence; the ones between add no sample
 * (calibration skips a percentage equal to the last sampled in its window) and change no
 * window (their reset is the run's). They would matter only where the domain asks "what was
 * the latest evidence at instant t" for t inside the run: at a limit event, at a figure
 * without a usable reset, or at `now` — a run spanning any of those is kept whole.
 * test/limits-read-model.test.ts compares the answers with and without thinning.
 */
export function thinOfficials(
  rows: readonly OfficialFigureRow[],
  events: readonly LimitEventRow[],
  now: number,
): OfficialFigureRow[] {
  const at = (r: OfficialFigureRow) => Number(r.captured_at);
  const reset = (r: OfficialFigureRow) => (r.resets_at === null ? null : Number(r.resets_at));
  const askedAt = [now, ...events.map((e) => Number(e.at))];
  for (const r of rows) {
    const resetsAt = reset(r);
    if (resetsAt === null || resetsAt <= at(r)) askedAt.push(at(r));
  }
  askedAt.sort((a, b) => a - b);
  const askedWithin = (from: number, to: number) => {
    let lo = 0;
    let hi = askedAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((askedAt[mid] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < askedAt.length && (askedAt[lo] as number) <= to;
  };
  const same = (a: OfficialFigureRow, b: OfficialFigureRow) =>
    Number(a.utilization) === Number(b.utilization) && reset(a) === reset(b) && a.source === b.source;
  const byWindow = new Map<string, OfficialFigureRow[]>();
  for (const r of [...rows].sort((a, b) => at(a) - at(b))) {
    const list = byWindow.get(r.window);
    if (list) list.push(r);
    else byWindow.set(r.window, [r]);
  }
  const dropped = new Set<OfficialFigureRow>();
  for (const list of byWindow.values()) {
    for (let i = 1; i < list.length - 1; i++) {
      const prev = list[i - 1] as OfficialFigureRow;
      const cur = list[i] as OfficialFigureRow;
      const next = list[i + 1] as OfficialFigureRow;
      if (
        same(prev, cur) &&
        same(cur, next) &&
        at(prev) < at(cur) &&
        at(cur) < at(next) &&
        !askedWithin(at(prev), at(next))
      )
        dropped.add(cur);
    }
  }
  return rows.filter((r) => !dropped.has(r));
}

/** The domain's evaluation of each account from what was read (pure). */
export function evaluateWithInputs(accounts: AccountRow[], inputs: LimitsInputs, now: number): EvaluatedAccount[] {
  return accounts.map((account) => {
    const { settings, defaultWeeklyReset } = settingsOf(account);
    const usage = inputs.usage.get(account.id) ?? [];
    const evaluation = evaluateAccount({
      now,
      settings,
      usage,
      officials: inputs.officials.filter((o) => o.account_id === account.id).map(officialOf),
      events: inputs.events.filter((e) => e.account_id === account.id).map(limitEventOf),
      usageSince: now - LOOKBACK_MS,
      capacityChangedAt: latestChanges(inputs.capacityChanges ?? [], account.id, settings.unit),
    });
    const reportedCostOnly = inputs.reportedCostOnly?.get(account.id) ?? [];
    return { account, usage, reportedCostOnly, settings, defaultWeeklyReset, evaluation };
  });
}

/** Per window, the start of the latest change recorded for this account in its unit. */
function latestChanges(
  changes: readonly CapacityChangeRow[],
  accountId: string,
  unit: string,
): Partial<Record<WindowKind, number>> {
  const out: Partial<Record<WindowKind, number>> = {};
  for (const c of changes) {
    if (c.account_id !== accountId || c.unit !== unit) continue;
    const kind = c.window as WindowKind;
    out[kind] = Math.max(out[kind] ?? Number.NEGATIVE_INFINITY, c.since);
  }
  return out;
}

export function officialOf(o: OfficialFigureRow): OfficialObservation {
  const out: OfficialObservation = {
    at: Number(o.captured_at),
    window: o.window as WindowKind,
    utilization: Number(o.utilization),
    resetsAt: o.resets_at === null ? null : Number(o.resets_at),
    source: o.source as OfficialObservation['source'],
  };
  if (o.window === 'spend_limit' && o.raw !== undefined) out.spend = spendFiguresOf(jsonOrNull(o.raw));
  return out;
}

export function limitEventOf(e: LimitEventRow): LimitEvent {
  return {
    at: Number(e.at),
    kind: e.kind,
    window: e.window as WindowKind,
    resetsAt: e.resets_at === null ? null : Number(e.resets_at),
    source: e.source,
  };
}

/**
 * The user's usage since `from`, counted once across sources, per account as points per
 * minute and model: `usd` is the API-price equivalent from takt's price table (standard
 * rates: long-context pricing is per request and sums cannot tell; an unpriced model adds
 * 0), `tokens` is input + output + cache writes.
 */
async function usagePointsByAccount(
  db: Db,
  userId: string,
  from: number,
  now: number,
  prices: PriceTable,
  costPrices: PriceTable,
): Promise<{ usage: Map<string, UsagePoint[]>; reportedCostOnly: Map<string, UsagePoint[]> }> {
  // Whole hours before the raw boundary from the hourly rollup; from it on, raw records (the
  // rows, in the order, loadUsageRows with rawFrom reads), kept per hour between requests.
  const rawFrom = Math.floor((now - RAW_LOOKBACK_MS) / HOUR_MS) * HOUR_MS;
  const rows =
    rawFrom > from
      ? [
          ...(await loadUsageRows(db, { userId, from, to: rawFrom })),
          ...(await recentUsageRows(db, userId, rawFrom, now + 1)),
        ]
      : await loadUsageRows(db, { userId, from, to: now + 1, rawFrom: now - RAW_LOOKBACK_MS });
  const chosen = chooseSources(await loadSourceTotals(db, userId, [...new Set(rows.map((r) => r.session_id))]));
  return {
    usage: usagePoints(rows, chosen, prices, costPrices),
    reportedCostOnly: reportedCostOnlyPoints(rows, chosen),
  };
}

/**
 * The rows that bring Claude Code's reported cost though their tokens do not count (count-once.ts:
 * the cost is chosen apart from the tokens), as cost-only points per account, minute and model.
 */
export function reportedCostOnlyPoints(rows: readonly UsageRow[], chosen: ChosenSources): Map<string, UsagePoint[]> {
  const out: PointsByAccount = new Map();
  for (const r of rows) {
    if (isCounted(chosen, r) || !countsReportedCost(chosen, r)) continue;
    addReportedCost(pointOf(out, r).cost as NonNullable<UsagePoint['cost']>, r);
  }
  return sortedPoints(out);
}

/** Usage rows, counted once under the chosen sources, as points per account, minute and model. */
export function usagePoints(
  rows: readonly UsageRow[],
  chosen: ChosenSources,
  prices: PriceTable,
  costPrices: PriceTable = prices,
): Map<string, UsagePoint[]> {
  const listCost = listCoster(costPrices);
  const models = [...new Set(rows.map((r) => r.model))];
  const rates = compileRates(models.map((m) => resolveModelPrice(prices, m)?.price));
  const modelIndex = new Map(models.map((m, i) => [m, i]));
  const points: PointsByAccount = new Map();
  for (const r of rows) {
    if (!isCounted(chosen, r)) continue;
    const p = pointOf(points, r);
    const write1h = Math.min(r.cache_creation_1h_tokens, r.cache_creation_tokens);
    const usd = classCostUsd(
      rates,
      (modelIndex.get(r.model) ?? 0) * RATES_PER_MODEL,
      false,
      false,
      r.input_tokens,
      r.output_tokens,
      r.cache_creation_tokens - write1h,
      write1h,
      r.cache_read_tokens,
    );
    p.usd += Number.isFinite(usd) ? usd : 0;
    if (p.cost) {
      addListCost(p.cost, listCost(r, false));
      if (countsReportedCost(chosen, r)) addReportedCost(p.cost, r);
    }
    p.tokens += r.input_tokens + r.output_tokens + r.cache_creation_tokens;
  }
  return sortedPoints(points);
}

type PointsByAccount = Map<string, Map<string, UsagePoint>>;

/** The point of a row's account, minute and model, made empty at its first row. */
function pointOf(points: PointsByAccount, r: UsageRow): UsagePoint {
  const at = Math.floor(r.at / MINUTE) * MINUTE;
  const key = `${at}\u0000${r.model}`;
  let byKey = points.get(r.account_id);
  if (!byKey) {
    byKey = new Map();
    points.set(r.account_id, byKey);
  }
  let p = byKey.get(key);
  if (!p) {
    p = { at, model: r.model, usd: 0, tokens: 0, cost: emptyCostSums() };
    byKey.set(key, p);
  }
  return p;
}

/** Each account's points in time order. */
function sortedPoints(points: PointsByAccount): Map<string, UsagePoint[]> {
  return new Map([...points.entries()].map(([id, m]) => [id, [...m.values()].sort((a, b) => a.at - b.at)]));
}
