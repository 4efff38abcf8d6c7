import { readFileSync } from 'node:fs';
import { defaultHome } from '../../config/takt-home.ts';
import { installHooks, uninstallHooks } from '../../install/claude-hooks.ts';
import { defaultSettingsPath } from '../../install/claude-settings.ts';
import { resolveServerAccess, saveClientFile } from '../../install/server-access.ts';
import { TaktError } from '../../lib/errors.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags, subcommandOf } from '../command-spec.ts';
import { appendLog, notNow, postToServer } from '../hooks/post-to-server.ts';
import { awaitStopFailure, forgetReported, type StopFailureInput } from '../hooks/stop-failure.ts';
import { tokenFromFlags } from '../server-flags.ts';
import { taktCommandLine } from '../takt-invocation.ts';

const spec: CommandSpec = {
  name: 'hooks',
  usage: ['install [options]', 'uninstall [--settings PATH] [--json]'],
  about: `install adds to Claude Code's settings.json (backed up, written whole):
  - a hook that reports a hit usage limit to the takt server (window and reset time from the
    transcript);
  - the status line (takt statusline), only if none is set.
uninstall removes exactly what install added; everything else stays.

With --server, the token (given, or the one known for that server) is kept in
TAKT_HOME/client.json (mode 0600), never in settings.json.`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    'no-status-line': { type: 'boolean', help: 'leave the status line alone' },
    takt: {
      type: 'string',
      value: 'COMMAND',
      help: "how the hooks run takt (default: this Node and takt's entry, absolute)",
    },
  },
};

export async function run(args: string[]): Promise<number> {
  // stop-failure and post are run by Claude Code and by takt itself, not by people: not in help.
  if (args[0] === 'stop-failure') return stopFailure();
  if (args[0] === 'post') return post(args.slice(1));
  const { sub, rest } = subcommandOf(spec, args, ['install', 'uninstall'] as const);
  if (sub === 'help') {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  return installOrUninstall(sub, rest);
}

async function installOrUninstall(sub: 'install' | 'uninstall', args: string[]): Promise<number> {
  const { values: parsed } = parseCommand(spec, args);
  const values = parsed as {
    settings?: string;
    server?: string;
    takt?: string;
    'no-status-line'?: boolean;
    json?: boolean;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const home = defaultHome();
  const path = values.settings ?? defaultSettingsPath();
  if (sub === 'uninstall') {
    const r = uninstallHooks(path, home);
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        r.removed_hooks === 0 && !r.removed_status_line
          ? `Nothing of takt's in ${r.path}: nothing changed.\n`
          : `Removed takt's StopFailure hook${r.removed_status_line ? ' and status line' : ''} from ${r.path} (backup: ${r.backup}).\n`,
      );
    }
    return 0;
  }
  const given = await tokenFromFlags(parsed);
  if (given && !values.server) {
    throw new TaktError('bad_request', '--token needs --server: the server the token belongs to');
  }
  if (values.server) {
    const token = given ?? resolveServerAccess({ env: process.env, home, settingsPath: path })?.token;
    if (!token) throw new TaktError('bad_request', `--server needs --token: no token is known for ${values.server}`);
    saveClientFile(home, { server: values.server.replace(/\/+$/, ''), token });
  }
  const r = installHooks(path, home, values.takt ?? taktCommandLine(), { statusLine: !values['no-status-line'] });
  const access = resolveServerAccess({ env: process.env, home, settingsPath: path });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...r, server: access?.server ?? null })}\n`);
    return 0;
  }
  const lines = [
    `StopFailure hook ${r.hook} in ${r.path}${r.backup ? ` (backup: ${r.backup})` : ''}.`,
    r.status_line === 'added'
      ? 'Status line set to takt statusline.'
      : r.status_line === 'kept_yours'
        ? 'Your status line is kept (add takt statusline yourself if you want it).'
        : 'Status line unchanged.',
    access
      ? `Hit limits are reported to ${access.server}.`
      : 'No takt server is known yet: run takt setup, or takt hooks install --server URL --token T; until then hits are only logged in TAKT_HOME/hooks.log.',
    'Claude Code reads hooks at start: restart it.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/**
 * Claude Code's StopFailure hook, started detached by its command line
 * (install/claude-hooks.ts): waits a little for the hit line when it is not written yet,
 * posts it, logs the outcome, and always exits 0.
 */
async function stopFailure(): Promise<number> {
  try {
    const text = readFileSync(0, 'utf8');
    const input = (text.trim() === '' ? {} : JSON.parse(text)) as StopFailureInput;
    const home = defaultHome();
    const d = await awaitStopFailure(input, { home, env: process.env, now: Date.now });
    if ('event' in d) {
      const r = await postToServer('/api/limit-events', { ...d.event }, { home, env: process.env });
      if (notNow(r)) forgetReported(home, d.key);
    } else {
      const why = {
        not_rate_limit: `not a rate limit (${input.error ?? 'no error'}${input.transcript_path ? '' : ', no transcript'})`,
        no_hit_line: `no hit line in the transcript after ${d.waitedMs} ms`,
        already_reported: 'this hit was reported already',
      }[d.skip];
      appendLog(home, `${new Date().toISOString()} StopFailure ${input.session_id ?? ''}: nothing to report (${why})`);
    }
  } catch (error) {
    appendLog(defaultHome(), `${new Date().toISOString()} StopFailure: failed (${(error as Error).message})`);
    // A hook never fails Claude Code: Claude Code ignores its exit code anyway.
    if (process.env.TAKT_DEBUG) process.stderr.write(`takt hooks stop-failure: ${(error as Error).stack}\n`);
  }
  return 0;
}

/** The status line's detached child (statusline/forward-rate-limits.ts): one POST, logged. */
async function post(args: string[]): Promise<number> {
  const [path, body] = args;
  if (path !== '/api/limit-events' && path !== '/api/official-usage') {
    process.stderr.write('takt hooks post: the path must be /api/limit-events or /api/official-usage\n');
    return 2;
  }
  const parsed = JSON.parse(body ?? '{}') as Record<string, unknown>;
  const r = await postToServer(path, parsed, { home: defaultHome(), env: process.env });
  return typeof r.status === 'number' && r.status < 300 ? 0 : 3;
}
