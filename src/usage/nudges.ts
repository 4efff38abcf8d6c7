/**
 * `takt watch`'s nudges (docs/limits.md, "Nudges"): each window of each account is at one
 * level, and a watcher prints a line when a window rises to a level it was not at (a window
 * that falls back — it reset — is armed again silently). The levels, by default:
 * - USAGE_WRAP_UP: 80% used, or the forecast hits the cap within 30 minutes;
 * - USAGE_STOP_SOON: 95%, or within 10 minutes;
 * - USAGE_LIMIT_HIT: 100%, or a hit not yet reset.
 */
export type NudgeLevel = 'ok' | 'USAGE_WRAP_UP' | 'USAGE_STOP_SOON' | 'USAGE_LIMIT_HIT';
const ORDER: NudgeLevel[] = ['ok', 'USAGE_WRAP_UP', 'USAGE_STOP_SOON', 'USAGE_LIMIT_HIT'];

export interface NudgeThresholds {
  wrapUpPct: number;
  wrapUpMinutes: number;
  stopSoonPct: number;
  stopSoonMinutes: number;
}

export const DEFAULT_NUDGE_THRESHOLDS: NudgeThresholds = {
  wrapUpPct: 80,
  wrapUpMinutes: 30,
  stopSoonPct: 95,
  stopSoonMinutes: 10,
};

/** What a window says about itself (the /api/me/usage shape, instants as epoch ms). */
export interface WindowState {
  utilization: number | null;
  limited: boolean;
  hitsCapAt: number | null;
  resetsAt: number | null;
}

export function nudgeLevel(w: WindowState, now: number, t: NudgeThresholds = DEFAULT_NUDGE_THRESHOLDS): NudgeLevel {
  const pct = w.utilization ?? 0;
  const minutesToCap =
    w.hitsCapAt !== null && (w.resetsAt === null || w.hitsCapAt < w.resetsAt) ? (w.hitsCapAt - now) / 60_000 : null;
  if (w.limited || pct >= 100) return 'USAGE_LIMIT_HIT';
  if (pct >= t.stopSoonPct || (minutesToCap !== null && minutesToCap <= t.stopSoonMinutes)) return 'USAGE_STOP_SOON';
  if (pct >= t.wrapUpPct || (minutesToCap !== null && minutesToCap <= t.wrapUpMinutes)) return 'USAGE_WRAP_UP';
  return 'ok';
}

export function isHigher(level: NudgeLevel, than: NudgeLevel): boolean {
  return ORDER.indexOf(level) > ORDER.indexOf(than);
}

export interface NudgeEvent {
  type: Exclude<NudgeLevel, 'ok'> | 'PACE_SWITCH';
  account?: string;
  label?: string;
  window?: string;
  used_pct?: number | null;
  resets_at?: string | null;
  hits_cap_at?: string | null;
  /** Idle (forecast basis if_resumed): minutes of work to the cap if work resumes; no time is given. */
  if_resumed_work_minutes?: number;
  from?: string | null;
  to?: string | null;
}

/**
 * The events between two observations of the same watcher: a window whose level rose
 * (a window not seen before rises from `ok`), and a change of the recommended account.
 */
export function nudgeTransitions(
  previous: ReadonlyMap<string, NudgeLevel>,
  current: ReadonlyMap<string, { level: NudgeLevel; event: Omit<NudgeEvent, 'type'> }>,
  pace: { from: string | null; to: string | null } | null,
): NudgeEvent[] {
  const out: NudgeEvent[] = [];
  for (const [key, { level, event }] of current) {
    if (level !== 'ok' && isHigher(level, previous.get(key) ?? 'ok')) out.push({ type: level, ...event });
  }
  if (pace && pace.to !== pace.from && pace.to !== null)
    out.push({ type: 'PACE_SWITCH', from: pace.from, to: pace.to });
  return out;
}

/** One line per event: `USAGE_WRAP_UP account=… window=five_hour used=82.4% resets_at=…`; values with spaces quoted. */
export function nudgeLine(e: NudgeEvent): string {
  const q = (v: string) => (/[\s"]/.test(v) ? JSON.stringify(v) : v);
  if (e.type === 'PACE_SWITCH') return `PACE_SWITCH from=${q(e.from ?? 'none')} to=${q(e.to ?? 'none')}`;
  const parts = [
    e.type,
    `account=${q(e.account ?? '')}`,
    `label=${q(e.label ?? '')}`,
    `window=${e.window ?? ''}`,
    `used=${e.used_pct === null || e.used_pct === undefined ? 'unknown' : `${e.used_pct}%`}`,
    `resets_at=${e.resets_at ?? 'unknown'}`,
  ];
  if (e.hits_cap_at) parts.push(`hits_cap_at=${e.hits_cap_at}`);
  else if (e.if_resumed_work_minutes !== undefined)
    parts.push(`hits_cap=${q(`if work resumes, after ${Math.round(e.if_resumed_work_minutes)} min of work`)}`);
  return parts.join(' ');
}
