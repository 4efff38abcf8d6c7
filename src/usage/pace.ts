import type { AccountEvaluation } from './evaluate-account.ts';
import type { WindowKind } from './limit-types.ts';
import { localDateTime } from './local-time.ts';
import { isBlocking } from './plans.ts';

/**
 * Pace (docs/limits.md, "Pace"): for a user with several accounts, which one to use next.
 * Weekly slack = the share of the week elapsed − the share of the weekly limit used: positive
 * means under pace. An account is blocked while its five-hour or weekly window is at 100% or a
 * hit there has not reset. The recommendation is never blocked; among the rest the most slack
 * wins (slack within 1 point is a tie, to the soonest weekly reset: use what expires first).
 */

export interface PaceAccountInput {
  id: string | number;
  uuid: string | null;
  label: string;
  evaluation: AccountEvaluation;
}

export interface PaceAccount {
  id: string | number;
  uuid: string | null;
  label: string;
  /** Null when no weekly limit or official figure is known. */
  weekly_used_pct: number | null;
  weekly_expected_pct: number | null;
  weekly_slack_pct: number | null;
  weekly_resets_at: number | null;
  blocked: boolean;
  /** When the last blocking window resets; null when not blocked. */
  blocked_until: number | null;
  blocked_by: WindowKind[];
}

export interface Pace {
  recommended_account: { id: string | number; uuid: string | null; label: string } | null;
  reason: string;
  accounts: PaceAccount[];
}

/** Slack closer than this (percentage points) is a tie. */
export const SLACK_TIE_POINTS = 1;

export function paceOf(account: PaceAccountInput): PaceAccount {
  const { windows } = account.evaluation;
  // An account whose readings carry no weekly window has none (evaluation.notApplicable).
  const weekly = windows.seven_day as (typeof windows)[WindowKind] | undefined;
  const used = weekly?.utilization ?? null;
  const blockedBy = (Object.keys(windows) as WindowKind[]).filter(isBlocking).filter((k) => {
    const w = windows[k];
    return w !== undefined && (w.limited || (w.utilization !== null && w.utilization >= 100));
  });
  const until = blockedBy.map((k) => windows[k]?.resets_at as number);
  return {
    id: account.id,
    uuid: account.uuid,
    label: account.label,
    weekly_used_pct: used,
    weekly_expected_pct: weekly?.expected_pct ?? null,
    weekly_slack_pct: used === null || weekly === undefined ? null : weekly.expected_pct - used,
    weekly_resets_at: weekly?.resets_at ?? null,
    blocked: blockedBy.length > 0,
    blocked_until: until.length > 0 ? Math.max(...until) : null,
    blocked_by: blockedBy,
  };
}

/** `timeZone` only formats the times in `reason`. */
export function recommendAccount(accounts: readonly PaceAccountInput[], now: number, timeZone = 'UTC'): Pace {
  const paced = accounts.map(paceOf);
  const candidates = paced.filter((a) => !a.blocked).sort(byPreference);
  const best = candidates[0];
  const blocked = paced.filter((a) => a.blocked);
  const blockedText = blocked.map(
    (a) => `${a.label} is blocked until ${clock(a.blocked_until as number, now, timeZone)}`,
  );
  if (best === undefined)
    return {
      recommended_account: null,
      reason: paced.length === 0 ? 'no accounts' : `every account is blocked: ${blockedText.join('; ')}`,
      accounts: paced,
    };
  const why =
    best.weekly_slack_pct === null
      ? `use ${best.label}: not blocked (its weekly use is unknown: no limit known)`
      : best.weekly_slack_pct >= 0
        ? `use ${best.label}: ${Math.round(best.weekly_slack_pct)}% weekly slack`
        : `use ${best.label}: ${Math.round(-best.weekly_slack_pct)}% over its weekly pace, the least of the accounts not blocked`;
  return {
    recommended_account: { id: best.id, uuid: best.uuid, label: best.label },
    reason: [why, ...blockedText].join('; '),
    accounts: paced,
  };
}

function byPreference(a: PaceAccount, b: PaceAccount): number {
  if (a.weekly_slack_pct === null || b.weekly_slack_pct === null) {
    if (a.weekly_slack_pct !== b.weekly_slack_pct) return a.weekly_slack_pct === null ? 1 : -1;
  } else if (Math.abs(a.weekly_slack_pct - b.weekly_slack_pct) >= SLACK_TIE_POINTS)
    return b.weekly_slack_pct - a.weekly_slack_pct;
  return (a.weekly_resets_at ?? Number.POSITIVE_INFINITY) - (b.weekly_resets_at ?? Number.POSITIVE_INFINITY);
}

/** "15:00" today in the zone, else "2026-12-02 15:00". */
function clock(ms: number, now: number, timeZone: string): string {
  const at = localDateTime(ms, timeZone);
  return at.slice(0, 10) === localDateTime(now, timeZone).slice(0, 10) ? at.slice(11) : at;
}
