import type { WebhookFormat, WebhookPayload } from './event-types.ts';

/**
 * The body an endpoint receives, by its format: `standard` is the payload as stored; `slack`
 * and `discord` are their incoming-webhook shapes (`{text}`, `{content}`) with one readable
 * sentence holding the numbers and the reset time. Every format is signed the same way.
 */
export function renderBody(format: WebhookFormat, payload: WebhookPayload): string {
  switch (format) {
    case 'standard':
      return JSON.stringify(payload);
    case 'slack': {
      const text = slackEscaped(oneLine(summaryOf(payload)));
      const link = dashboardOf(payload);
      return JSON.stringify({
        text,
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: link ? `${text}\n<${link}|Open the takt dashboard>` : text },
          },
        ],
      });
    }
    case 'discord': {
      const link = dashboardOf(payload);
      const content = `${mentionsBroken(discordEscaped(oneLine(summaryOf(payload))))}${link ? `\n${link}` : ''}`;
      // Discord refuses content longer than 2000 characters. No mention may ping anyone, whatever
      // the text holds (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
      return JSON.stringify({ username: 'takt', allowed_mentions: { parse: [] }, content: content.slice(0, 2000) });
    }
    default:
      return format satisfies never;
  }
}

/**
 * Slack's control characters (https://api.slack.com/reference/surfaces/formatting#escaping): a
 * member-set label must not become `<!channel>` or a link disguised as the dashboard's.
 */
const slackEscaped = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * The sentence on one line: a label's line breaks would let it start a Discord heading
 * (`# Sign in again`) or a quote, or pass for a line of takt's own.
 */
const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ');

/**
 * Discord renders masked links, `[the takt dashboard](https://evil.example/login)`, in webhook
 * messages: a backslash before `[` and `]` (and before a backslash, so a label cannot cancel
 * ours) keeps them text (https://support.discord.com/hc/en-us/articles/210298617).
 */
const discordEscaped = (text: string) => text.replace(/[\\[\]]/g, '\\$&');

/** A zero-width space after each @, so `@everyone` in a label reads as text even where mentions render. */
const mentionsBroken = (text: string) => text.replaceAll('@', '@\u200b');

const dashboardOf = (p: WebhookPayload) => (typeof p.data.dashboard_url === 'string' ? p.data.dashboard_url : null);

function amount(value: unknown, unit: unknown): string {
  if (typeof value !== 'number') return '?';
  return unit === 'tokens' ? `${Math.round(value).toLocaleString('en-US')} tokens` : `$${value.toFixed(2)}`;
}

function when(iso: unknown): string {
  if (typeof iso !== 'string') return 'an unknown time';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function pct(value: unknown): string {
  return typeof value === 'number' ? `${Math.round(value * 10) / 10}%` : '?%';
}

/** One sentence for people: who, which window, how much of what, and when it resets. */
export function summaryOf(p: WebhookPayload): string {
  const d = p.data;
  const account = (d.account as { label?: string } | undefined)?.label ?? 'an account';
  const window = String(d.window ?? '');
  const used = `${amount(d.used, d.unit)} of ${amount(d.limit, d.unit)}`;
  switch (p.type) {
    case 'limit_approaching':
      return `takt: ${account} is at ${pct(d.utilization)} of its ${window} limit (threshold ${d.threshold}%): ${used} used; resets ${when(d.resets_at)}.`;
    case 'limit_hit':
      return `takt: ${account} hit its ${window} limit (${pct(d.utilization)}, ${used}); resets ${when(d.resets_at)}.`;
    case 'limit_predicted':
      return `takt: at the current pace ${account} reaches its ${window} limit at ${when(d.hits_cap_at)}, before the reset at ${when(d.resets_at)} (now ${pct(d.utilization)}, ${used}).`;
    case 'window_reset':
      return `takt: ${account}'s ${window} window reset; the new one resets ${when(d.resets_at)}.`;
    case 'calibration_rejected':
      return `takt: a ${window} calibration sample of ${account} was rejected (${d.reason}); implied capacity ${amount(d.implied_capacity, d.unit)}.`;
    case 'capacity_changed': {
      const change =
        typeof d.change_pct === 'number' ? `${d.change_pct > 0 ? '+' : ''}${Math.round(d.change_pct)}%` : '?%';
      return `takt: ${account}'s ${window} capacity changed ${change} since ${when(d.since)}: ${amount(d.before, d.unit)} → ${amount(d.after, d.unit)} (${d.confidence} confidence).`;
    }
    case 'telemetry_stale': {
      const machine = (d.machine as { host_name?: string } | undefined)?.host_name || 'a machine';
      return `takt: ${machine} has sent no telemetry since ${when(d.last_seen_at)} (${d.silent_minutes} minutes).`;
    }
    case 'webhook_disabled':
      return `takt: the webhook to ${String(d.url)} was disabled: ${String(d.reason)}.`;
    case 'webhook_test':
      return 'takt: a test event. This endpoint receives takt alerts.';
    default:
      return `takt: ${p.type}`;
  }
}
