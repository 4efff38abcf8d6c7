import { type Calibration, type CalibrationSample, calibrate } from './calibration.ts';
import { type Forecast, forecastWindow } from './forecast.ts';
import type {
  AccountSettings,
  LimitEvent,
  OfficialObservation,
  PlanId,
  SpendFigures,
  Unit,
  UsagePoint,
  WindowBounds,
  WindowKind,
  WindowSource,
} from './limit-types.ts';
import { anyPlanWindows, inDisplayOrder, planDefaultLimit } from './plans.ts';
import { spendLimitWindow } from './spend-limit.ts';
import { type UsageSeries, usageForWindow, usageSeries } from './usage-series.ts';
import { type Utilization, windowUtilization } from './utilization.ts';
import { whyWindowAbsent } from './window-applies.ts';
import { fiveHourWindow, monthlyWindow, periodOf, weeklyWindow, windowKinds } from './windows.ts';

/**
 * THE entry point of the limits domain: everything about one account at `now`.
 *
 *   evaluateAccount({ now, settings, usage, officials, events, calibrationHistory?, usageSince? })
 *     → { windows: { five_hour, seven_day, seven_day_<bucket>…, monthly }, calibration, rejected, … }
 *
 * Pure: no store, no clock, no files. The caller passes
 * - `usage`: the account's usage, pre-aggregated (e.g. per minute and model), covering at least
 *   the current month and every window an official observation or event falls in (calibration
 *   measures "used in that window up to the observation");
 * - `officials` and `events`: the account's official observations and limit events (the
 *   caller may drop very old ones; calibration keeps what it learnt through `calibrationHistory`);
 * - `calibrationHistory`: the samples returned by earlier evaluations, as stored. Samples not in it
 *   are new; `rejected` lists the new rejected ones, each to raise `calibration_rejected` once.
 * Instants are epoch ms; amounts are in the account's unit unless named `_usd`/`_tokens`.
 * The rules, with the why: docs/limits.md.
 */

export type { CalibrationSample } from './calibration.ts';
export type { Forecast } from './forecast.ts';
export type {
  AccountSettings,
  LimitEvent,
  OfficialObservation,
  PlanId,
  Unit,
  UsagePoint,
  WindowKind,
} from './limit-types.ts';
export type { Utilization } from './utilization.ts';

export interface EvaluateAccountInput {
  now: number;
  settings: AccountSettings;
  usage: readonly UsagePoint[];
  officials: readonly OfficialObservation[];
  events: readonly LimitEvent[];
  calibrationHistory?: readonly CalibrationSample[];
  /** Usage is complete from here on (default: all of it is): no calibration sample for windows starting earlier. */
  usageSince?: number;
  /** Per window kind, the start of the latest capacity change recorded in the account's unit: calibration starts afresh there. */
  capacityChangedAt?: Partial<Record<WindowKind, number>>;
}

export interface WindowEvaluation extends Utilization {
  kind: WindowKind;
  window_start: number;
  resets_at: number;
  /** Where the window's bounds come from (`utilization`'s `source` says where the figure comes from). */
  window_source: WindowSource;
  /** An official reset already past, rolled forward one period. */
  extrapolated: boolean;
  /** Five-hour window: false when no activity opened it yet. */
  active: boolean;
  note: string;
  forecast: Forecast;
  /** spend_limit only: the reading's dollars and period (amounts in USD whatever the account's unit). */
  spend?: SpendFigures;
}

export type CalibrationSummary = Omit<Calibration, 'rejected'>;

export interface AccountEvaluation {
  now: number;
  plan: PlanId;
  unit: Unit;
  /** five_hour, seven_day, every per-model bucket observed, monthly — in that order. */
  windows: Record<WindowKind, WindowEvaluation>;
  /**
   * Windows that do not exist for this account, with the reason (the plan has none, or the
   * latest official readings carry none): never in `windows`, so nothing counts or alerts on them.
   */
  notApplicable: Partial<Record<WindowKind, string>>;
  /** Per window kind except monthly (nothing official measures months). */
  calibration: Partial<Record<WindowKind, CalibrationSummary>>;
  /** New samples rejected in this evaluation, every window kind: raise `calibration_rejected` for each. */
  rejected: CalibrationSample[];
  /** Every sample (history and new), for the store to keep. */
  samples: CalibrationSample[];
}

export function evaluateAccount(input: EvaluateAccountInput): AccountEvaluation {
  const { now, settings, officials, events } = input;
  const unit = settings.unit;
  const usage = input.usage.filter((p) => p.at <= now);
  const activity = usage
    .filter((p) => p.tokens > 0 || p.usd > 0)
    .map((p) => p.at)
    .sort((a, b) => a - b);
  const boundsAt = (kind: WindowKind, at: number): WindowBounds => {
    if (kind === 'five_hour') return fiveHourWindow(at, officials, events, activity);
    if (kind === 'monthly') return monthlyWindow(at, settings.monthStartDay, settings.weeklyReset.timeZone);
    return weeklyWindow(kind, at, officials, events, settings.weeklyReset);
  };
  const allModels = usageSeries(usage);
  const seriesOf = (kind: WindowKind): UsageSeries =>
    kind.startsWith('seven_day_') ? usageSeries(usageForWindow(usage, kind)) : allModels;

  const windows = {} as Record<WindowKind, WindowEvaluation>;
  const calibration: Partial<Record<WindowKind, CalibrationSummary>> = {};
  const rejected: CalibrationSample[] = [];
  const samples: CalibrationSample[] = [];
  const notApplicable: Partial<Record<WindowKind, string>> = {};
  const kinds = inDisplayOrder(
    new Set([...anyPlanWindows(), ...windowKinds(settings.plan, officials, events, settings.limits)]),
  );
  for (const kind of kinds) {
    const absent = whyWindowAbsent(kind, settings.plan, officials, now);
    if (absent !== null) {
      notApplicable[kind] = absent;
      continue;
    }
    if (kind === 'spend_limit') {
      const spend = spendLimitWindow({ now, officials, series: allModels });
      if (spend !== null) windows[kind] = spend;
      continue;
    }
    const series = seriesOf(kind);
    let calibrated: Calibration | null = null;
    if (kind !== 'monthly') {
      calibrated = calibrate({
        kind,
        unit,
        series,
        officials,
        events,
        period: periodOf(kind),
        windowAt: (at) => boundsAt(kind, at),
        ...(input.calibrationHistory !== undefined ? { history: input.calibrationHistory } : {}),
        ...(input.usageSince !== undefined ? { usageSince: input.usageSince } : {}),
        ...(input.capacityChangedAt?.[kind] !== undefined ? { regimeSince: input.capacityChangedAt[kind] } : {}),
      });
      const { rejected: newlyRejected, ...summary } = calibrated;
      calibration[kind] = summary;
      rejected.push(...newlyRejected);
      samples.push(...summary.samples);
    }
    const bounds = boundsAt(kind, now);
    const handSet = settings.limits?.[kind] ?? (kind === 'monthly' ? (settings.seat?.perSeatCap ?? null) : null);
    const utilization = windowUtilization({
      bounds,
      now,
      unit,
      series,
      officials,
      events,
      handSet,
      calibration: calibrated,
      planDefault: planDefaultLimit(settings.plan, kind, unit),
    });
    windows[kind] = {
      kind,
      window_start: bounds.start,
      resets_at: bounds.end,
      window_source: bounds.source,
      extrapolated: bounds.extrapolated,
      active: bounds.active,
      note: bounds.note,
      ...utilization,
      forecast: forecastWindow({
        kind,
        bounds,
        now,
        unit,
        series,
        utilization: utilization.utilization,
        limit: utilization.limit,
        limited: utilization.limited,
      }),
    };
  }
  return { now, plan: settings.plan, unit, windows, notApplicable, calibration, rejected, samples };
}
