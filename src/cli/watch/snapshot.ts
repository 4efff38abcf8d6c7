import type { NudgeThresholds } from '../../usage/nudges.ts';
import { type NudgeEvent, type NudgeLevel, nudgeLevel } from '../../usage/nudges.ts';

/** What a watcher needs of /api/me/usage and /api/me/pace (or their offline equivalents). */
export interface UsageAnswer {
  accounts: {
    id: string;
    uuid: string | null;
    label: string;
    windows: Record<
      string,
      {
        /** false: a window the account does not have ({applies: false, reason}); nothing else is sent. */
        applies?: boolean;
        utilization: number | null;
        limited: boolean;
        resets_at: string | null;
        forecast?: {
          hits_cap_at: string | null;
          /** if_resumed: idle, no time; the work minutes left instead. */
          basis?: 'active_pace' | 'if_resumed';
          if_resumed?: { work_minutes_to_cap: number } | null;
        };
      }
    >;
  }[];
}

export interface PaceAnswer {
  recommended_account: { id: string | number; uuid: string | null; label: string } | null;
  reason: string;
}

export interface WindowNudge {
  level: NudgeLevel;
  event: Omit<NudgeEvent, 'type'>;
}

/** Levels of every plan window (5-hour and weekly ones; the month is a budget, not a limit), keyed account:window. */
export function windowNudges(usage: UsageAnswer, now: number, thresholds: NudgeThresholds): Map<string, WindowNudge> {
  const out = new Map<string, WindowNudge>();
  for (const a of usage.accounts) {
    for (const [window, w] of Object.entries(a.windows)) {
      if (window === 'monthly' || w.applies === false) continue;
      const hitsCapAt = w.forecast?.hits_cap_at ? Date.parse(w.forecast.hits_cap_at) : null;
      const level = nudgeLevel(
        {
          utilization: w.utilization,
          limited: w.limited,
          hitsCapAt,
          resetsAt: w.resets_at ? Date.parse(w.resets_at) : null,
        },
        now,
        thresholds,
      );
      out.set(`${a.id}:${window}`, {
        level,
        event: {
          account: a.uuid ?? a.id,
          label: a.label,
          window,
          used_pct: w.utilization,
          resets_at: w.resets_at,
          hits_cap_at: w.forecast?.hits_cap_at ?? null,
          ...(w.forecast?.basis === 'if_resumed' && w.forecast.if_resumed
            ? { if_resumed_work_minutes: w.forecast.if_resumed.work_minutes_to_cap }
            : {}),
        },
      });
    }
  }
  return out;
}
