import type { SpendFigures } from '../usage/limit-types.ts';

/**
 * Reads what Claude Code or Anthropic said about utilisation, in every shape seen, into
 * one list of windows. Lenient by design (these answers are undocumented and change):
 * an unknown key is kept in `raw`, a window that is null or absent is skipped, and only
 * a window whose figures cannot be read is reported as an error.
 *
 * Shapes:
 * - the status line's stdin `rate_limits`: `{five_hour: {used_percentage, resets_at (epoch s)}, …}`;
 * - the OAuth / claude.ai usage answer: `{five_hour: {utilization, resets_at (ISO)}, seven_day,
 *   seven_day_opus, seven_day_sonnet, …, extra_usage}` (flat keys); `extra_usage` (pay-as-you-go
 *   credits past the plan, in cents) becomes the `spend_limit` window when it is enabled;
 * - the newer `{limits: [{…}]}` list, whose items name their window (`type`, `window`,
 *   `rateLimitType`, `name` or `kind`, optionally with a `model`, or only a window length in
 *   seconds) and carry the same figures under the same or camelCase names.
 */
export interface OfficialWindow {
  /** five_hour, seven_day, or seven_day_<bucket> (per model: opus, sonnet, …). */
  window: string;
  /** Percent used, 0–100 (more when over). */
  utilization: number;
  /** Epoch ms, or null when the answer gave none. */
  resetsAt: number | null;
  /** The window's object as sent. */
  raw: unknown;
  /** spend_limit: its money figures (spendFiguresOf(raw)). */
  spend?: SpendFigures;
}

export interface ParsedOfficialUsage {
  windows: OfficialWindow[];
  errors: string[];
}

/** Keys of the flat shape that are not plan windows (credits, not a percentage of a plan limit). */
const NOT_WINDOWS = new Set(['extra_usage', 'limits']);
const WINDOW_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export function parseStatusLineRateLimits(rateLimits: unknown): ParsedOfficialUsage {
  return parseFlat(rateLimits, 'rate_limits');
}

export function parseUsageAnswer(usage: unknown): ParsedOfficialUsage {
  const out = parseFlat(usage, 'usage');
  const extra = (usage as { extra_usage?: unknown } | null)?.extra_usage;
  const spend = extraUsageWindow(extra);
  if (spend !== null && 'error' in spend) out.errors.push(spend.error);
  else if (spend !== null) out.windows.push(spend);
  const list = (usage as { limits?: unknown } | null)?.limits;
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      const r = readListItem(item, `usage.limits[${i}]`);
      if ('error' in r) out.errors.push(r.error);
      else if (r.window) out.windows.push(r.window);
    });
  }
  return dedupeWindows(out);
}

function parseFlat(value: unknown, what: string): ParsedOfficialUsage {
  const out: ParsedOfficialUsage = { windows: [], errors: [] };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.errors.push(`${what} must be an object of windows such as {"five_hour": {…}, "seven_day": {…}}`);
    return out;
  }
  for (const [key, v] of Object.entries(value)) {
    if (NOT_WINDOWS.has(key) || v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) continue;
    const window = normaliseWindowName(key);
    if (!window) continue;
    const o = v as Record<string, unknown>;
    const spend = window === 'spend_limit' ? spendFiguresOf(o) : undefined;
    // A spend limit may send its dollars without the percentage: derive it.
    const figures =
      spend !== undefined && o.used_percentage === undefined && spend.usedUsd !== null && spend.limitUsd
        ? { ...o, used_percentage: (spend.usedUsd * 100) / spend.limitUsd }
        : o;
    const r = readFigures(figures, `${what}.${key}`);
    if ('error' in r) out.errors.push(r.error);
    else if (r.figures) out.windows.push({ window, ...r.figures, raw: v, ...(spend ? { spend } : {}) });
  }
  return out;
}

type Figures = { utilization: number; resetsAt: number | null };

function readFigures(o: Record<string, unknown>, what: string): { figures: Figures | null } | { error: string } {
  const pct = o.used_percentage ?? o.utilization ?? o.usedPercentage ?? o.used_percent ?? o.percent;
  if (pct === undefined || pct === null) return { figures: null }; // a window Anthropic did not fill in
  const utilization = typeof pct === 'string' && pct.trim() !== '' ? Number(pct) : pct;
  if (typeof utilization !== 'number' || !Number.isFinite(utilization) || utilization < 0 || utilization > 1000) {
    return { error: `${what}: the percentage must be a number from 0 to 1000, got ${JSON.stringify(pct)}` };
  }
  const reset = o.resets_at ?? o.resetsAt ?? o.reset_at ?? o.resetAt;
  const resetsAt = reset === undefined || reset === null ? null : readTime(reset);
  if (resetsAt === undefined) {
    return {
      error: `${what}: resets_at must be epoch seconds, epoch milliseconds or an ISO 8601 time, got ${JSON.stringify(reset)}`,
    };
  }
  return { figures: { utilization, resetsAt } };
}

function readListItem(item: unknown, what: string): { window: OfficialWindow | null } | { error: string } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { error: `${what} must be an object` };
  const o = item as Record<string, unknown>;
  const named = [o.type, o.window, o.rateLimitType, o.rate_limit_type, o.name, o.kind].find(
    (v): v is string => typeof v === 'string',
  );
  const seconds = Number(o.window_seconds ?? o.windowSeconds ?? o.limit_window_seconds ?? Number.NaN);
  let window =
    named !== undefined
      ? normaliseWindowName(named)
      : seconds === 5 * 3600
        ? 'five_hour'
        : seconds === 7 * 86400
          ? 'seven_day'
          : null;
  if (!window) return { error: `${what}: cannot tell which window it is (no type, window or window_seconds)` };
  const model = typeof o.model === 'string' ? o.model.toLowerCase().replace(/[^a-z0-9]+/g, '_') : '';
  if (model && window === 'seven_day') window = `seven_day_${model}`;
  const r = readFigures(o, what);
  if ('error' in r) return r;
  return { window: r.figures ? { window, ...r.figures, raw: item } : null };
}

/** Lower case, separators to underscores, a few spellings of the same window mapped to one name. */
export function normaliseWindowName(name: string): string | null {
  const n = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const aliases: Record<string, string> = {
    '5h': 'five_hour',
    five_hours: 'five_hour',
    weekly: 'seven_day',
    '7d': 'seven_day',
    seven_days: 'seven_day',
  };
  const out = aliases[n] ?? n;
  return WINDOW_NAME.test(out) ? out : null;
}

/** Epoch seconds (below 1e11), epoch milliseconds, numeric text or ISO 8601 → epoch ms; undefined when unreadable. */
export function readTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^\d+(\.\d+)?$/.test(t)) return readTime(Number(t));
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

const money = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
};

/**
 * The money figures of a spend-limit reading, from either shape: the status line's
 * `{used_usd, limit_usd, period}` (dollars) or the OAuth answer's `extra_usage`
 * `{used_credits, monthly_limit}` (cents, "minor units", when `currency` is USD or absent).
 */
export function spendFiguresOf(raw: unknown): SpendFigures {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  if ('used_credits' in o || 'monthly_limit' in o) {
    const cents = (v: unknown) => {
      const n = money(v);
      return n === null ? null : Math.round(n) / 100;
    };
    return { usedUsd: cents(o.used_credits), limitUsd: cents(o.monthly_limit), period: 'monthly' };
  }
  return {
    usedUsd: money(o.used_usd ?? o.usedUsd),
    limitUsd: money(o.limit_usd ?? o.limitUsd),
    period: typeof o.period === 'string' && o.period !== '' ? o.period : null,
  };
}

/**
 * `extra_usage` as the `spend_limit` window: only when enabled (off, there is no spend limit);
 * its percentage is `utilization`, else used ÷ limit. It carries no reset time: the period is
 * the calendar month (docs/limits.md, "Spend limits").
 */
function extraUsageWindow(extra: unknown): OfficialWindow | { error: string } | null {
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) return null;
  const o = extra as Record<string, unknown>;
  if (o.is_enabled !== true) return null;
  const spend = spendFiguresOf(o);
  const pct =
    o.utilization ?? (spend.usedUsd !== null && spend.limitUsd ? (spend.usedUsd * 100) / spend.limitUsd : null);
  const r = readFigures({ utilization: pct, resets_at: o.resets_at ?? null }, 'usage.extra_usage');
  if ('error' in r) return r;
  return r.figures ? { window: 'spend_limit', ...r.figures, raw: extra, spend } : null;
}

/** The list and the flat keys may say the same window twice: keep the first. */
function dedupeWindows(p: ParsedOfficialUsage): ParsedOfficialUsage {
  const seen = new Set<string>();
  return { errors: p.errors, windows: p.windows.filter((w) => !seen.has(w.window) && seen.add(w.window)) };
}
