import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StatusInput } from './status-input.ts';

/** Official figures reach the server at most this often from one machine's status line. */
export const FORWARD_MS = 60_000;

/**
 * Sends Claude Code's `rate_limits` (with the session id) to the server as a `statusline`
 * observation — from a detached `takt hooks post`, at most once a minute, and only when a
 * server is configured. The status line itself only stats a marker file: the network,
 * the token lookup and a server that is away are the child's business.
 */
export function forwardRateLimits(home: string, input: StatusInput, capturedAt: number, env: NodeJS.ProcessEnv): void {
  const limits = input.rate_limits;
  if (
    limits === undefined ||
    (limits.five_hour === undefined && limits.seven_day === undefined && limits.spend_limit === undefined)
  )
    return;
  const marker = join(home, 'official-forward.at');
  const last = statSync(marker, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (Date.now() - last < FORWARD_MS) return;
  if (!serverConfigured(home, env)) return;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(marker, '');
  const body = {
    source: 'statusline',
    captured_at: new Date(capturedAt).toISOString(),
    ...(input.session_id ? { session_id: input.session_id } : {}),
    rate_limits: limits,
  };
  const main = process.argv[1];
  if (main === undefined) return;
  // Loaded only here: most runs do not forward, and every module costs start-up time.
  void import('node:child_process').then(({ spawn }) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, main, 'hooks', 'post', '/api/official-usage', JSON.stringify(body)],
      { detached: true, stdio: 'ignore' },
    );
    child.on('error', () => {});
    child.unref();
  });
}

/**
 * A cheap guess that a server is configured (the child decides for real): TAKT_SERVER,
 * `takt hooks install --server`'s client.json, or the OTEL_* settings `takt setup` wrote to
 * settings.json — read from the file: Claude Code passes its settings' env block to the
 * commands it runs, but not the OTEL_* variables (checked with 2.1.330).
 */
function serverConfigured(home: string, env: NodeJS.ProcessEnv): boolean {
  if (env.TAKT_SERVER || env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) return true;
  if (statSync(join(home, 'client.json'), { throwIfNoEntry: false }) !== undefined) return true;
  return settingsPaths(env).some((path) => {
    try {
      return readFileSync(path, 'utf8').includes('OTEL_EXPORTER_OTLP_HEADERS');
    } catch {
      return false;
    }
  });
}

/** Where Claude Code reads user settings: $CLAUDE_CONFIG_DIR, else ~/.claude. */
export function settingsPaths(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  return [
    ...(env.CLAUDE_CONFIG_DIR ? [join(env.CLAUDE_CONFIG_DIR, 'settings.json')] : []),
    join(home, '.claude', 'settings.json'),
  ];
}
