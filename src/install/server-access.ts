import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearerOf, defaultSettingsPath, readSettings } from './claude-settings.ts';

/**
 * Which takt server this machine reports to, and with which token, for the commands that
 * run unattended (the StopFailure hook, the status line's forwarder, the official-usage
 * poller). In order: flags; TAKT_SERVER / TAKT_TOKEN; TAKT_HOME/client.json (saved by
 * `takt hooks install --server --token`); the telemetry settings `takt setup` applied, from
 * the environment (a shell's exports) or settings.json — Claude Code passes its settings'
 * env block to hooks and the status line, but not the OTEL_* variables (2.1.330), so the
 * file is read: `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`; last,
 * CLAUDE_USAGE_API_URL / CLAUDE_USAGE_API_TOKEN, the variables seed 001's desktop agent read
 * (issue 19.4), so its cron line works with `takt sync` in place of the agent.
 */
export interface ServerAccess {
  server: string;
  token: string;
  from: 'flags' | 'environment' | 'client.json' | 'telemetry settings' | 'CLAUDE_USAGE_API_URL';
}

export const clientFile = (home: string) => join(home, 'client.json');

export function resolveServerAccess(q: {
  flags?: { server?: string | undefined; token?: string | undefined };
  env: NodeJS.ProcessEnv;
  home: string;
  settingsPath?: string;
}): ServerAccess | undefined {
  const saved = readClientFile(q.home);
  const telemetry =
    telemetryAccess(q.env) ?? telemetryAccess(settingsEnv(q.settingsPath ?? defaultSettingsPath(q.env)));
  const trim = (u: string | undefined) => u?.replace(/\/+$/, '');
  const candidates: ServerAccess[] = [
    { from: 'flags', server: trim(q.flags?.server) ?? '', token: q.flags?.token ?? '' },
    { from: 'environment', server: trim(q.env.TAKT_SERVER) ?? '', token: q.env.TAKT_TOKEN ?? '' },
    { from: 'client.json', server: trim(saved?.server) ?? '', token: saved?.token ?? '' },
    { from: 'telemetry settings', server: trim(telemetry?.server) ?? '', token: telemetry?.token ?? '' },
    {
      from: 'CLAUDE_USAGE_API_URL',
      // The seed's URL named its Django site; takt's paths start at the server's root.
      server: trim(trim(q.env.CLAUDE_USAGE_API_URL)?.replace(/\/app\/claude-usage$/, '')) ?? '',
      token: q.env.CLAUDE_USAGE_API_TOKEN ?? '',
    },
  ];
  const complete = candidates.filter((c) => c.server !== '' && c.token !== '');
  // A server given alone takes the token known for that same server, never another server's.
  const server = trim(q.flags?.server);
  if (server && !q.flags?.token) {
    const known = complete.find((c) => c.server === server);
    return known ? { ...known, from: 'flags' } : undefined;
  }
  // A token given alone goes to the server found otherwise (takt watch --token T).
  if (q.flags?.token && !server) {
    const found = candidates.find((c) => c.server !== '');
    return found ? { from: 'flags', server: found.server, token: q.flags.token } : undefined;
  }
  return complete[0];
}

export function saveClientFile(home: string, access: { server: string; token: string }): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = clientFile(home);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ server: access.server, token: access.token }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return file;
}

function readClientFile(home: string): { server?: string; token?: string } | undefined {
  try {
    const o = JSON.parse(readFileSync(clientFile(home), 'utf8')) as { server?: unknown; token?: unknown };
    return {
      ...(typeof o.server === 'string' ? { server: o.server } : {}),
      ...(typeof o.token === 'string' ? { token: o.token } : {}),
    };
  } catch {
    return undefined;
  }
}

function settingsEnv(path: string): Record<string, string | undefined> {
  try {
    const env = readSettings(path).env;
    return env && typeof env === 'object' ? (env as Record<string, string | undefined>) : {};
  } catch {
    return {};
  }
}

/** The server's base URL and the bearer token from OTEL_EXPORTER_OTLP_* (as `takt setup` writes them). */
function telemetryAccess(env: Record<string, string | undefined>): { server: string; token: string } | undefined {
  const endpoint =
    env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const token = bearerOf(env.OTEL_EXPORTER_OTLP_HEADERS);
  if (!endpoint || !token) return undefined;
  return { server: endpoint.replace(/\/v1\/(logs|metrics)\/?$/, '').replace(/\/+$/, ''), token };
}
