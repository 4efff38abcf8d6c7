/** The events an endpoint can subscribe to (docs/webhooks.md, "Events"). */
export const webhookEventTypes = [
  'limit_approaching',
  'limit_hit',
  'limit_predicted',
  'telemetry_stale',
  'window_reset',
  'calibration_rejected',
  'capacity_changed',
  'webhook_disabled',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Not subscribable: sent by POST /api/webhooks/{id}/test to that endpoint only. */
export const TEST_EVENT = 'webhook_test';

export const webhookFormats = ['standard', 'slack', 'discord'] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

export const DEFAULT_THRESHOLDS = [80, 95] as const;

/** The Standard Webhooks body: `{type, timestamp, data}`. */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The account part of every limits event's data; `uuid` is Claude Code's user.account_uuid. */
export interface PayloadAccount {
  id: string;
  uuid: string | null;
  label: string;
}
