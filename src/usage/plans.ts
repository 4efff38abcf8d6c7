import { legacyPlanIds, type PlanId, planIds, type Unit, type WindowKind } from './limit-types.ts';
import shipped from './plans.json' with { type: 'json' };

/**
 * The plan table (plans.json) is the one place that knows which windows exist: each plan's
 * windows, their labels and display order, and the default caps — estimates from community
 * tools, since Anthropic publishes none. A default is the last resort for a limit: a hand-set
 * limit and a calibrated one both win (docs/limits.md). Everything else (windowKinds, pace,
 * alert rules, the official summary, the status line, the API and so the dashboard) asks here.
 */

interface WindowRow {
  kind: string;
  label: string;
  short: string;
  blocking: boolean;
  opens_on_activity?: boolean;
  /** Official sources send it (a reading without it is evidence it does not exist). */
  reported: boolean;
  absent: string;
}
interface PlanRow {
  label: string;
  windows: string[];
  caps: Partial<Record<string, { usd: number; tokens: number }>>;
}

const windowRows = shipped.windows as WindowRow[];
const planRows = shipped.plans as Record<PlanId, PlanRow>;

/** Per-model weekly buckets: `seven_day_opus`, `seven_day_sonnet`, any name an official source reports. */
export const isBucket = (kind: string): boolean => kind.startsWith('seven_day_');

function rowOf(kind: string): { row: WindowRow; bucket: string } | null {
  const row = windowRows.find((r) => r.kind === (isBucket(kind) ? 'seven_day_*' : kind));
  return row === undefined ? null : { row, bucket: isBucket(kind) ? kind.slice('seven_day_'.length) : '' };
}

const capitalised = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/** "5-hour window", "Week (all models)", "Week (Opus)", "Month", "Spend limit"; an unknown kind as itself. */
export function windowLabel(kind: string): string {
  const found = rowOf(kind);
  return found === null ? kind : found.row.label.replace('{bucket}', capitalised(found.bucket));
}

/** "5h", "7d", "7d opus", "month", "spend": the status line's and `takt watch`'s names. */
export function windowShortLabel(kind: string): string {
  const found = rowOf(kind);
  return found === null ? kind : found.row.short.replace('{bucket}', found.bucket);
}

/** "no 5-hour limit on this plan": what the dashboard says instead of a bar. */
export function windowAbsentText(kind: string): string {
  const found = rowOf(kind);
  return found === null
    ? `no ${kind} limit on this plan`
    : found.row.absent.replace('{bucket}', capitalised(found.bucket));
}

/** The display order: the table's row; buckets share theirs; an unknown kind goes last. */
export function windowOrder(kind: string): number {
  const found = rowOf(kind);
  return found === null ? windowRows.length : windowRows.indexOf(found.row);
}

/** Sorts window kinds into display order (by name within the same row). */
export function inDisplayOrder<K extends string>(kinds: Iterable<K>): K[] {
  return [...kinds].sort((a, b) => windowOrder(a) - windowOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Windows whose exhaustion stops work on the account (pace's "blocked"). */
export function isBlocking(kind: string): boolean {
  return rowOf(kind)?.row.blocking ?? false;
}

/** Official sources report this window (a reading that lacks it says something). */
export function isReported(kind: string): boolean {
  return rowOf(kind)?.row.reported ?? false;
}

/** A rolling window the first activity opens (five_hour): idle, there is none to alert on. */
export function opensOnActivity(kind: string): boolean {
  return rowOf(kind)?.row.opens_on_activity ?? false;
}

/** The plan's own windows (buckets come from official sources), in display order. */
export function planWindows(plan: PlanId): WindowKind[] {
  return inDisplayOrder((planRows[plan]?.windows ?? []) as WindowKind[]);
}

/** Every window some plan has: the ones an account may lack ({applies: false}). */
export function anyPlanWindows(): WindowKind[] {
  return inDisplayOrder(new Set(Object.values(planRows).flatMap((p) => p.windows) as WindowKind[]));
}

export function planLabel(plan: string): string {
  return planRows[plan as PlanId]?.label ?? plan;
}

/** The plan's estimated limit for a window in a unit, or null (buckets, the month, and plans without estimates). */
export function planDefaultLimit(plan: PlanId, kind: WindowKind, unit: Unit): number | null {
  return planRows[plan]?.caps[kind]?.[unit] ?? null;
}

/** A plan id as people and old clients send it: the current ids, and the renamed ones mapped; else null. */
export function parsePlanId(id: string): PlanId | null {
  if ((planIds as readonly string[]).includes(id)) return id as PlanId;
  return legacyPlanIds[id] ?? null;
}
