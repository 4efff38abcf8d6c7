/** The JSON API, as the dashboard uses it (docs/api.md). Same origin, cookie session + CSRF header. */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken = '';
export function setCsrf(token: string): void {
  csrfToken = token;
}

/**
 * GETs in flight, by path: a page that asks for the same read twice at once makes one call
 * (on a Monday "today" and "this week" are the same range).
 */
const reading = new Map<string, Promise<unknown>>();

export function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (method !== 'GET' || body !== undefined) return call<T>(method, path, body);
  let pending = reading.get(path);
  if (pending === undefined) {
    pending = call<T>(method, path).finally(() => reading.delete(path));
    reading.set(path, pending);
  }
  return pending as Promise<T>;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const r = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  if (!r.ok) {
    const e = (parsed as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(r.status, e?.code ?? 'internal', e?.message ?? `${method} ${path} answered ${r.status}`);
  }
  return parsed as T;
}

export interface SessionUser {
  id: string;
  email: string;
  role: 'admin' | 'member';
}

export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  cache_creation_5m_tokens: number;
  cache_creation_1h_tokens: number;
  /** What Claude Code reported; null where the usage came from sources that report none (transcripts, manual entries). */
  cost_usd: number | null;
  /** takt's price table (contracted prices applied when an admin set them); null: no model of it has a price. */
  list_cost_usd: number | null;
  /** Models with tokens but no price, left out of list_cost_usd (their cost is unknown); absent when none. */
  unpriced_models?: string[];
}

/** What `list_cost_usd` is priced at (docs/api.md, "Two costs"). */
export interface PricingLabel {
  basis: 'list' | 'contracted';
  residency_factor: number;
  contracted_models: string[];
  list_effective: string;
}

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  groups: ({ key: string; keys?: Record<string, string> } & UsageTotals)[];
  pricing?: PricingLabel;
}

export type GroupBy = 'day' | 'model' | 'session' | 'machine' | 'account' | 'day,model';

export interface UsageFilter {
  account?: string;
  machine?: string;
}

export function usage(from: Date, to: Date, groupBy?: GroupBy, filter: UsageFilter = {}): Promise<UsageReport> {
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), tz: timeZone() });
  if (groupBy) q.set('group_by', groupBy);
  if (filter.account) q.set('account', filter.account);
  if (filter.machine) q.set('machine', filter.machine);
  return api<UsageReport>('GET', `/api/usage?${q}`);
}

export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// The limits contract (docs/api.md, "Limits").
export type FigureSource = 'official' | 'calibrated' | 'estimated' | 'configured';

export interface ForecastWindow {
  utilization: number | null;
  burn_rate_pct_per_hour: number | null;
  hits_cap_at: string | null;
  /** active_pace: someone works now; if_resumed: idle, no time, see if_resumed (docs/api.md, "Forecast"). */
  basis?: 'active_pace' | 'if_resumed';
  /** The band from the person's history; p90 null: maybe not before the reset. */
  hits_cap_at_p10?: string | null;
  hits_cap_at_p90?: string | null;
  band_source?: 'history' | 'default' | null;
  last_used_at?: string | null;
  if_resumed?: { work_minutes_to_cap: number; work_minutes_to_cap_p10: number; work_minutes_to_cap_p90: number } | null;
  resets_at: string | null;
  resets_first: boolean;
  projected_pct_at_reset?: number | null;
  verdict: 'ok' | 'watch' | 'slow_down' | 'will_hit_cap' | 'limited';
}

/** A window the account's plan or its latest official readings do not have: nothing to draw. */
export interface AbsentWindow {
  label: string;
  order: number;
  applies: false;
  /** "no 5-hour limit on this plan (Ultra (formerly Max 20x))". */
  reason: string;
}

export interface WindowFigure {
  /** The plan table's name ("5-hour window", "Week (Opus)") and display order, from the server. */
  label: string;
  order: number;
  applies?: true;
  window_start: string;
  resets_at: string;
  window_source?: 'official' | 'estimated' | 'configured';
  window_note?: string | null;
  active?: boolean;
  unit?: 'usd' | 'tokens';
  used: number;
  used_usd?: number;
  used_tokens: number;
  limit: number | null;
  limit_source?: string | null;
  utilization: number | null;
  source: FigureSource | null;
  as_of: string | null;
  confidence?: number | string | null;
  official_at?: string | null;
  official_utilization?: number | null;
  limited?: boolean;
  /** Where usage would be if spread evenly over the window (pace). */
  expected_pct?: number | null;
  forecast?: ForecastWindow;
  /** The spend_limit window only: the budget in dollars and its period ("monthly"). */
  limit_usd?: number | null;
  period?: string | null;
}

/** Usage that arrived before its account was known (GET /api/me/usage `unlinked`). */
export interface UnlinkedUsage {
  total_tokens: number;
  /** What Claude Code reported; null when nothing of it reported a cost. */
  cost_usd: number | null;
  /** takt's price table (contracted prices applied when set). */
  list_cost_usd: number | null;
  records: number;
  first_at: string;
  last_at: string;
  machines: string[];
  manual_entries: boolean;
  fix: string;
}

export interface AccountUsage {
  id: string;
  uuid: string | null;
  label: string | null;
  email?: string | null;
  plan: string | null;
  plan_label?: string | null;
  unit: 'usd' | 'tokens';
  team_seat?: boolean;
  windows: Record<string, WindowFigure | AbsentWindow>;
}

export interface Pace {
  recommended_account: { id: string; uuid: string | null; label: string | null } | null;
  reason: string;
  accounts: {
    id: string;
    uuid: string | null;
    label?: string | null;
    weekly_used_pct: number | null;
    weekly_expected_pct: number | null;
    weekly_slack_pct: number | null;
    weekly_resets_at?: string | null;
    blocked: boolean;
    blocked_until: string | null;
    blocked_by?: string | null;
  }[];
}

export interface AccountSettings {
  id: string;
  uuid: string | null;
  label: string;
  label_set: string | null;
  email: string | null;
  plan: string | null;
  unit: 'usd' | 'tokens';
  limits: Record<string, number> | null;
  weekly_reset: { weekday: number; hour: number; time_zone: string } | null;
  month_start_day: number;
  team_seat: boolean;
  per_seat_cap: number | null;
  first_seen_at: string;
  last_seen_at: string;
}

/** The plan ids since the rename of 2026-10-30 (the server still accepts max5/max20 and answers max/ultra). */
export const PLANS = [
  { id: 'pro', label: 'Pro' },
  { id: 'max', label: 'Max (formerly Max 5x)' },
  { id: 'ultra', label: 'Ultra (formerly Max 20x)' },
  { id: 'team', label: 'Team' },
  { id: 'team_premium', label: 'Team Premium' },
  { id: 'enterprise', label: 'Enterprise' },
  { id: 'api', label: 'API' },
  { id: 'custom', label: 'Custom' },
] as const;

export interface SessionRow {
  session_id: string;
  /** The working directory's last two parts; null when only OpenTelemetry reported the session. */
  project: string | null;
  cwd: string | null;
  started_at: string;
  last_activity_at: string;
  duration_seconds: number;
  status: 'active' | 'recent' | 'stale';
  machines: string[];
  accounts: { id: string; label: string }[];
  models: string[];
  tokens: number;
  cost_usd: number | null;
  list_cost_usd: number | null;
  /** As in UsageTotals: models whose cost is unknown; absent when none. */
  unpriced_models?: string[];
  context: {
    model: string;
    at: string;
    used_tokens: number;
    window_tokens: number;
    utilization: number;
    window_rule: string;
  } | null;
}

export interface MachineRow {
  id: string;
  host_name: string;
  tracking_status: 'active' | 'recent' | 'stale';
  last_seen_at: string;
  tokens_today: number;
  /** What Claude Code reported today; null when nothing reported a cost. */
  cost_usd_today: number | null;
  list_cost_usd_today: number | null;
}

/** GET /api/me/activity: Claude Code's activity metrics (docs/api.md, "Activity"). */
export interface ActivityTotals {
  sessions: number;
  active_seconds: { user: number; cli: number };
  lines: { added: number; removed: number };
  commits: number;
  pull_requests: number;
  edit_decisions: Record<string, { accept: number; reject: number }>;
}

export function activity(from: Date, to: Date): Promise<{ totals: ActivityTotals }> {
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  return api('GET', `/api/me/activity?${q}`);
}

/** A link that downloads usage as CSV (GET /api/export; the session cookie authorises it). */
export function exportCsvHref(from: Date, to: Date, level: 'request' | 'session' | 'day'): string {
  const q = new URLSearchParams({
    format: 'csv',
    from: from.toISOString(),
    to: to.toISOString(),
    level,
    tz: timeZone(),
  });
  return `/api/export?${q}`;
}
