/** Every figure with its unit; times in the browser's zone, with the zone named. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const usdFormat = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });
const pctFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const fmtInt = (n: number): string => integer.format(Math.round(n));
export const fmtTokens = (n: number): string => `${fmtInt(n)} tokens`;
export const fmtUsd = (n: number): string => usdFormat.format(n);
export const fmtPct = (n: number): string => `${pctFormat.format(n)} %`;

/** A cost that may be unknown: an em dash, never $0. */
export const fmtUsdOrNone = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : fmtUsd(n));

/** The name of takt's own figure: the list table's, or the admin's contracted prices. */
export const listPriceName = (basis: 'list' | 'contracted' | undefined): string =>
  basis === 'contracted' ? 'contracted price' : 'list price';

/**
 * takt's figure, which may be unknown in part (issue 19.5): usage of a model with no price is
 * "unpriced", never $0 — "unpriced" when none of it has a price, "$1.20 + unpriced" when some has.
 */
export function fmtListCost(t: { list_cost_usd: number | null; unpriced_models?: string[] }): string {
  if (!t.unpriced_models?.length) return fmtUsdOrNone(t.list_cost_usd);
  return t.list_cost_usd === null || t.list_cost_usd === 0 ? 'unpriced' : `${fmtUsd(t.list_cost_usd)} + unpriced`;
}

/** The title that names what fmtListCost left unpriced. */
export function unpricedTitle(t: { unpriced_models?: string[] }): string | undefined {
  return t.unpriced_models?.length ? `no price known for ${t.unpriced_models.join(', ')}` : undefined;
}

/**
 * Both costs, labelled (issue 21.5): "Claude Code: $4.10 · list price: $3.72". Claude Code's
 * figure is "none reported" when the usage came only from sources without one (transcripts);
 * takt's says "unpriced" for models without a price (fmtListCost).
 */
export function fmtBothCosts(
  t: { cost_usd: number | null; list_cost_usd: number | null; unpriced_models?: string[] },
  basis?: 'list' | 'contracted',
): string {
  const reported = t.cost_usd === null ? 'none reported' : fmtUsd(t.cost_usd);
  return `Claude Code: ${reported} · ${listPriceName(basis)}: ${fmtListCost(t)}`;
}

export function fmtAmount(n: number, unit: 'usd' | 'tokens'): string {
  return unit === 'usd' ? fmtUsd(n) : fmtTokens(n);
}

/** 12.3M tokens, for axes only: exact numbers are in the table and on hover. */
export function fmtCompact(n: number): string {
  return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function zoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function fmtClock(d: Date): string {
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function fmtDateTime(d: Date): string {
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "2 h 14 min", "3 d 4 h", "45 s". */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** "resets in 2 h 14 min (15:00)"; the day is named when it is not today. */
export function fmtResetsIn(resetsAt: Date, now = new Date()): string {
  return `resets in ${fmtDuration(resetsAt.getTime() - now.getTime())} (${fmtWhen(resetsAt, now)})`;
}

/** The clock time, with the day when it is not today. */
export function fmtWhen(d: Date, now = new Date()): string {
  return d.toDateString() === now.toDateString() ? fmtClock(d) : fmtDateTime(d);
}

/** fmtWhen in two parts, for a cell that may break between them: the day ("Dec 13", none today), the clock time. */
export function whenParts(d: Date, now = new Date()): { day: string | undefined; clock: string } {
  const day =
    d.toDateString() === now.toDateString()
      ? undefined
      : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return { day, clock: fmtClock(d) };
}

export function fmtAgo(d: Date, now = new Date()): string {
  const ms = now.getTime() - d.getTime();
  return ms < 60_000 ? 'just now' : `${fmtDuration(ms)} ago`;
}

/** The local day key the server uses for group_by=day with tz (YYYY-MM-DD). */
export function dayKey(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Weeks start on Monday (ISO 8601). */
export function startOfWeek(d: Date): Date {
  const s = startOfDay(d);
  s.setDate(s.getDate() - ((s.getDay() + 6) % 7));
  return s;
}

export function startOfMonth(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), 1);
}

export function totalTokens(t: {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
}): number {
  return t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_creation_tokens;
}
