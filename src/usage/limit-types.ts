import type { CostSums } from './cost-figures.ts';
/**
 * The types shared by the limits domain (windows, calibration, utilisation, forecast, pace).
 * Pure data: the store and the API map their rows to these and back. Every instant is epoch
 * milliseconds; the API converts to ISO 8601 at its edge.
 */

/**
 * A limit window. `seven_day_<bucket>` are Anthropic's per-model weekly buckets
 * (`seven_day_opus`, `seven_day_sonnet`, any other name an official source reports);
 * a model's usage drains its bucket and `seven_day`.
 */
export type WindowKind = 'five_hour' | 'seven_day' | `seven_day_${string}` | 'monthly' | 'spend_limit';

/**
 * A spend limit's money figures (docs/limits.md, "Spend limits"): the status line's
 * `rate_limits.spend_limit` (`used_usd`, `limit_usd`, `period`, from 2.1.284) or the OAuth
 * answer's `extra_usage` (`used_credits`, `monthly_limit`, in cents). null: not sent.
 */
export interface SpendFigures {
  usedUsd: number | null;
  limitUsd: number | null;
  /** 'monthly' as sent; null when the reading did not say. */
  period: string | null;
}

/** `usd`: API-price-equivalent cost. `tokens`: input + output + cache writes (cache reads excluded). */
export type Unit = 'usd' | 'tokens';

/** The plans since Anthropic's rename of 2026-10-30 (docs/limits.md, "Plans"); `legacyPlanIds` maps the old ids. */
export const planIds = ['pro', 'max', 'ultra', 'team', 'team_premium', 'enterprise', 'api', 'custom'] as const;
export type PlanId = (typeof planIds)[number];
/** Max 5x became Max, Max 20x became Ultra: still accepted, answered with the new id. */
export const legacyPlanIds: Readonly<Record<string, PlanId>> = { max5: 'max', max20: 'ultra' };

export const observationSources = ['statusline', 'oauth', 'claude_ai', 'claude_json', 'transcript', 'manual'] as const;
export type ObservationSource = (typeof observationSources)[number];

/** Usage pre-aggregated by the caller (e.g. per minute and model). `tokens` excludes cache reads. */
export interface UsagePoint {
  at: number;
  model: string;
  usd: number;
  tokens: number;
  /** Both costs of the point's usage (usage/cost-figures.ts), for answers that show them; limits never read it. */
  cost?: CostSums;
}

/** What Claude Code or Anthropic said: a utilisation percentage and, usually, the reset time. */
export interface OfficialObservation {
  at: number;
  window: WindowKind;
  /** Percent, 0–100 (more is possible). */
  utilization: number;
  resetsAt: number | null;
  source: ObservationSource;
  /** spend_limit only: the money figures of the reading. */
  spend?: SpendFigures;
}

/**
 * A user- or tool-reported limit event: a hit ("Hit Limit" button, StopFailure hook, a transcript's
 * rate-limit line) or the start of a new window ("New Window" button). `source` is kept as given
 * (e.g. 'dashboard', 'hook', 'transcript'); the domain only carries it into calibration samples.
 */
export interface LimitEvent {
  at: number;
  kind: 'hit_limit' | 'new_window';
  window: WindowKind;
  resetsAt: number | null;
  source: string;
}

export interface WeeklyReset {
  /** 0 = Sunday … 6 = Saturday, in `timeZone`. */
  weekday: number;
  /** 0–23, in `timeZone`. */
  hour: number;
  /** IANA zone; also the zone of the monthly window. */
  timeZone: string;
}

export interface AccountSettings {
  plan: PlanId;
  unit: Unit;
  /** Hand-set limits in the account's unit; they win over calibration and plan defaults. */
  limits?: Partial<Record<WindowKind, number>>;
  weeklyReset: WeeklyReset;
  /** 1–28: the day of the month the monthly window starts, at 00:00 in the weekly reset's zone. */
  monthStartDay: number;
  /** A team seat, with its per-seat cap (in the account's unit) when the admin set one. */
  seat: { perSeatCap?: number } | null;
}

/** Where a window's bounds come from. `configured`: the weekly anchor of the settings, or a user's New Window mark. */
export type WindowSource = 'official' | 'estimated' | 'configured';

/** Where a utilisation figure's limit comes from (`official`: an official percentage, extended by usage since). */
export type UtilizationSource = 'official' | 'calibrated' | 'estimated' | 'configured';

export type Confidence = 'low' | 'medium' | 'high';

export const verdicts = ['ok', 'watch', 'slow_down', 'will_hit_cap', 'limited'] as const;
export type Verdict = (typeof verdicts)[number];

export interface WindowBounds {
  kind: WindowKind;
  start: number;
  /** The reset: the window ends here. */
  end: number;
  source: WindowSource;
  /** An official reset already past, rolled forward by one period (never more). */
  extrapolated: boolean;
  /** Five-hour windows: false when no activity falls in it yet (it is the window the next activity would open). */
  active: boolean;
  /** Why these bounds, in a sentence, for the dashboard's tooltip. */
  note: string;
}

export const FIVE_HOURS = 5 * 3_600_000;
export const SEVEN_DAYS = 7 * 86_400_000;
/** Official resets that differ by less than this are the same window: resets_at jitters by ~2 s. */
export const SAME_WINDOW_MS = 60_000;
