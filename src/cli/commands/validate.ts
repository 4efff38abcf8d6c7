import { parseArgs } from 'node:util';
import { bearerOf, currentTelemetryEnv, defaultSettingsPath, hostNameOf } from '../../install/claude-settings.ts';
import { postJson } from '../../lib/server-client.ts';

const help = `takt validate [--server URL] [--token T] [--host NAME] [--json]

Asks the takt server whether this machine is tracking. By default it reads what
Claude Code will use: the server, token and host.name from the OTEL_* variables
of this environment, else of ~/.claude/settings.json. Exits 0 when the status is
active or recent, 1 otherwise.
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      host: { type: 'string' },
      settings: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const env = currentTelemetryEnv(process.env, values.settings ?? defaultSettingsPath());
  const endpoint = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const server = values.server ?? endpoint?.replace(/\/v1\/metrics\/?$/, '');
  const token = values.token ?? bearerOf(env.OTEL_EXPORTER_OTLP_HEADERS);
  const host = values.host ?? hostNameOf(env.OTEL_RESOURCE_ATTRIBUTES);
  if (!server) {
    process.stderr.write(
      'takt validate: no server: set OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (takt setup does) or pass --server URL\n',
    );
    return 2;
  }
  const result = await postJson<Record<string, unknown>>(server, '/validate', host ? { host_name: host } : {}, token);
  const status = String(result.body.tracking_status ?? 'unknown');
  if (values.json) process.stdout.write(`${JSON.stringify(result.body)}\n`);
  else {
    // The host came from the settings Claude Code will read: they are in place, so the
    // likely cause is a Claude Code started before them, or no prompt sent since.
    const advice =
      status === 'host_never_seen' && !values.host && host
        ? `The settings are in place (host.name=${host}), but nothing arrived from this machine yet. Claude Code reads them only when it starts: quit and restart it, send one prompt, wait a minute, then run takt validate again.`
        : String(result.body.next_action ?? '');
    process.stdout.write(`${host ?? '(no host.name)'}: ${status}\n${advice}\n`);
    const candidates = result.body.hostname_match_candidates;
    if (Array.isArray(candidates) && candidates.length) process.stdout.write(`seen as: ${candidates.join(', ')}\n`);
  }
  return status === 'active' || status === 'recent' ? 0 : 1;
}
