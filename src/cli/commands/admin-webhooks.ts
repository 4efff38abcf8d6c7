import { defaultHome } from '../../config/takt-home.ts';
import { TaktError } from '../../lib/errors.ts';
import { getJson, postJson, serverError } from '../../lib/server-client.ts';
import { webhookEventTypes, webhookFormats } from '../../webhooks/event-types.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags, subcommandOf } from '../command-spec.ts';
import { formatTable } from '../format-table.ts';
import { serverAccessFrom } from '../server-flags.ts';

const spec: CommandSpec = {
  name: 'admin',
  sub: { words: 'webhooks', summary: 'manage the webhook endpoints that get limit alerts' },
  usage: [
    'list [options]',
    'add --url URL --events E,… [--accounts UUID,…] [--thresholds 80,95] [--format F] [--description TEXT] [options]',
    'test ID [options]',
  ],
  about: `Manages webhook endpoints on a takt server, over its API (docs/webhooks.md). Admins see
and manage every endpoint; members their own.
Events: ${webhookEventTypes.join(', ')}.`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    url: { type: 'string', value: 'URL', help: 'add: where to send the alerts' },
    events: { type: 'string', value: 'E,…', help: 'add: which events, comma-separated' },
    accounts: { type: 'string', value: 'UUID,…', help: 'add: only these Anthropic accounts (default: all of yours)' },
    thresholds: { type: 'string', value: 'PCT,…', help: 'add: the utilisation thresholds that alert (e.g. 80,95)' },
    format: { type: 'string', value: 'F', help: `add: ${webhookFormats.join(', ')} (default standard)` },
    description: { type: 'string', value: 'TEXT', help: 'add: a note for you' },
  },
};

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
  const { sub, rest } = subcommandOf(spec, args, ['list', 'add', 'test'] as const);
  const { values: parsed, positionals } = parseCommand(spec, rest, { positionals: true });
  const values = parsed as Record<string, string | undefined> & { json?: boolean; help?: boolean };
  if (sub === 'help' || values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const action = sub;
  const access = await serverAccessFrom(parsed, { env: process.env, home: defaultHome() });
  if (!access) {
    throw new TaktError(
      'bad_request',
      'no server or token: pass --server URL --token-file PATH (or set TAKT_SERVER and TAKT_TOKEN), or run takt setup',
    );
  }
  const { server, token } = access;
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

  const id = positionals[0];
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
