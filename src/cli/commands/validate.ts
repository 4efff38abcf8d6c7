import { defaultHome } from '../../config/takt-home.ts';
import { hookStateIn } from '../../install/claude-hooks.ts';
import { currentTelemetryEnv, defaultSettingsPath, hostNameOf, readSettings } from '../../install/claude-settings.ts';
import { postJson } from '../../lib/server-client.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags } from '../command-spec.ts';
import { serverAccessFrom } from '../server-flags.ts';

const spec: CommandSpec = {
  name: 'validate',
  usage: '[--host NAME] [--json] [options]',
  about: `Asks the takt server whether this machine is tracking, and lists each way usage
reaches it — OpenTelemetry from Claude Code, takt sync uploads, hooks and the status line,
official readings, manual entries — with its last arrival and what to do when it never came.
By default it uses what Claude Code will use: the server, token and host name that takt setup
wrote into Claude Code's settings. Exits 0 when this machine is tracking, 1 otherwise.`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    host: {
      type: 'string',
      value: 'NAME',
      help: "this machine's name as Claude Code reports it (default: from the settings)",
    },
  },
};

const SOURCE_NAMES: Record<string, string> = {
  opentelemetry: 'OpenTelemetry',
  sync: 'takt sync uploads',
  hooks: 'hooks and status line',
  official: 'official readings',
  manual: 'manual entries',
};

interface SourceStatus {
  last_arrival: string | null;
  missing: string | null;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(spec, args);
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const settings = typeof values.settings === 'string' ? values.settings : defaultSettingsPath();
  const env = currentTelemetryEnv(process.env, settings);
  const access = await serverAccessFrom({ ...values, settings }, { env: process.env, home: defaultHome() });
  const host = typeof values.host === 'string' ? values.host : hostNameOf(env.OTEL_RESOURCE_ATTRIBUTES);
  if (!access && typeof values.server !== 'string') {
    process.stderr.write(
      "takt validate: no server: run takt setup (it writes the server into Claude Code's settings) or pass --server URL\n",
    );
    return 2;
  }
  const server = access?.server ?? String(values.server);
  const result = await postJson<Record<string, unknown>>(
    server,
    '/validate',
    host ? { host_name: host } : {},
    access?.token,
  );
  const status = String(result.body.tracking_status ?? 'unknown');
  const hook = hookStateIn(settings);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result.body, stop_failure_hook: hook })}\n`);
  else {
    // The host came from the settings Claude Code will read: they are in place, so the
    // likely cause is a Claude Code started before them, or no prompt sent since.
    const inPlace = values.host === undefined && host !== undefined && telemetrySettingsInPlace(env);
    const sources = result.body.sources as Record<string, SourceStatus> | undefined;
    const tracking = status === 'active' || status === 'recent';
    const advice =
      status === 'host_never_seen' && values.host === undefined && host
        ? `The settings are in place (host.name=${host}), but nothing arrived from this machine yet. Claude Code reads them only when it starts: quit and restart it, send one prompt, wait a minute, then run takt validate again.`
        : tracking && inPlace && sources?.opentelemetry?.last_arrival === null
          ? `Tracking through ${arrivedNames(sources)}, but no OpenTelemetry yet. The telemetry settings are in place (host.name=${host}): Claude Code reads them only when it starts: quit and restart it and send one prompt.`
          : String(result.body.next_action ?? '');
    process.stdout.write(`${host ?? '(no host.name)'}: ${status}\n${advice}\n`);
    const candidates = result.body.hostname_match_candidates;
    if (Array.isArray(candidates) && candidates.length) process.stdout.write(`seen as: ${candidates.join(', ')}\n`);
    // The server cannot see this machine's settings: where they are already in place, the
    // next step is a restart of Claude Code, not "run takt setup" or "takt hooks install".
    if (sources)
      process.stdout.write(
        sourceLines(withLocalAdvice(sources, inPlace ? host : undefined, hook, statusLineIsTakt(settings))),
      );
    const local = result.body.local_mode as { on: boolean; reason: string } | undefined;
    process.stdout.write(`${HOOK_LINES[hook]}\n`);
    if (local) process.stdout.write(`${localModeLine(local)}\n`);
  }
  return status === 'active' || status === 'recent' ? 0 : 1;
}

/** This machine's StopFailure hook, read from the settings Claude Code uses (not the server's view). */
const HOOK_LINES: Record<ReturnType<typeof hookStateIn>, string> = {
  current: 'Limit hook: installed (a hit usage limit is reported at once)',
  outdated:
    'Limit hook: installed by an older takt, which Claude Code can stop before it reports: run takt hooks install again',
  absent:
    'Limit hook: not installed (takt hooks install reports a hit usage limit at once; takt sync reports it later)',
};

/** The one-person local mode (issue 19.3; docs/security.md): whether token-less local requests count as yours. */
export function localModeLine(local: { on: boolean; reason: string }): string {
  return local.on
    ? `Local mode: on (${local.reason}): programs on this machine may send and read usage without a token, as yours`
    : `Local mode: off (${local.reason}): every request needs a token`;
}

/** settings.json's status line runs `takt statusline` (as takt hooks install sets it). */
function statusLineIsTakt(settingsPath: string): boolean {
  try {
    const line = readSettings(settingsPath).statusLine as { command?: unknown } | undefined;
    return typeof line?.command === 'string' && /\bstatusline\b/.test(line.command) && /takt/.test(line.command);
  } catch {
    return false;
  }
}

/** Claude Code will export telemetry with these settings: telemetry on and an OTLP endpoint. */
function telemetrySettingsInPlace(env: Record<string, string>): boolean {
  return (
    env.CLAUDE_CODE_ENABLE_TELEMETRY === '1' &&
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)
  );
}

function arrivedNames(sources: Record<string, SourceStatus>): string {
  return Object.entries(sources)
    .filter(([, s]) => s.last_arrival !== null)
    .map(([key]) => SOURCE_NAMES[key] ?? key)
    .join(', ');
}

function withLocalAdvice(
  sources: Record<string, SourceStatus>,
  settingsHost: string | undefined,
  hook: ReturnType<typeof hookStateIn>,
  taktStatusLine: boolean,
): Record<string, SourceStatus> {
  const out = { ...sources };
  const otel = out.opentelemetry;
  if (settingsHost && otel && otel.last_arrival === null) {
    out.opentelemetry = {
      ...otel,
      missing: `no telemetry from Claude Code yet; its settings are in place (host.name=${settingsHost}): quit and restart Claude Code, then send a prompt`,
    };
  }
  const hooks = out.hooks;
  if (hook === 'current' && hooks && hooks.last_arrival === null) {
    out.hooks = {
      ...hooks,
      missing: `nothing reported yet; the limit hook is installed: it reports when Claude Code (restarted since) hits a limit${
        taktStatusLine ? ", and takt's status line forwards the rate limits Claude Code shows on Pro and Max plans" : ''
      }`,
    };
  }
  return out;
}

function sourceLines(sources: Record<string, SourceStatus>): string {
  const width = Math.max(...Object.values(SOURCE_NAMES).map((n) => n.length)) + 2;
  const lines = Object.entries(sources).map(([key, s]) => {
    const name = `${SOURCE_NAMES[key] ?? key}:`.padEnd(width + 1);
    return `  ${name}${s.last_arrival ? `last ${s.last_arrival}` : `never — ${s.missing ?? ''}`}`;
  });
  return `Sources:\n${lines.join('\n')}\n`;
}
