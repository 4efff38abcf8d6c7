import { addCostSums, type CostFigures, costFigures, emptyCostSums } from '../usage/cost-figures.ts';
import type { CalibrationSummary, WindowEvaluation, WindowKind } from '../usage/evaluate-account.ts';
import { type Pace, recommendAccount } from '../usage/pace.ts';
import { inDisplayOrder, planLabel, windowLabel, windowOrder } from '../usage/plans.ts';
import { usageForWindow } from '../usage/usage-series.ts';
import type { EvaluatedAccount } from './account-limits.ts';
import type { UnlinkedUsageView } from './unlinked-usage.ts';

/**
 * The JSON answers of the limits endpoints (docs/api.md, "Limits"), from evaluated
 * accounts: instants as ISO 8601, amounts rounded for people (dollars to the cent's
 * hundredth, percentages to a hundredth), names as the contract keeps them.
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (n: number | null, places: number) => (n === null ? null : Math.round(n * 10 ** places) / 10 ** places);

export function accountLabel(a: EvaluatedAccount['account']): string {
  return a.label ?? a.email ?? a.account_uuid ?? a.organization_id ?? a.account_key;
}

/**
 * Both costs of the usage in a window so far (docs/api.md, "Two costs"): the points of the
 * window's models from its start; null for a window without a start.
 */
function windowCosts(e: EvaluatedAccount, w: WindowEvaluation): CostFigures {
  const start = w.window_start;
  if (start === null) return { cost_usd: null, list_cost_usd: null };
  const sums = emptyCostSums();
  for (const points of [e.usage, e.reportedCostOnly ?? []]) {
    for (const p of usageForWindow(points, w.kind)) {
      if (p.at >= start && (w.resets_at === null || p.at < w.resets_at) && p.cost) addCostSums(sums, p.cost);
    }
  }
  return costFigures(sums);
}

function windowView(e: EvaluatedAccount, w: WindowEvaluation) {
  const money = e.evaluation.unit === 'usd' || w.spend !== undefined;
  return {
    label: windowLabel(w.kind),
    order: windowOrder(w.kind),
    applies: true,
    window_start: iso(w.window_start),
    resets_at: iso(w.resets_at),
    window_source: w.window_source,
    window_note:
      e.defaultWeeklyReset && w.window_source === 'configured' && w.kind.startsWith('seven_day')
        ? 'weekly reset not known yet: the default anchor (Monday 00:00 UTC) until an official figure or your setting (PATCH /api/accounts/{id} weekly_reset)'
        : w.note,
    extrapolated: w.extrapolated,
    active: w.active,
    unit: w.spend !== undefined ? 'usd' : e.evaluation.unit,
    used: round(w.used, money ? 4 : 0),
    used_usd: round(w.used_usd, 4),
    used_tokens: Math.round(w.used_tokens),
    ...windowCosts(e, w),
    limit: round(w.limit, money ? 4 : 0),
    limit_source: w.limit_source,
    utilization: round(w.utilization, 2),
    source: w.source,
    as_of: iso(w.as_of),
    confidence: w.confidence,
    official_at: iso(w.official_at),
    official_utilization: w.official_utilization,
    limited: w.limited,
    expected_pct: round(w.expected_pct, 2),
    // A spend limit (docs/limits.md, "Spend limits"): dollars as the reading sent them.
    ...(w.spend !== undefined ? { limit_usd: round(w.spend.limitUsd, 4), period: w.spend.period } : {}),
  };
}

function forecastView(w: WindowEvaluation) {
  const f = w.forecast;
  return {
    utilization: round(w.utilization, 2),
    burn_rate_pct_per_hour: round(f.burn_rate_pct_per_hour, 2),
    burn_rate_per_hour: round(f.burn_rate_per_hour, 4),
    hits_cap_at: iso(f.hits_cap_at),
    // docs/api.md, "Forecast": idle five-hour windows give no time, only work minutes if resumed.
    basis: f.basis,
    hits_cap_at_p10: iso(f.hits_cap_at_p10),
    hits_cap_at_p90: iso(f.hits_cap_at_p90),
    band_source: f.band_source,
    last_used_at: iso(f.last_used_at),
    if_resumed: f.if_resumed,
    resets_at: iso(f.resets_at),
    resets_first: f.resets_first,
    projected_pct_at_reset: round(f.projected_pct_at_reset, 2),
    verdict: f.verdict,
  };
}

function accountHead(e: EvaluatedAccount) {
  return { id: e.account.id, uuid: e.account.account_uuid, label: accountLabel(e.account) };
}

function mapWindows<T>(e: EvaluatedAccount, f: (w: WindowEvaluation) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(e.evaluation.windows).map(([k, w]) => [k, f(w)]));
}

/** Every window, in display order; one that does not exist for the account says why, with no figure. */
function allWindows<T>(e: EvaluatedAccount, f: (w: WindowEvaluation) => T) {
  const absent = e.evaluation.notApplicable;
  const applying = mapWindows(e, f);
  return Object.fromEntries(
    inDisplayOrder([...Object.keys(applying), ...Object.keys(absent)]).map((k) => [
      k,
      k in applying
        ? applying[k]
        : { label: windowLabel(k), order: windowOrder(k), applies: false as const, reason: absent[k as WindowKind] },
    ]),
  );
}

/**
 * GET /api/me/usage: every account with its windows, utilisation, limits and forecast, and the
 * usage not yet linked to an account (null when none: queries/unlinked-usage.ts).
 */
export function meUsageView(accounts: EvaluatedAccount[], now: number, unlinked: UnlinkedUsageView | null = null) {
  return {
    as_of: iso(now),
    unlinked,
    accounts: accounts.map((e) => ({
      ...accountHead(e),
      email: e.account.email,
      organization_id: e.account.organization_id,
      plan: e.account.plan,
      plan_label: e.account.plan === null ? null : planLabel(e.account.plan),
      unit: e.evaluation.unit,
      team_seat: e.account.team_seat,
      windows: allWindows(e, (w) => ({ ...windowView(e, w), forecast: forecastView(w) })),
    })),
  };
}

/** GET /api/forecast: per account and window, when the cap comes at the recent burn rate. */
export function forecastsView(accounts: EvaluatedAccount[], now: number) {
  return {
    as_of: iso(now),
    accounts: accounts.map((e) => ({
      ...accountHead(e),
      windows: allWindows(e, (w) => ({
        label: windowLabel(w.kind),
        order: windowOrder(w.kind),
        applies: true,
        ...forecastView(w),
      })),
    })),
  };
}

/** GET /api/me/pace: which account to use next. */
export function paceView(accounts: EvaluatedAccount[], now: number, timeZone: string) {
  const pace: Pace = recommendAccount(
    accounts.map((e) => ({ ...accountHead(e), evaluation: e.evaluation })),
    now,
    timeZone,
  );
  return {
    as_of: iso(now),
    recommended_account: pace.recommended_account,
    reason: pace.reason,
    accounts: pace.accounts.map((a) => ({
      id: a.id,
      uuid: a.uuid,
      label: a.label,
      weekly_used_pct: round(a.weekly_used_pct, 2),
      weekly_expected_pct: round(a.weekly_expected_pct, 2),
      weekly_slack_pct: round(a.weekly_slack_pct, 2),
      weekly_resets_at: iso(a.weekly_resets_at),
      blocked: a.blocked,
      blocked_until: iso(a.blocked_until),
      blocked_by: a.blocked_by,
    })),
  };
}

function calibrationSummaryView(c: CalibrationSummary) {
  return {
    unit: c.unit,
    estimate: round(c.estimate, 4),
    spread: round(c.spread, 4),
    confidence: c.confidence,
    steadier_unit: c.steadier_unit,
    samples: c.samples.map((s) => ({
      at: iso(s.at),
      window: s.window,
      kind: s.kind,
      implied_capacity: round(s.implied_capacity, 4),
      implied_capacity_usd: round(s.implied_capacity_usd, 4),
      implied_capacity_tokens: s.implied_capacity_tokens === null ? null : Math.round(s.implied_capacity_tokens),
      utilization: s.utilization,
      source: s.source,
      status: s.status,
      reason: s.reason,
    })),
  };
}

/**
 * GET /api/accounts/{id}/calibration: the 5-hour window's calibration at the top (the
 * headline the contract names), every window kind's under `windows`, and all samples.
 */
export function calibrationView(e: EvaluatedAccount) {
  const entries = Object.entries(e.evaluation.calibration).filter(
    (kv): kv is [string, CalibrationSummary] => kv[1] !== undefined,
  );
  const windows = Object.fromEntries(entries.map(([k, c]) => [k, calibrationSummaryView(c)]));
  const head = windows.five_hour ?? {
    unit: e.evaluation.unit,
    estimate: null,
    spread: null,
    confidence: 'low',
    steadier_unit: null,
    samples: [],
  };
  return {
    account: accountHead(e),
    unit: head.unit,
    estimate: head.estimate,
    spread: head.spread,
    confidence: head.confidence,
    steadier_unit: head.steadier_unit,
    samples: Object.values(windows).flatMap((w) => w.samples),
    windows,
  };
}

/** "2h 0m remaining", as seed 001's /stats says it. */
export function remainingHuman(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h ${m}m remaining`;
}

/**
 * Seed 001's /stats, field for field: `total_tokens` is the month's (the monthly window),
 * `current_window_tokens` the 5-hour window's, both input + output + cache writes.
 */
export function statsView(e: EvaluatedAccount, now: number) {
  const five = e.evaluation.windows.five_hour;
  const month = e.evaluation.windows.monthly;
  const seconds = five ? Math.max(0, Math.round((five.resets_at - now) / 1000)) : 0;
  return {
    total_tokens: Math.round(month?.used_tokens ?? 0),
    current_window_tokens: Math.round(five?.active ? five.used_tokens : 0),
    next_reset_at: five ? iso(five.resets_at) : null,
    time_until_reset_seconds: seconds,
    time_until_reset_human: remainingHuman(seconds),
    is_within_active_window: Boolean(five?.active && five.resets_at > now),
    account: accountHead(e),
  };
}

/** Seed 001's /stats for a person without usage yet: the same six fields, zeros, no account. */
export function emptyStatsView() {
  return {
    total_tokens: 0,
    current_window_tokens: 0,
    next_reset_at: null,
    time_until_reset_seconds: 0,
    time_until_reset_human: remainingHuman(0),
    is_within_active_window: false,
    account: null,
  };
}
