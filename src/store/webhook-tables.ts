/** The webhook tables (migration 0004-webhooks); instants are epoch milliseconds. */

export interface WebhookEndpointsTable {
  id: string;
  user_id: string;
  url: string;
  /** JSON array of event names. */
  events: string;
  /** JSON array of account uuids; NULL covers every account the owner may see. */
  account_uuids: string | null;
  /** JSON array of limit_approaching percentages. */
  thresholds: string;
  format: string;
  description: string | null;
  secret: string;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  /** The first failed attempt since the last success (an endpoint failing for days is disabled). */
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookEventsTable {
  id: string;
  type: string;
  user_id: string | null;
  account_id: string | null;
  payload: string;
  created_at: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  lease_owner: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  endpoint_id: string;
  attempt: number;
  started_at: number;
  status_code: number | null;
  latency_ms: number;
  outcome: string;
  error: string | null;
  response_excerpt: string | null;
}

export interface WebhookAlertStateTable {
  subject: string;
  key: string;
  value: string;
  updated_at: number;
}
