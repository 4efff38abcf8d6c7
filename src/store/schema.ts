import type { Generated } from 'kysely';
import type { UsageCounts } from '../lib/usage-counts.ts';
import type {
  WebhookAlertStateTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
  WebhookEventsTable,
} from './webhook-tables.ts';

/**
 * The database as Kysely sees it. Times are epoch milliseconds (bigint columns,
 * read back as numbers on both dialects); ids are random text ids. Columns that
 * are part of a primary key use '' rather than NULL for "none", which both
 * dialects accept in keys.
 */
export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  machines: MachinesTable;
  accounts: AccountsTable;
  usage_records: UsageRecordsTable;
  usage_hourly: UsageHourlyTable;
  activity_records: ActivityRecordsTable;
  metric_series: MetricSeriesTable;
  invites: InvitesTable;
  web_sessions: WebSessionsTable;
  device_codes: DeviceCodesTable;
  audit_events: AuditEventsTable;
  official_observations: OfficialObservationsTable;
  limit_events: LimitEventsTable;
  calibration_rejections: CalibrationRejectionsTable;
  capacity_changes: CapacityChangesTable;
  token_machines: TokenMachinesTable;
  manual_entries: ManualEntriesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_alert_state: WebhookAlertStateTable;
  setup_codes: SetupCodesTable;
  local_owner: LocalOwnerTable;
  rate_windows: RateWindowsTable;
  failed_proofs: FailedProofsTable;
  failed_proof_addresses: FailedProofAddressesTable;
  leases: LeasesTable;
  session_projects: SessionProjectsTable;
  contracted_prices: ContractedPricesTable;
  pricing_settings: PricingSettingsTable;
}

/** SHA-256 of each first-run setup code a replica printed; any of them opens the first-run page. */
/** An admin's contracted price of one model (migration 0015): the price table's model shape, as JSON. */
export interface ContractedPricesTable {
  model: string;
  price: string;
}

/** One row ('default') at most: the data-residency factor and who set the pricing last. */
export interface PricingSettingsTable {
  id: string;
  residency_factor: number;
  updated_at: number;
  updated_by: string | null;
}

/** The owner `takt setup --local` made (at most one row). */
export interface LocalOwnerTable {
  user_id: string;
  set_at: number;
}

export interface SetupCodesTable {
  code_hash: string;
  created_at: number;
}

/** A fixed-window counter shared by every replica (rate limits; failed proofs per address). */
export interface RateWindowsTable {
  key: string;
  count: number;
  reset_at: number;
}

/** Failed proofs of identity against one account (password, invite code), for the back-off. */
export interface FailedProofsTable {
  account: string;
  failures: number;
  last_at: number;
}

/** The addresses that failed against an account (the back-off holds back only them). */
export interface FailedProofAddressesTable {
  account: string;
  address: string;
}

/** Who holds a once-only job (runOnce) and until when. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface InvitesTable {
  /** SHA-256 of the one-time code; the code itself is shown once, to the admin who minted it. */
  code_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
}

export interface WebSessionsTable {
  /** SHA-256 of the session cookie's value. */
  id_hash: string;
  user_id: string;
  /** Sent back in the X-CSRF-Token header on cookie-authenticated writes. */
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

export interface DeviceCodesTable {
  device_code_hash: string;
  /** Short code the user types on the verify page (stored normalised: upper case, no dash). */
  user_code: string;
  resume_code_hash: string;
  machine: string;
  status: DeviceCodeStatus;
  /** Who approved or denied. */
  user_id: string | null;
  created_at: number;
  expires_at: number;
  interval_seconds: number;
  last_poll_at: number | null;
  /** The address that started the flow (shown on the approval page); null for codes made before 0009. */
  requested_address: string | null;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  actor_user_id: string | null;
  actor_address: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON, without secrets. */
  before: string | null;
  after: string | null;
}

export type UserRole = 'admin' | 'member';

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string | null;
  role: UserRole;
  created_at: number;
  disabled_at: number | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  /** Public lookup part of the token (first characters after "takt_"); unique. */
  prefix: string;
  /** SHA-256 of the whole token, hex. The token itself is never stored. */
  secret_hash: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface MachinesTable {
  id: string;
  user_id: string;
  /** host.name exactly as sent; '' when the exporter sent none (shown as unknown). */
  host_name: string;
  first_seen_at: number;
  last_seen_at: number;
}

export interface AccountsTable {
  id: string;
  user_id: string;
  /** account_uuid, else organization id, else email: the identity used to merge records. */
  account_key: string;
  account_uuid: string | null;
  organization_id: string | null;
  email: string | null;
  first_seen_at: number;
  last_seen_at: number;
  /** Settings (docs/limits.md); NULL is "not set". */
  label: Generated<string | null>;
  plan: Generated<string | null>;
  unit: Generated<'usd' | 'tokens'>;
  /** JSON: hand-set limits per window kind, in the account's unit. */
  limits: Generated<string | null>;
  /** JSON {weekday, hour, time_zone}: the weekly reset until an official one is seen. */
  weekly_reset: Generated<string | null>;
  month_start_day: Generated<number>;
  /** 1 when the account is a team seat (with a per-seat cap). */
  team_seat: Generated<number>;
  per_seat_cap: Generated<number | null>;
}

/** One window of one official utilisation answer (status line, OAuth, claude.ai, …), kept as sent. */
export interface OfficialObservationsTable {
  id: string;
  user_id: string;
  account_id: string;
  /** five_hour, seven_day, seven_day_opus, … */
  window: string;
  /** Percent, 0–100 (more when over). */
  utilization: number;
  resets_at: number | null;
  captured_at: number;
  received_at: number;
  source: string;
  session_id: string | null;
  /** The window's object as sent (unknown keys kept), JSON. */
  raw: string;
}

/** A hit limit or a "new window" mark (dashboard buttons, hooks, transcript lines). */
export interface LimitEventsTable {
  id: string;
  user_id: string;
  account_id: string;
  kind: 'hit_limit' | 'new_window';
  window: string;
  at: number;
  resets_at: number | null;
  session_id: string | null;
  source: string;
  created_at: number;
  /** Set when the mark was taken back (the dashboard's undo); such an event no longer counts. */
  undone_at: number | null;
}

/** A calibration sample rejected as an outlier, recorded when first seen (it raises calibration_rejected once). */
export interface CalibrationRejectionsTable {
  account_id: string;
  window: string;
  unit: string;
  at: number;
  implied_capacity: number;
  reason: string;
  created_at: number;
}

/** A step change of an account's calibrated capacity, recorded once (it raises capacity_changed once). */
export interface CapacityChangesTable {
  account_id: string;
  window: string;
  unit: string;
  /** The first window of the new capacity. */
  since: number;
  before: number;
  after: number;
  change_pct: number;
  confidence: string;
  windows_before: number;
  windows_after: number;
  created_at: number;
}

/** A usage entry typed in by hand (seed 002's POST /api/session, `takt track`); its figures are a 'manual' usage row. */
export interface ManualEntriesTable {
  id: string;
  user_id: string;
  at: number;
  note: string | null;
  /** The usage_records row (source 'manual') that carries the tokens. */
  dedupe_key: string;
  created_at: number;
}

/** Where a usage number came from. Every number in the product says so. */
export type UsageSource = 'metric' | 'event' | 'transcript' | 'manual';

/** The usage columns of a row: the shared token model (lib/usage-counts.ts). */
export type UsageColumns = UsageCounts;

export { emptyUsage, USAGE_FIELDS as USAGE_COLUMNS } from '../lib/usage-counts.ts';

/** The working directory a session ran in (from transcript uploads), for the sessions page. */
export interface SessionProjectsTable {
  user_id: string;
  session_id: string;
  cwd: string;
  updated_at: number;
}

/** One accepted observation (a metric delta, an api_request event, …), kept exactly once. */
export interface UsageRecordsTable extends UsageColumns {
  user_id: string;
  /** Identity of the observation within the user; a resent export produces the same key. */
  dedupe_key: string;
  source: UsageSource;
  ts: number;
  machine_id: string;
  account_id: string;
  session_id: string;
  model: string;
  request_id: string | null;
  /** The API token that sent it ('' when none: manual entries, older rows). */
  token_id: string;
  /**
   * 1 when the usage named an account past TAKT_MAX_ACCOUNTS_PER_USER (account_id is then
   * ''): counted toward no account, and never linked to another (migration 0014).
   */
  account_refused?: number;
}

/** When each token last sent usage for each machine (/validate answers about the token it is asked with). */
export interface TokenMachinesTable {
  token_id: string;
  machine_id: string;
  user_id: string;
  first_seen_at: number;
  last_seen_at: number;
}

/** usage_records summed per hour; window queries read this instead of raw rows. */
export interface UsageHourlyTable extends UsageColumns {
  user_id: string;
  hour: number;
  session_id: string;
  model: string;
  source: UsageSource;
  machine_id: string;
  account_id: string;
  records: number;
}

/** Non-token telemetry: sessions, active time, lines of code, commits, PRs, tool results, API errors. */
export interface ActivityRecordsTable {
  user_id: string;
  dedupe_key: string;
  ts: number;
  machine_id: string;
  account_id: string;
  session_id: string;
  kind: string;
  value: number;
  /** JSON object of the attributes worth keeping (type, tool_name, decision, error, …). */
  attributes: string;
}

/** Last value seen of each cumulative series, to turn cumulative points into deltas. */
export interface MetricSeriesTable {
  user_id: string;
  series_key: string;
  start_time_ns: string;
  last_time_ns: string;
  last_value: number;
  updated_at: number;
}

export type GeneratedId = Generated<string>;
