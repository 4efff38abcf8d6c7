import { defaultHome } from '../../config/takt-home.ts';
import { TaktError } from '../../lib/errors.ts';
import { serverError } from '../../lib/server-client.ts';
import { hasSessionKeyFile, sessionKeyFile } from '../../official/claude-ai-session.ts';
import { hasOAuthCredentials } from '../../official/oauth-credentials.ts';
import { officialSummary, writeUsageCache } from '../../official/official-summary.ts';
import {
  age,
  type OfficialSource,
  postOfficialReading,
  readOfficialUsage,
} from '../../official/read-official-usage.ts';
import { transcriptProjectDirs } from '../../transcripts/find-transcripts.ts';
import { indexFileFor } from '../../transcripts/index-file-name.ts';
import { loadRecentTranscriptIndex } from '../../transcripts/load-recent-transcript-index.ts';
import { sessionTokens } from '../../usage/session-tokens.ts';
import { type CommandSpec, helpOf, parseCommand, serverAccessFrom, serverFlags } from '../command-spec.ts';
import { exitCodeOf } from '../exit-code.ts';

const spec: CommandSpec = {
  name: 'usage',
  usage: 'official [--json] [--source SOURCE] [--account UUID] [options]',
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
A claude.ai reading names your organization, not your account: with several accounts,
pass --account UUID (takt validate lists them).`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    source: { type: 'string', value: 'SOURCE', help: 'auto, oauth, claude-ai or claude-json' },
    'session-key-file': { type: 'string', value: 'PATH', help: "claude-ai: the file with claude.ai's sessionKey" },
    org: { type: 'string', value: 'ID', help: 'claude-ai: the organization to read (default: the first)' },
    account: { type: 'string', value: 'UUID', help: 'the account the reading is about, when the server cannot tell' },
    'no-post': { type: 'boolean', help: 'do not send the reading to the server' },
  },
};

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  if (sub !== 'official') {
    process.stderr.write(`takt usage: unknown subcommand '${sub ?? ''}'; see \`takt usage --help\`\n`);
    return 2;
  }
  const { values: parsed } = parseCommand(spec, rest);
  const values = parsed as {
    json?: boolean;
    source?: string;
    'session-key-file'?: string;
    org?: string;
    account?: string;
    'no-post'?: boolean;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const env = process.env;
  const home = defaultHome(env);
  const keyFile = sessionKeyFile(env, home, values['session-key-file']);
  const source = pickSource(values.source ?? 'auto', env, keyFile);
  const now = Date.now();
  const reading = await readOfficialUsage({
    source,
    env,
    home,
    now,
    sessionKeyFile: keyFile,
    ...(values.org ? { org: values.org } : {}),
  });
  const summary = officialSummary(reading, now, latestSessionTokens(env, home, now));
  writeUsageCache(home, summary);

  let posted: string | null = null;
  let refused: TaktError | null = null;
  const access = values['no-post'] ? undefined : await serverAccessFrom(parsed, { env, home });
  if (access) {
    try {
      const r = await postOfficialReading(reading, access, values.account ? { accountUuid: values.account } : {});
      posted = r.status < 300 ? `${access.server} (${r.status})` : null;
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

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, posted_to: posted })}\n`);
    return exit;
  }
  const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v)}%`);
  const reset = (iso: string | null) => (iso === null ? '' : ` (resets ${new Date(iso).toLocaleString()})`);
  const lines = [
    ...summary.windows.map((w) => `${w.label}: ${pct(w.pct)}${reset(w.resets_at)}`),
    `From ${source.replace('_', '-')}, ${age(now - reading.fetched_at)} old.`,
    ...summary.notes,
    ...(posted ? [`Sent to ${posted}.`] : []),
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

/** code.session_tokens (the field other tools read): the tokens of the newest session in the saved transcript index (null without one). */
function latestSessionTokens(env: NodeJS.ProcessEnv, home: string, now: number): number | null {
  try {
    const index = loadRecentTranscriptIndex(indexFileFor(home, transcriptProjectDirs(env)), [], now - 2 * 86_400_000);
    return index ? (sessionTokens(index.table)?.tokens ?? null) : null;
  } catch {
    return null;
  }
}
