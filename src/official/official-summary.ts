import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inDisplayOrder, windowLabel } from '../usage/plans.ts';
import type { OfficialReading } from './read-official-usage.ts';

/**
 * The figures people and scripts read: the 5-hour and 7-day windows flat (seed 004's
 * field names), every window as sent, and how old it is. `takt usage official --json`
 * prints it; TAKT_HOME/usage-cache.json keeps seed 004's cache shape ({code, pro,
 * updated_at}), which the status line reads as "the latest observation".
 */
export interface OfficialSummary {
  source: OfficialReading['source'];
  account_uuid: string | null;
  five_hour_pct: number | null;
  five_hour_resets_at: string | null;
  seven_day_pct: number | null;
  seven_day_resets_at: string | null;
  updated_at: string;
  age_seconds: number;
  from_cache: boolean;
  notes: string[];
  windows: { window: string; label: string; pct: number; resets_at: string | null }[];
  code: { session_tokens: number | null };
  pro: {
    five_hour_pct: number | null;
    five_hour_resets_at: string | null;
    seven_day_pct: number | null;
    seven_day_resets_at: string | null;
  };
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function officialSummary(r: OfficialReading, now: number, sessionTokens: number | null): OfficialSummary {
  const w = (name: string) => r.windows.find((x) => x.window === name);
  const pro = {
    five_hour_pct: w('five_hour')?.utilization ?? null,
    five_hour_resets_at: iso(w('five_hour')?.resetsAt),
    seven_day_pct: w('seven_day')?.utilization ?? null,
    seven_day_resets_at: iso(w('seven_day')?.resetsAt),
  };
  return {
    source: r.source,
    account_uuid: r.account_uuid,
    ...pro,
    updated_at: new Date(r.fetched_at).toISOString(),
    age_seconds: Math.max(0, Math.round((now - r.fetched_at) / 1000)),
    from_cache: r.from_cache,
    notes: r.notes,
    windows: inDisplayOrder(r.windows.map((x) => x.window)).map((name) => {
      const x = w(name) as OfficialReading['windows'][number];
      return { window: name, label: windowLabel(name), pct: x.utilization, resets_at: iso(x.resetsAt) };
    }),
    code: { session_tokens: sessionTokens },
    pro,
  };
}

export const usageCacheFile = (home: string) => join(home, 'usage-cache.json');

/** Writes seed 004's cache fields (TAKT_HOME/usage-cache.json), atomically. */
export function writeUsageCache(home: string, s: OfficialSummary): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = usageCacheFile(home);
  const temp = `${file}.${process.pid}.tmp`;
  const cache = { code: s.code, pro: s.pro, updated_at: s.updated_at, source: s.source };
  writeFileSync(temp, `${JSON.stringify(cache, null, 2)}\n`);
  renameSync(temp, file);
}

/** A window's percentage and reset (epoch ms) as the status line shows it. */
export interface KeptWindow {
  pct: number;
  resetsAt: number | null;
}

/** The cached percentages, for the status line: undefined when there is no readable cache. */
export function readUsageCache(
  home: string,
): { five_hour: KeptWindow | null; seven_day: KeptWindow | null; updated_at: number } | undefined {
  try {
    const o = JSON.parse(readFileSync(usageCacheFile(home), 'utf8')) as {
      pro?: Record<string, unknown>;
      updated_at?: unknown;
    };
    const at = typeof o.updated_at === 'string' ? Date.parse(o.updated_at) : Number.NaN;
    if (!Number.isFinite(at)) return undefined;
    const window = (name: string): KeptWindow | null => {
      const pct = o.pro?.[`${name}_pct`];
      const reset = o.pro?.[`${name}_resets_at`];
      if (typeof pct !== 'number' || !Number.isFinite(pct)) return null;
      const resetsAt = typeof reset === 'string' ? Date.parse(reset) : Number.NaN;
      return { pct, resetsAt: Number.isFinite(resetsAt) ? resetsAt : null };
    };
    return { five_hour: window('five_hour'), seven_day: window('seven_day'), updated_at: at };
  } catch {
    return undefined;
  }
}
