import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeptWindow, readUsageCache } from '../../official/official-summary.ts';
import type { StatusInput } from './status-input.ts';

/**
 * Seed 004's `5h:36% 7d:20%`: Claude Code's own rate_limits when it passes them, else the
 * latest observation kept on this machine (the status line's TAKT_HOME/rate-limits.json
 * or `takt usage official`'s TAKT_HOME/usage-cache.json, whichever is newer). A window
 * whose reset time has passed says nothing about now and is left out.
 */
export function officialPercentages(home: string, input: StatusInput, now: number): string {
  const passed = input.rate_limits;
  let five: KeptWindow | null = fromInput(passed?.five_hour);
  let seven: KeptWindow | null = fromInput(passed?.seven_day);
  if (five === null && seven === null) {
    const kept = [readKeptRateLimits(home), readUsageCache(home)]
      .filter((k) => k !== undefined)
      .sort((a, b) => b.updated_at - a.updated_at)[0];
    five = kept?.five_hour ?? null;
    seven = kept?.seven_day ?? null;
  }
  const part = (label: string, w: KeptWindow | null) =>
    w === null || (w.resetsAt !== null && w.resetsAt <= now) ? '' : `${label}:${Math.round(w.pct)}%`;
  return [part('5h', five), part('7d', seven)].filter((s) => s !== '').join(' ');
}

function fromInput(w: { used_percentage?: number; resets_at?: number } | undefined): KeptWindow | null {
  if (typeof w?.used_percentage !== 'number') return null;
  return { pct: w.used_percentage, resetsAt: typeof w.resets_at === 'number' ? w.resets_at * 1000 : null };
}

function readKeptRateLimits(
  home: string,
): { five_hour: KeptWindow | null; seven_day: KeptWindow | null; updated_at: number } | undefined {
  try {
    const o = JSON.parse(readFileSync(join(home, 'rate-limits.json'), 'utf8')) as {
      captured_at?: string;
      five_hour?: { used_percentage?: number; resets_at?: number } | null;
      seven_day?: { used_percentage?: number; resets_at?: number } | null;
    };
    const at = Date.parse(o.captured_at ?? '');
    if (!Number.isFinite(at)) return undefined;
    return {
      five_hour: fromInput(o.five_hour ?? undefined),
      seven_day: fromInput(o.seven_day ?? undefined),
      updated_at: at,
    };
  } catch {
    return undefined;
  }
}

/** Seed 004's token figure: 7991282 → "8.0M", 12345 → "12.3k". */
export function compactTokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(1)}k`;
  return String(n);
}
