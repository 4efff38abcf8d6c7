import type { UsageCounts } from '../lib/usage-counts.ts';

/**
 * What ingest hands to recording: plain observations of Claude Code's telemetry, before
 * de-duplication and delta/cumulative handling. Decoders produce them (ingest/), the
 * recorder stores each exactly once (recording/).
 */

export interface AccountRef {
  /** account_uuid, else organization.id, else user.email. */
  key: string;
  accountUuid: string | null;
  organizationId: string | null;
  email: string | null;
}

export interface TelemetryContext {
  /** host.name from the resource; '' when the exporter sent none (recorded as unknown). */
  hostName: string;
  account: AccountRef | null;
  sessionId: string;
}

/** The fields a counter metric point can carry (the 5m/1h cache split comes from events only). */
export type MetricUsageField =
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_read_tokens'
  | 'cache_creation_tokens'
  | 'cost_usd';

/** Token counts and cost of one request. */
export type UsageTokens = UsageCounts;

export type MetricTarget =
  | { kind: 'usage'; field: MetricUsageField; model: string }
  | { kind: 'activity'; name: string; attributes: Record<string, string | number> };

/** One data point of a counter, before delta/cumulative handling. */
export interface MetricObservation {
  type: 'metric';
  /** Identity of a cumulative time series (metric, resource, point attributes), hashed; '' for delta points. */
  seriesKey: string;
  /**
   * The series identity without the metric name and the token `type`: the points of
   * one export that share it (a session's input, output, cache and cost for one
   * model) are stored as one usage row.
   */
  groupKey: string;
  temporality: 'delta' | 'cumulative';
  startNs: string;
  timeNs: string;
  value: number;
  ctx: TelemetryContext;
  target: MetricTarget;
}

export type EventTarget =
  | { kind: 'usage'; model: string; requestId: string | null; tokens: UsageTokens }
  | { kind: 'activity'; name: string; value: number; attributes: Record<string, string | number> };

export interface EventObservation {
  type: 'event';
  /** Identity of the event: request_id when sent, else session, time and sequence. */
  key: string;
  timeMs: number;
  ctx: TelemetryContext;
  target: EventTarget;
}

/**
 * One API response as a transcript recorded it (`takt sync`). Its key is the message id
 * (else the request id): a re-upload, or a second copy of the same files, repeats it; its
 * request id joins it with the api_request event of the same request (counted once).
 */
export interface TranscriptObservation {
  type: 'transcript';
  key: string;
  timeMs: number;
  ctx: TelemetryContext;
  model: string;
  requestId: string | null;
  /** Tokens as written, cost as the server's price table puts it. */
  tokens: UsageTokens;
}

export type Observation = MetricObservation | EventObservation | TranscriptObservation;
