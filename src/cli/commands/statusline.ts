import { defaultHome } from '../../config/takt-home.ts';
import { loadPriceTable } from '../../pricing/price-table.ts';
import { transcriptProjectDirs } from '../../transcripts/find-transcripts.ts';
import { indexFileFor } from '../../transcripts/index-file-name.ts';
import { loadRecentTranscriptIndex } from '../../transcripts/load-recent-transcript-index.ts';
import { updateTranscriptIndex } from '../../transcripts/update-transcript-index.ts';
import { sessionTokens } from '../../usage/session-tokens.ts';
import { forwardRateLimits } from '../statusline/forward-rate-limits.ts';
import { keepRateLimits } from '../statusline/keep-rate-limits.ts';
import { compactTokens, officialPercentages } from '../statusline/official-figures.ts';
import { refreshInBackground } from '../statusline/refresh-in-background.ts';
import {
  clock,
  contextUse,
  DEFAULT_FORMAT,
  modelName,
  render,
  shortLine,
  spendLimitText,
  usd,
} from '../statusline/render-status-line.ts';
import { sessionFiles } from '../statusline/session-files.ts';
import { readInput, type StatusInput } from '../statusline/status-input.ts';
import { RECENT_MS, windowFigures } from '../statusline/window-figures.ts';
import { writeStdout } from '../statusline/write-stdout.ts';

/**
 * Claude Code's statusLine command. Reads the JSON Claude Code pipes on stdin, prints
 * one line and exits 0 — whatever happens. It loads only the transcript index (no
 * server code, no zod), reads only bytes appended since the last run and never touches
 * the network. Official rate_limits, when Claude Code passes them, win over takt's
 * estimate and are kept in TAKT_HOME/rate-limits.json for other commands. Its parts are
 * in cli/statusline/; the build bundles all of it into dist/statusline.cjs (src/statusline.ts).
 */

const help = `takt statusline [--format TEMPLATE]

Claude Code's status line. In ~/.claude/settings.json:
  "statusLine": { "type": "command", "command": "takt statusline" }

Placeholders: {model} {session_cost} {today_cost} {five_hour} {five_hour_reset}
{seven_day} {spend_limit} {context} {session_tokens} {official}. Segments separated by " | "
that come out empty are dropped.
  {spend_limit}     the spend limit Claude Code sends (rate_limits.spend_limit), e.g.
                    104% $520.98/$500.00; may pass 100%
  {session_tokens}  all tokens of this session, e.g. 7.0M
  {official}        official percentages, e.g. 5h:36% 7d:20%: Claude Code's own, else the
                    latest kept (the status line's, or takt usage official's)
Default: ${DEFAULT_FORMAT}
Seed 004's line: --format 'Code: {session_tokens} | Pro {official}'
Also read from TAKT_STATUSLINE_FORMAT.

With a takt server configured, Claude Code's rate_limits are sent to it as an official
observation at most once a minute, by a detached process (never on this line's time).
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  let input: StatusInput = {};
  try {
    input = readInput();
    writeStdout(`${statusLine(input, args)}\n`);
  } catch (error) {
    // Never fail Claude Code's status line: a shorter line, exit 0.
    writeStdout(`${shortLine(input)}\n`);
    if (process.env.TAKT_DEBUG) process.stderr.write(`takt statusline: ${(error as Error).stack}\n`);
  }
  return 0;
}

function statusLine(input: StatusInput, args: string[]): string {
  const formatIndex = args.indexOf('--format');
  const format =
    (formatIndex !== -1 ? args[formatIndex + 1] : undefined) ?? process.env.TAKT_STATUSLINE_FORMAT ?? DEFAULT_FORMAT;
  const nowIndex = args.indexOf('--now');
  const now = nowIndex !== -1 ? Date.parse(args[nowIndex + 1] ?? '') : Date.now();
  const home = defaultHome();
  keepRateLimits(home, input, now);
  forwardRateLimits(home, input, now, process.env);

  const projectDirs = transcriptProjectDirs(process.env);
  const indexFile = indexFileFor(home, projectDirs);
  const values: Record<string, string> = {
    model: modelName(input),
    session_cost: typeof input.cost?.total_cost_usd === 'number' ? usd(input.cost.total_cost_usd) : '',
    today_cost: '',
    five_hour: '',
    five_hour_reset: '',
    seven_day: '',
    spend_limit: spendLimitText(input.rate_limits?.spend_limit, now),
    context: contextUse(input),
    session_tokens: '',
    official: format.includes('{official}') ? officialPercentages(home, input, now) : '',
  };
  const wantsTokens = format.includes('{session_tokens}');
  const official = input.rate_limits;
  if (typeof official?.five_hour?.used_percentage === 'number') {
    values.five_hour = `${Math.round(official.five_hour.used_percentage)}%`;
    if (typeof official.five_hour.resets_at === 'number')
      values.five_hour_reset = `↺${clock(official.five_hour.resets_at * 1000)}`;
  }
  if (typeof official?.seven_day?.used_percentage === 'number') {
    values.seven_day = `${Math.round(official.seven_day.used_percentage)}%`;
  }

  // From the index, only the recent rows (RECENT_MS). From the transcripts, only this
  // session's files (what Claude Code is appending to now); the rest of the history is
  // brought up to date by a background run at most once a minute.
  // The session's own cost comes from Claude Code; when it does not send it, read it all.
  // The session's tokens, when asked for, need all of its rows too.
  const since =
    typeof input.cost?.total_cost_usd === 'number' && !wantsTokens ? now - RECENT_MS : Number.NEGATIVE_INFINITY;
  const mine = sessionFiles(projectDirs, input.transcript_path);
  const index = loadRecentTranscriptIndex(
    indexFile,
    mine.map((f) => f.path),
    since,
  );
  if (index === undefined) {
    // No index, or one from another version of takt: the first build of a large history
    // takes seconds, so it runs in the background, never here.
    refreshInBackground(home, undefined);
    values.today_cost = 'indexing…';
  } else {
    updateTranscriptIndex(index, mine, { partial: true });
    refreshInBackground(home, indexFile);
    const figures = windowFigures(index, loadPriceTable(home), now, {
      sessionId: values.session_cost === '' ? input.session_id : undefined,
      // A status line with rate_limits but no five_hour is a plan without one (Ultra): no estimate.
      activeBlock: values.five_hour === '' && official === undefined,
    });
    values.today_cost = usd(figures.todayCostUsd);
    if (figures.sessionCostUsd !== undefined) values.session_cost = usd(figures.sessionCostUsd);
    if (wantsTokens && input.session_id !== undefined) {
      const tokens = sessionTokens(index.table, input.session_id);
      if (tokens !== undefined) values.session_tokens = compactTokens(tokens.tokens);
    }
    if (figures.activeBlock !== undefined) {
      values.five_hour = `~${usd(figures.activeBlock.costUsd)} (est.)`;
      values.five_hour_reset = `↺${clock(figures.activeBlock.end)}`;
    }
  }
  return render(format, values);
}
