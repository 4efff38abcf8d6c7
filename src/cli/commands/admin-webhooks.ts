import { parseArgs } from 'node:util';
import { bearerOf, currentTelemetryEnv, defaultSettingsPath } from '../../install/claude-settings.ts';
import { TaktError } from '../../lib/errors.ts';
import { getJson, postJson, serverError } from '../../lib/server-client.ts';
import { webhookEventTypes, webhookFormats } from '../../webhooks/event-types.ts';
import { formatTable } from '../format-table.ts';

const help = `takt admin webhooks list|add|test [options]

Manages webhook endpoints on a takt server, over its API (docs/webhooks.md). Admins see and
manage every endpoint; members their own.

  takt admin webhooks list
  takt admin webhooks add --url https://hooks.example.com/takt --events limit_approaching,limit_hit
        [--accounts UUID,…] [--thresholds 80,95] [--format standard|slack|discord] [--description TEXT]
  takt admin webhooks test ID

Options: --server URL (else TAKT_SERVER, else the OTLP endpoint Claude Code uses),
--token T (else TAKT_TOKEN, else Claude Code's bearer), --json.
Events: ${webhookEventTypes.join(', ')}.
`;

interface EndpointAnswer {
  id: string;
  url: string;
  events: string[];
  format: string;
  enabled: boolean;
  disabled_reason: string | null;
  description: string | null;
  secret?: string;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
      accounts: { type: 'string' },
      thresholds: { type: 'string' },
      format: { type: 'string' },
      description: { type: 'string' },
      settings: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const action = positionals[0];
  if (values.help || (action !== 'list' && action !== 'add' && action !== 'test')) {
    process.stdout.write(help);
    return values.help ? 0 : 2;
  }
  const claude = currentTelemetryEnv(process.env, values.settings ?? defaultSettingsPath());
  const endpoint = claude.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? claude.OTEL_EXPORTER_OTLP_ENDPOINT;
  const server = values.server ?? process.env.TAKT_SERVER ?? endpoint?.replace(/\/v1\/metrics\/?$/, '');
  const token = values.token ?? process.env.TAKT_TOKEN ?? bearerOf(claude.OTEL_EXPORTER_OTLP_HEADERS);
  if (!server || !token) {
    throw new TaktError(
      'bad_request',
      'no server or token: pass --server URL and --token T (or set TAKT_SERVER and TAKT_TOKEN)',
    );
  }
  const out = (value: unknown, text: string) =>
    process.stdout.write(values.json ? `${JSON.stringify(value)}\n` : `${text}\n`);

  if (action === 'list') {
    const r = await getJson<{ webhooks: EndpointAnswer[] }>(server, '/api/webhooks', token);
    if (r.status !== 200) throw serverError(r);
    out(
      r.body,
      r.body.webhooks.length === 0
        ? 'no webhooks yet: add one with takt admin webhooks add --url URL --events limit_approaching'
        : formatTable(
            ['id', 'url', 'events', 'format', 'state'],
            r.body.webhooks.map((w) => [
              w.id,
              w.url,
              w.events.join(','),
              w.format,
              w.enabled ? 'enabled' : `disabled: ${w.disabled_reason ?? ''}`,
            ]),
          ),
    );
    return 0;
  }

  if (action === 'add') {
    if (!values.url || !values.events) {
      throw new TaktError(
        'bad_request',
        'add needs --url and --events (comma-separated, e.g. limit_approaching,limit_hit)',
      );
    }
    const list = (s: string | undefined) =>
      s
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const format = values.format;
    if (format !== undefined && !(webhookFormats as readonly string[]).includes(format)) {
      throw new TaktError('bad_request', `--format must be one of ${webhookFormats.join(', ')}`);
    }
    const body = {
      url: values.url,
      events: list(values.events),
      ...(values.accounts ? { account_uuids: list(values.accounts) } : {}),
      ...(values.thresholds ? { thresholds: list(values.thresholds)?.map(Number) } : {}),
      ...(format ? { format } : {}),
      ...(values.description ? { description: values.description } : {}),
    };
    const r = await postJson<EndpointAnswer>(server, '/api/webhooks', body, token);
    if (r.status !== 201) throw serverError(r);
    out(
      r.body,
      `added ${r.body.id} → ${r.body.url}\nsigning secret (shown this once, keep it in your receiver): ${r.body.secret}`,
    );
    return 0;
  }

  const id = positionals[1];
  if (!id) throw new TaktError('bad_request', 'test needs the webhook id: takt admin webhooks list shows them');
  const r = await postJson<{
    event_id: string;
    status: string;
    attempts: { status_code: number | null; error: string | null; latency_ms: number }[];
  }>(server, `/api/webhooks/${encodeURIComponent(id)}/test`, undefined, token);
  if (r.status !== 200) throw serverError(r);
  const first = r.body.attempts[0];
  out(
    r.body,
    first
      ? `test event ${r.body.event_id}: ${r.body.status === 'delivered' ? 'delivered' : 'not delivered'} (${first.status_code ?? 'no answer'}${first.error ? `, ${first.error}` : ''}, ${first.latency_ms} ms)`
      : `test event ${r.body.event_id}: not attempted yet (is the endpoint enabled?)`,
  );
  return r.body.status === 'delivered' ? 0 : 1;
}
