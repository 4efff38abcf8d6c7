import { type Forecast, forecastWindow } from './forecast.ts';
import type { OfficialObservation, SpendFigures, WindowBounds, WindowSource } from './limit-types.ts';
import type { UsageSeries } from './usage-series.ts';
import type { Utilization } from './utilization.ts';

/** evaluate-account's WindowEvaluation of the spend_limit window (declared here: no import cycle). */
export interface SpendLimitEvaluation extends Utilization {
  kind: 'spend_limit';
  window_start: number;
  resets_at: number;
  window_source: WindowSource;
  extrapolated: boolean;
  active: boolean;
  note: string;
  forecast: Forecast;
  spend: SpendFigures;
}

/**
 * The `spend_limit` window (docs/limits.md, "Spend limits"): a budget in dollars, not a plan
 * capacity, so no calibration and no plan default. Its figure is the latest official reading
 * as sent — the status line's `rate_limits.spend_limit` or the OAuth answer's `extra_usage` —
 * and may pass 100 %. It is not extended by takt's usage since the reading: the gateway bills
 * at contracted prices and extra usage drains only once the plan's windows are exhausted, so
 * list-price usage would be a guess. A reading whose reset has passed says the period rolled
 * over: 0 % until the next reading. Without a reset time (extra_usage) the period is the
 * calendar month (UTC). The forecast runs the account's list-price burn rate against the
 * dollar limit, labelled by the window's source like every other.
 */
export function spendLimitWindow(input: {
  now: number;
  officials: readonly OfficialObservation[];
  series: UsageSeries;
}): SpendLimitEvaluation | null {
  const { now } = input;
  let latest: OfficialObservation | undefined;
  for (const o of input.officials)
    if (o.window === 'spend_limit' && o.at <= now && (latest === undefined || o.at >= latest.at)) latest = o;
  if (latest === undefined) return null;
  const spend = latest.spend ?? { usedUsd: null, limitUsd: null, period: null };
  const monthly = calendarMonth(latest.at);
  const end = latest.resetsAt ?? monthly.end;
  const rolledOver = end <= now;
  const bounds: WindowBounds = {
    kind: 'spend_limit',
    start: latest.resetsAt === null ? monthly.start : previousPeriodStart(end, spend.period),
    end: rolledOver ? nextPeriodEnd(end, spend.period) : end,
    source: latest.resetsAt === null ? 'estimated' : 'official',
    extrapolated: rolledOver,
    active: true,
    note: rolledOver
      ? 'the spend period reset after the last reading: 0 % until the next one'
      : latest.resetsAt === null
        ? 'extra usage is billed per calendar month: resets at the start of the next month (UTC)'
        : 'reset time as Claude Code reported it',
  };
  const utilization = rolledOver ? 0 : latest.utilization;
  const usedUsd = rolledOver ? 0 : (spend.usedUsd ?? 0);
  const limit = spend.limitUsd;
  const expected = ((now - bounds.start) / (bounds.end - bounds.start)) * 100;
  return {
    kind: 'spend_limit',
    window_start: bounds.start,
    resets_at: bounds.end,
    window_source: bounds.source,
    extrapolated: bounds.extrapolated,
    active: true,
    note: bounds.note,
    used: usedUsd,
    used_usd: usedUsd,
    used_tokens: 0,
    limit,
    limit_source: limit === null ? null : 'official',
    utilization,
    source: 'official',
    as_of: latest.at,
    confidence: 'high',
    official_at: latest.at,
    official_utilization: rolledOver ? null : latest.utilization,
    limited: utilization >= 100,
    expected_pct: Math.min(100, Math.max(0, expected)),
    spend: { usedUsd: rolledOver ? 0 : spend.usedUsd, limitUsd: limit, period: spend.period ?? 'monthly' },
    forecast: forecastWindow({
      kind: 'spend_limit',
      bounds,
      now,
      unit: 'usd',
      series: input.series,
      utilization,
      limit,
      limited: utilization >= 100,
    }),
  };
}

function calendarMonth(at: number): { start: number; end: number } {
  const d = new Date(at);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

const DAY = 86_400_000;

function previousPeriodStart(end: number, period: string | null): number {
  if (period === 'weekly') return end - 7 * DAY;
  if (period === 'daily') return end - DAY;
  const d = new Date(end);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
}

function nextPeriodEnd(end: number, period: string | null): number {
  if (period === 'weekly') return end + 7 * DAY;
  if (period === 'daily') return end + DAY;
  const d = new Date(end);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
}
