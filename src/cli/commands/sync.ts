import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { SyncSummary } from '../../agent/sync-transcripts.ts';
import { TranscriptSync } from '../../agent/sync-transcripts.ts';
import { watchSync } from '../../agent/watch-sync.ts';
import { defaultHome } from '../../config/takt-home.ts';
import { currentTelemetryEnv, defaultSettingsPath, hostNameOf } from '../../install/claude-settings.ts';
import { TaktError } from '../../lib/errors.ts';
import { type OfficialSource, pollOfficialUsage, postOfficialReading } from '../../official/read-official-usage.ts';
import { transcriptProjectDirs } from '../../transcripts/find-transcripts.ts';
import { type CommandSpec, type FlagValues, helpOf, parseCommand, serverFlags, stringFlag } from '../command-spec.ts';
import { serverAccessFrom } from '../server-flags.ts';

const spec: CommandSpec = {
  name: 'sync',
  usage: '[--watch] [--json] [options]',
  about: `Sends every response in Claude Code's transcripts that the server has not acknowledged
yet, once; limit hits found in transcripts as limit events; the status line's saved rate
limits as official readings. The server keeps what Claude Code deletes after 30 days, and a
request that telemetry reported too is counted only once.

The server and token: the flags, else TAKT_SERVER and TAKT_TOKEN, else what takt hooks
install saved, else what takt setup wrote into Claude Code's settings (with the machine's
name), else CLAUDE_USAGE_API_URL and CLAUDE_USAGE_API_TOKEN (an earlier desktop agent's
cron line). Transcripts are found as takt report finds them (CLAUDE_CONFIG_DIR, ~/.config/claude,
~/.claude), or under each --dir. What was acknowledged and the queue live in TAKT_HOME
(docs/sync.md).`,
  shared: ['json', 'dir', ...serverFlags, 'help'],
  flags: {
    watch: {
      type: 'boolean',
      help: 'keep going: sync after every change and every --interval seconds; while the server is away, records wait in a local queue',
    },
    interval: { type: 'string', value: 'SECONDS', help: 'with --watch: the periodic rescan (default 60)' },
    account: {
      type: 'string',
      value: 'UUID',
      help: 'the Claude account to send (its account UUID) when ~/.claude.json does not say, e.g. Claude Code has not run here yet',
    },
    'no-account': { type: 'boolean', help: 'do not send the account Claude Code is signed in with (~/.claude.json)' },
    official: {
      type: 'string',
      value: 'SOURCE',
      help: 'with --watch: also read the official utilisation (oauth, claude-ai or claude-json, as takt usage official does; at most once per 3 minutes) and send it',
    },
    'session-key-file': {
      type: 'string',
      value: 'PATH',
      help: "for --official claude-ai: the file with claude.ai's sessionKey (mode 0600)",
    },
  },
};

export async function run(args: string[]): Promise<number> {
  const { values: parsed } = parseCommand(spec, args);
  const values = parsed as {
    dir?: string[];
    watch?: boolean;
    json?: boolean;
    interval?: string;
    account?: string;
    'no-account'?: boolean;
    official?: string;
    'session-key-file'?: string;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  if (values.account !== undefined && values['no-account']) {
    throw new TaktError('bad_request', '--account and --no-account contradict each other: pass one of them');
  }
  const target = await syncTarget(parsed);
  const interval = Number(values.interval ?? 60);
  if (!Number.isFinite(interval) || interval <= 0) {
    throw new TaktError('bad_request', '--interval must be a number of seconds above 0, e.g. --interval 60');
  }
  const home = defaultHome();
  const projectDirs = transcriptProjectDirs(process.env, values.dir ?? []);
  const interactive = process.stderr.isTTY === true && !values.json;
  let progressShown = false;
  const sync = new TranscriptSync({
    server: target.server,
    token: target.token,
    home,
    projectDirs,
    hostName: target.hostName,
    accountUuid: values['no-account'] ? undefined : (values.account ?? signedInAccount(process.env)),
    settleMs: values.watch ? 3_000 : 0,
    onProgress: interactive
      ? (p) => {
          // Only a large first upload is worth a progress line.
          if (p.files < 50 && !progressShown) return;
          progressShown = true;
          process.stderr.write(
            `\rsyncing transcripts: ${p.filesDone}/${p.files} files, ${p.sent} records sent, ${p.queued} queued`,
          );
        }
      : undefined,
  });
  const clearProgress = () => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  if (projectDirs.length === 0) {
    // The roots are found once, at start: a watch started before Claude Code ever ran sees nothing.
    process.stderr.write(
      `takt sync: no transcripts found (looked in CLAUDE_CONFIG_DIR, ~/.config/claude and ~/.claude): pass --dir DIR${values.watch ? ', or start takt sync again once Claude Code has run' : ''}\n`,
    );
  }

  if (!values.watch) {
    const summary = await sync.runOnce();
    clearProgress();
    print(summary, values.json === true, false);
    if (summary.serverAway !== null) {
      process.stderr.write(
        `takt sync: the server is away (${summary.serverAway}); ${summary.queued} records are queued in ${sync.stateFile} and will be sent by the next sync\n`,
      );
      return 3;
    }
    return 0;
  }

  const official = values.official === undefined ? undefined : officialSourceOf(values.official);
  let officialFailed = false;
  const poller = official
    ? pollOfficialUsage({
        source: official,
        env: process.env,
        home,
        ...(values['session-key-file'] ? { sessionKeyFile: values['session-key-file'] } : {}),
        onReading: async (reading) => {
          const r = await postOfficialReading(reading, { server: target.server, token: target.token ?? '' });
          if (r.status >= 300) throw new Error(`the server answered ${r.status} to the official reading`);
          officialFailed = false;
        },
        // Said once until a reading gets through again: the poller keeps trying.
        onError: (error) => {
          if (!officialFailed) process.stderr.write(`takt sync: official usage: ${(error as Error).message}\n`);
          officialFailed = true;
        },
      })
    : undefined;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await watchSync(sync, {
      projectDirs,
      intervalMs: interval * 1000,
      retryMs: Math.min(5_000, interval * 1000),
      settleMs: 3_000,
      signal: controller.signal,
      onCycle: (summary) => {
        clearProgress();
        print(summary, values.json === true, true);
      },
      onAway: (reason) =>
        process.stderr.write(
          `takt sync: the server is away (${reason}); records wait in the local queue and are sent when it answers again\n`,
        ),
      onBack: () => process.stderr.write('takt sync: the server answers again; the queue is being sent\n'),
    });
  } finally {
    poller?.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

function print(s: SyncSummary, json: boolean, watching: boolean): void {
  const sentSomething = s.stored + s.duplicates + s.rejected + s.hitsSent > 0 || s.rateLimitsSent;
  if (json) {
    if (!watching || sentSomething || s.errors.length > 0) process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  for (const e of s.errors) process.stderr.write(`takt sync: ${e}\n`);
  if (watching && !sentSomething) return;
  const parts = [`${s.stored} new records stored`, `${s.duplicates} already on the server`];
  if (s.rejected) parts.push(`${s.rejected} rejected`);
  if (s.hitsSent) parts.push(`${s.hitsSent} limit hits sent`);
  if (s.rateLimitsSent) parts.push('status line rate limits sent');
  if (s.queued) parts.push(`${s.queued} queued`);
  process.stdout.write(`${watching ? `${new Date().toISOString()} ` : ''}${parts.join(', ')}\n`);
}

/**
 * The server, token and host name: the shared flags and resolveServerAccess (flags, TAKT_SERVER /
 * TAKT_TOKEN, client.json, the telemetry settings takt setup wrote). A server given alone with no
 * token known for it is asked without one (a one-person local server takes that from loopback).
 */
export async function syncTarget(
  values: FlagValues,
): Promise<{ server: string; token: string | undefined; hostName: string }> {
  const settings = stringFlag(values, 'settings') ?? defaultSettingsPath();
  const access = await serverAccessFrom({ ...values, settings }, { env: process.env, home: defaultHome() });
  const server = access?.server ?? stringFlag(values, 'server')?.replace(/\/+$/, '');
  if (!server) {
    throw new TaktError(
      'bad_request',
      'no server: pass --server URL --token-file PATH, or run takt setup first (it saves them for Claude Code and takt)',
    );
  }
  const env = currentTelemetryEnv(process.env, settings);
  return { server, token: access?.token, hostName: hostNameOf(env.OTEL_RESOURCE_ATTRIBUTES) ?? hostname() };
}

/** The account Claude Code is signed in with on this machine (~/.claude.json oauthAccount), when it says. */
function signedInAccount(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.CLAUDE_CONFIG_DIR ?? '').split(',').filter(Boolean), env.HOME ?? homedir()];
  for (const dir of dirs) {
    try {
      const config = JSON.parse(readFileSync(join(dir.trim(), '.claude.json'), 'utf8')) as {
        oauthAccount?: { accountUuid?: unknown };
      };
      const uuid = config.oauthAccount?.accountUuid;
      if (typeof uuid === 'string' && uuid !== '') return uuid;
    } catch {
      // not there, or not readable: try the next place
    }
  }
  return undefined;
}

function officialSourceOf(name: string): OfficialSource {
  const sources: Record<string, OfficialSource> = {
    oauth: 'oauth',
    'claude-ai': 'claude_ai',
    'claude-json': 'claude_json',
  };
  const source = sources[name];
  if (!source) throw new TaktError('bad_request', `--official must be oauth, claude-ai or claude-json (got ${name})`);
  return source;
}
