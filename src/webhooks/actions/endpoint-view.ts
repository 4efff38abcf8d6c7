import type { WebhookEndpointRow } from '../../store/webhooks.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** An endpoint as the API shows it: never the secret (shown once, at creation and rotation). */
export function endpointView(e: WebhookEndpointRow) {
  return {
    id: e.id,
    user_id: e.user_id,
    url: e.url,
    events: JSON.parse(e.events) as string[],
    account_uuids: e.account_uuids === null ? null : (JSON.parse(e.account_uuids) as string[]),
    thresholds: JSON.parse(e.thresholds) as number[],
    format: e.format,
    description: e.description,
    enabled: Number(e.enabled) === 1,
    disabled_reason: e.disabled_reason,
    disabled_at: iso(e.disabled_at),
    failing_since: iso(e.failing_since),
    created_at: iso(e.created_at),
    updated_at: iso(e.updated_at),
  };
}

export type EndpointView = ReturnType<typeof endpointView>;

/**
 * A webhook URL for audit rows and notices: its origin only. Slack and Discord put the
 * credential in the path (and others in the query), and audit rows hold no secrets.
 */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

/** An endpoint as audit rows keep it. */
export function auditView(e: WebhookEndpointRow) {
  return { ...endpointView(e), url: redactedUrl(e.url) };
}
