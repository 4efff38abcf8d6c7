import type { TokenCounts } from '../lib/usage-counts.ts';
import type { IterationType } from '../transcripts/iteration-types.ts';
/**
 * What a report over transcript usage answers: daily, weekly, monthly, per session, and
 * 5-hour blocks. The JSON form is a stable schema ("takt.report/2", documented in
 * docs/reports.md): fields are only ever added within a version. "takt.report/1" (`--schema 1`,
 * report-schema-1.ts) is the same report with the price table's cost as `cost_usd`.
 */

export type ReportKind = 'daily' | 'weekly' | 'monthly' | 'session' | 'blocks';

export interface ReportOptions {
  kind: ReportKind;
  timeZone: string;
  /** Inclusive local dates YYYY-MM-DD. */
  since?: string;
  until?: string;
  breakdown: boolean;
  /** Substring of the project directory name (case-insensitive). */
  project?: string;
  /** 0 = Sunday … 6 = Saturday; weekly reports start weeks on it (default Monday). */
  weekStart: number;
  now: number;
  /** blocks: a token budget per block, or 'max' = the largest earlier block. */
  tokenLimit?: number | 'max';
}

/** The shared token fields (lib/usage-counts.ts): a new token type must appear in every report. */
export interface Sums extends TokenCounts {
  total_tokens: number;
  /**
   * What Claude Code reported: the sum of the transcript lines' own `costUSD` (older Claude Code
   * versions write it) over the responses that carry one; null when none does.
   */
  cost_usd: number | null;
  /** The priced responses at takt's price table. When unpriced_models is not empty, the true cost is higher. */
  list_cost_usd: number;
  /** Models with no price in the table: their cost is unknown, not zero. */
  unpriced_models: string[];
  responses: number;
}

export interface ModelSums extends Omit<Sums, 'list_cost_usd' | 'unpriced_models'> {
  model: string;
  /** null: the model has no price in the table. */
  list_cost_usd: number | null;
}

export interface ReportRow extends Sums {
  models: string[];
  breakdown?: ModelSums[];
}

export interface Report {
  schema: 'takt.report/2';
  report: ReportKind;
  generated_at: string;
  timezone: string;
  since: string | null;
  until: string | null;
  project: string | null;
  price_table: { effective: string };
  rows: Array<ReportRow & Record<string, unknown>>;
  totals: Sums;
  /**
   * The totals by part of a response (docs/limits.md, "Iterations counted once"): `message`,
   * and `compaction`, `advisor_message`, `other` when `usage.iterations[]` named them. They add
   * up to `totals`.
   */
  iterations: Partial<Record<IterationType, Sums>>;
}
