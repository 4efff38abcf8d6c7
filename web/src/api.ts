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

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
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
  cost_usd: number;
}

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  groups: ({ key: string } & UsageTotals)[];
}

export type GroupBy = 'day' | 'model' | 'session' | 'machine' | 'account';

export function usage(from: Date, to: Date, groupBy?: GroupBy): Promise<UsageReport> {
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), tz: timeZone() });
  if (groupBy) q.set('group_by', groupBy);
  return api<UsageReport>('GET', `/api/usage?${q}`);
}

export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// The limits contract (issue 11, "The contract scripts will rely on").
export type FigureSource = 'official' | 'calibrated' | 'estimated' | 'configured';

export interface WindowFigure {
  window_start: string;
  resets_at: string;
  used: number;
  used_tokens: number;
  limit: number | null;
  utilization: number | null;
  source: FigureSource;
  as_of: string;
  confidence?: number | string | null;
  /** Where usage would be if spread evenly over the window (pace); computed from the window when absent. */
  expected_pct?: number | null;
}

export interface AccountUsage {
  id: string;
  uuid: string;
  label: string | null;
  plan: string | null;
  unit: 'usd' | 'tokens';
  windows: Record<string, WindowFigure>;
}

export interface ForecastWindow {
  utilization: number | null;
  burn_rate_pct_per_hour: number | null;
  hits_cap_at: string | null;
  resets_at: string | null;
  resets_first: boolean;
  verdict: 'ok' | 'watch' | 'slow_down' | 'will_hit_cap' | 'limited';
}

export interface Forecast {
  accounts: { id: string; uuid: string; windows: Record<string, ForecastWindow> }[];
}

export interface Pace {
  recommended_account: { id: string; uuid: string; label: string | null } | null;
  reason: string;
  accounts: {
    id: string;
    uuid: string;
    weekly_used_pct: number;
    weekly_expected_pct: number;
    weekly_slack_pct: number;
    blocked: boolean;
    blocked_until: string | null;
  }[];
}
