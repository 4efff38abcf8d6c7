import { defaultHome } from '../../config/takt-home.ts';
import { TaktError } from '../../lib/errors.ts';
import { serverError } from '../../lib/server-client.ts';
import { hasSessionKeyFile, sessionKeyFile } from '../../official/claude-ai-session.ts';
import { credentialsPath, hasOAuthCredentials } from '../../official/oauth-credentials.ts';
import { officialSummary, usageCacheFile, writeUsageCache } from '../../official/official-summary.ts';
import {
  age,
  type OfficialSource,
  postOfficialReading,
  readOfficialUsage,
} from '../../official/read-official-usage.ts';
import { loadTranscriptUsage } from '../../transcripts/load-transcript-usage.ts';
import { sessionTokens } from '../../usage/session-tokens.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags, subcommandOf } from '../command-spec.ts';
import { exitCodeOf } from '../exit-code.ts';
import { serverAccessFrom } from '../server-flags.ts';

const spec: CommandSpec = {
  name: 'usage',
  usage: 'official [--format text|json|short] [--debug] [--source SOURCE] [--account UUID] [options]',
  about: `Reads the official utilisation of your Claude plan (the 5-hour and 7-day windows) from:
  oauth        Claude Code's own usage endpoint, with the sign-in in ~/.claude/.credentials.json
  claude-ai    claude.ai's usage page for your organization, with a sessionKey kept in a file
               (mode 0600; default TAKT_HOME/claude-ai-session-key)
  claude-json  what Claude Code last saved in ~/.claude.json (free, possibly stale)
  auto         (default) oauth when Claude Code's sign-in exists, else claude-ai when a
               sessionKey file exists, else claude-json

Each account is asked at most once per 3 minutes, and not before the wait Anthropic asked
for. The figures are also saved to TAKT_HOME/usage-cache.json for other tools. With a server
configured (takt setup, or --server URL --token T) the reading is sent to it; when the
server refuses it, the command says why and exits non-zero (2, or 4 for a bad token).
A claude.ai reading names your organization, not your account: the server counts it toward
your one account that Claude Code reported from that organization (the answer says which);
when it cannot tell, pass --account UUID.

--format short prints only the two percentages as five_hour:seven_day (e.g. 36:20, a
missing window as -), the line fetch-pro-usage.sh printed for status-line scripts.
code.session_tokens (in --json and the cache) is the newest Claude Code session's tokens,
read from this machine's transcripts (the index takt report keeps is built if missing).`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    source: { type: 'string', value: 'SOURCE', help: 'auto, oauth, claude-ai or claude-json' },
    'session-key-file': { type: 'string', value: 'PATH', help: "claude-ai: the file with claude.ai's sessionKey" },
    org: { type: 'string', value: 'ID', help: 'claude-ai: the organization to read (default: the first)' },
    account: { type: 'string', value: 'UUID', help: 'the account the reading is about, when the server cannot tell' },
    'no-post': { type: 'boolean', help: 'do not send the reading to the server' },
    format: { type: 'string', value: 'FORMAT', help: 'text (default), json (as --json) or short (36:20)' },
    debug: { type: 'boolean', help: 'print each step (URLs, HTTP statuses, answers) to stderr' },
  },
};

export async function run(args: string[]): Promise<number> {
  const { sub, rest } = subcommandOf(spec, args, ['official'] as const);
  if (sub === 'help') {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const { values: parsed } = parseCommand(spec, rest);
  const values = parsed as {
    json?: boolean;
    source?: string;
    'session-key-file'?: string;
    org?: string;
    account?: string;
    'no-post'?: boolean;
    format?: string;
    debug?: boolean;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const format = formatOf(values.format, values.json === true);
  const debug = values.debug ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const env = process.env;
  const home = defaultHome(env);
  const keyFile = sessionKeyFile(env, home, values['session-key-file']);
  const source = pickSource(values.source ?? 'auto', env, keyFile);
  debug?.(`Source: ${source.replace('_', '-')}${sourceReason(values.source ?? 'auto', source, env, keyFile)}`);
  const now = Date.now();
  const reading = await readOfficialUsage({
    source,
    env,
    home,
    now,
    sessionKeyFile: keyFile,
    ...(values.org ? { org: values.org } : {}),
    ...(debug ? { debug } : {}),
  });
  debug?.(
    `Windows: ${reading.windows.map((w) => `${w.window} ${w.utilization}%`).join(', ') || 'none'}${reading.account_uuid ? ` (about ${reading.account_uuid})` : ''}`,
  );
  const summary = officialSummary(reading, now, await latestSessionTokens(env, home, debug));
  writeUsageCache(home, summary);
  debug?.(`Cache: wrote ${usageCacheFile(home)}`);

  let posted: string | null = null;
  let refused: TaktError | null = null;
  let told: string | null = null;
  const access = values['no-post'] ? undefined : await serverAccessFrom(parsed, { env, home });
  if (!access) debug?.(values['no-post'] ? 'Server: not sent (--no-post)' : 'Server: none configured, not sent');
  if (access) {
    try {
      debug?.(`Posting: ${access.server}/api/official-usage (server and token from ${access.from})`);
      const r = await postOfficialReading(reading, access, values.account ? { accountUuid: values.account } : {});
      debug?.(`HTTP ${r.status}`);
      posted = r.status < 300 ? `${access.server} (${r.status})` : null;
      const counted = (r.body as { account?: { uuid?: string | null } } | null)?.account?.uuid;
      if (r.status < 300 && source === 'claude_ai' && !values.account)
        told = `Organization ${reading.account_uuid ?? '(unknown)'} is your account ${counted ?? '(not yet known by its uuid)'}; another with --account UUID.`;
      if (r.status >= 300) {
        refused = serverError(r);
        const ask =
          r.status === 422 && source === 'claude_ai' && !values.account
            ? ` This claude.ai reading is about organization ${reading.account_uuid ?? '(unknown)'}, and you have several accounts: pass --account UUID (takt validate lists them).`
            : '';
        process.stderr.write(
          `takt usage official: ${access.server} did not take the reading (${r.status}: ${refused.message}).${ask}\n`,
        );
      }
    } catch (error) {
      process.stderr.write(
        `takt usage official: could not send it to ${access.server} (${(error as Error).message}); shown here only\n`,
      );
    }
  }
  const exit = refused ? exitCodeOf(refused.code) : 0;

  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ ...summary, posted_to: posted, ...(told ? { account_note: told } : {}) })}\n`,
    );
    return exit;
  }
  if (format === 'short') {
    const short = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
    process.stdout.write(`${short(summary.five_hour_pct)}:${short(summary.seven_day_pct)}\n`);
    return exit;
  }
  const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v)}%`);
  const reset = (iso: string | null) => (iso === null ? '' : ` (resets ${new Date(iso).toLocaleString()})`);
  const lines = [
    ...summary.windows.map((w) => `${w.label}: ${pct(w.pct)}${reset(w.resets_at)}`),
    `From ${source.replace('_', '-')}, ${age(now - reading.fetched_at)} old.`,
    ...summary.notes,
    ...(posted ? [`Sent to ${posted}.`] : []),
    ...(told ? [told] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return exit;
}

function pickSource(flag: string, env: NodeJS.ProcessEnv, keyFile: string): OfficialSource {
  switch (flag) {
    case 'oauth':
      return 'oauth';
    case 'claude-ai':
    case 'claude_ai':
      return 'claude_ai';
    case 'claude-json':
    case 'claude_json':
      return 'claude_json';
    case 'auto':
      if (hasOAuthCredentials(env)) return 'oauth';
      if (hasSessionKeyFile(keyFile)) return 'claude_ai';
      return 'claude_json';
    default:
      throw new TaktError('bad_request', `--source is auto, oauth, claude-ai or claude-json (got ${flag})`);
  }
}

/** What --format asks for; --json is --format json. */
function formatOf(flag: string | undefined, json: boolean): 'text' | 'json' | 'short' {
  const f = flag ?? (json ? 'json' : 'text');
  // "seed" is the name the tracker's docs (docs/seeds.md) use for the short line.
  if (f === 'short' || f === 'seed') return 'short';
  if (f === 'text' || f === 'json') return f;
  throw new TaktError('bad_request', `--format is text, json or short (got ${f})`);
}

function sourceReason(flag: string, source: OfficialSource, env: NodeJS.ProcessEnv, keyFile: string): string {
  if (flag !== 'auto') return ' (--source)';
  switch (source) {
    case 'oauth':
      return ` (auto: Claude Code's sign-in is in ${credentialsPath(env)})`;
    case 'claude_ai':
      return ` (auto: no Claude Code sign-in; the sessionKey file ${keyFile} exists)`;
    case 'claude_json':
      return ` (auto: no Claude Code sign-in and no sessionKey file ${keyFile})`;
    default:
      return source satisfies never;
  }
}

/**
 * code.session_tokens (the field other tools read): the tokens of the newest session in this
 * machine's transcripts, through the transcript index, which is brought up to date (and
 * built on the first run: no `takt report` needed before). Null without any transcript.
 */
async function latestSessionTokens(
  env: NodeJS.ProcessEnv,
  home: string,
  debug: ((line: string) => void) | undefined,
): Promise<number | null> {
  try {
    const loaded = await loadTranscriptUsage({ env, home });
    const newest = sessionTokens(loaded.index.table);
    debug?.(
      `Session tokens: ${newest ? `${newest.tokens} (session ${newest.sessionId})` : 'none'}, from ${loaded.index.files.summaries().length} transcript files in ${loaded.projectDirs.join(', ') || '(no transcript folder)'}`,
    );
    return newest?.tokens ?? null;
  } catch (error) {
    debug?.(`Session tokens: unknown (${(error as Error).message})`);
    return null;
  }
}
