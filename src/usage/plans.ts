import type { PlanId, Unit, WindowKind } from './limit-types.ts';
import shipped from './plans.json' with { type: 'json' };

/**
 * Plan defaults are data (plans.json), not code: estimates from community tools, since
 * Anthropic publishes none. They are the last resort for a limit: a hand-set limit and a
 * calibrated one both win (docs/limits.md).
 */

interface PlanWindowDefaults {
  usd: number;
  tokens: number;
}
type PlanDefaults = Partial<Record<'five_hour' | 'seven_day', PlanWindowDefaults>> | null;

const plans = shipped.plans as Record<PlanId, PlanDefaults>;

/**
 * The plan's estimated limit for a window in a unit, or null: per-model buckets, the month,
 * and the api, custom and enterprise plans have none.
 */
export function planDefaultLimit(plan: PlanId, kind: WindowKind, unit: Unit): number | null {
  if (kind !== 'five_hour' && kind !== 'seven_day') return null;
  return plans[plan]?.[kind]?.[unit] ?? null;
}
