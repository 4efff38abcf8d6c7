import { parseArgs } from 'node:util';
import { defaultHome } from '../../config/takt-home.ts';
import { resolveServerAccess } from '../../install/server-access.ts';
import { TaktError } from '../../lib/errors.ts';
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

const help = `takt usage official [--json] [--source SOURCE] [--session-key-file PATH] [--org ID]

Official utilisation of your Claude plan (the 5-hour and 7-day windows), from:
  oauth        Claude Code's usage endpoint, with the token in ~/.claude/.credentials.json
               ($CLAUDE_CONFIG_DIR/.credentials.json); base URL $TAKT_ANTHROPIC_BASE_URL
  claude-ai    claude.ai's /api/organizations/{org}/usage with a sessionKey read from a file
               (mode 0600; default TAKT_HOME/claude-ai-session-key, or
               $TAKT_CLAUDE_AI_SESSION_KEY_FILE); base URL $TAKT_CLAUDE_AI_BASE_URL
  claude-json  what Claude Code cached in ~/.claude.json (free, possibly stale)
  auto         (default) oauth when Claude Code's credentials file exists, else claude-ai
               when a sessionKey file exists, else claude-json

Each account is asked at most once per 3 minutes (TAKT_HOME/official-usage.json), and not
before a 429's Retry-After. Seed 004's cache fields are written to TAKT_HOME/usage-cache.json.
With a server configured (takt setup, or --server URL --token T), the reading is posted
as an official observation.

  --json       print five_hour_pct, five_hour_resets_at, seven_day_pct, seven_day_resets_at,
               updated_at, source, code.session_tokens, pro, windows, notes
  --no-post    do not send it to the server
`;

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return 0;
  }
  if (sub !== 'official') {
    process.stderr.write(`takt usage: say official\n\n${help}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean' },
      source: { type: 'string', default: 'auto' },
      'session-key-file': { type: 'string' },
      org: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      'no-post': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
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
  const access = values['no-post']
    ? undefined
    : resolveServerAccess({ flags: { server: values.server, token: values.token }, env, home });
  if (access) {
    try {
      const r = await postOfficialReading(reading, access);
      posted = r.status < 300 ? `${access.server} (${r.status})` : null;
      if (r.status >= 300) {
        process.stderr.write(
          `takt usage official: ${access.server} did not take the observation (${r.status}: ${JSON.stringify(r.body).slice(0, 300)})\n`,
        );
      }
    } catch (error) {
      process.stderr.write(
        `takt usage official: could not send it to ${access.server} (${(error as Error).message}); shown here only\n`,
      );
    }
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, posted_to: posted })}\n`);
    return 0;
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
  return 0;
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

/** Seed 004's code.session_tokens: the tokens of the newest session in the saved transcript index (null without one). */
function latestSessionTokens(env: NodeJS.ProcessEnv, home: string, now: number): number | null {
  try {
    const index = loadRecentTranscriptIndex(indexFileFor(home, transcriptProjectDirs(env)), [], now - 2 * 86_400_000);
    return index ? (sessionTokens(index.table)?.tokens ?? null) : null;
  } catch {
    return null;
  }
}
