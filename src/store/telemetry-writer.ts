import type { ActivityRecordsTable, MetricSeriesTable, TokenMachinesTable, UsageRecordsTable } from './schema.ts';
import type { AccountSeen } from './telemetry.ts';

/**
 * The telemetry write path as the store offers it: one call per group commit.
 * The store first resolves what the batch needs (machine and account ids, the
 * last state of cumulative series), hands those to `plan`, which decides the rows
 * without touching the database, and then writes them, all in one transaction.
 * SQLite runs this synchronously with prepared statements (nothing else can
 * interleave on its single connection); PostgreSQL runs it as one transaction.
 */
export interface TelemetryNeeds {
  machines: { userId: string; hostName: string }[];
  accounts: { userId: string; account: AccountSeen }[];
  series: { userId: string; seriesKey: string }[];
  /**
   * Accounts one user may have (TAKT_MAX_ACCOUNTS_PER_USER, issue 22.14); unset: no cap. A new
   * account past it is not made: its usage is stored all the same, counted toward no account
   * (accountId answers ''), so an acknowledged export never loses tokens to the cap.
   */
  accountsPerUserMax?: number;
}

export interface TelemetryLookups {
  machineId(userId: string, hostName: string): string;
  accountId(userId: string, accountKey: string): string;
  seriesState(userId: string, seriesKey: string): MetricSeriesTable | undefined;
}

export interface TelemetryPlan {
  usage: UsageRecordsTable[];
  activity: ActivityRecordsTable[];
  series: MetricSeriesTable[];
  /** The tokens that sent for each machine in this commit (last_seen_at = now). */
  tokenMachines: TokenMachinesTable[];
}

export interface TelemetryWritten {
  /** The usage rows that were new (a row whose key was stored before is left out). */
  usage: Set<UsageRecordsTable>;
  activity: Set<ActivityRecordsTable>;
}

export type WriteTelemetry = (
  needs: TelemetryNeeds,
  plan: (lookups: TelemetryLookups) => TelemetryPlan,
  now: number,
) => Promise<TelemetryWritten>;

export const lookupKey = (...parts: string[]) => parts.join('\u0000');
