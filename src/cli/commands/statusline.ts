import { defaultHome } from '../../config/takt-home.ts';
import { loadPriceTable } from '../../pricing/price-table.ts';
import { transcriptProjectDirs } from '../../transcripts/find-transcripts.ts';
import { indexFileFor } from '../../transcripts/index-file-name.ts';
import { loadRecentTranscriptIndex } from '../../transcripts/load-recent-transcript-index.ts';
import { updateTranscriptIndex } from '../../transcripts/update-transcript-index.ts';
import { sessionTokens } from '../../usage/session-tokens.ts';
import { withUsageErrors } from '../command-errors.ts';
import { type CommandSpec, helpOf, parseCommand, stringFlag } from '../command-spec.ts';
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
import { RECENT_MS, type WindowFigures, windowFigures } from '../statusline/window-figures.ts';
import { writeStdout } from '../write-stdout.ts';

/**
 * Claude Code's statusLine command. Reads the JSON Claude Code pipes on stdin, prints
 * one line and exits 0 — whatever happens. It loads only the transcript index (no
 * server code, no zod), reads only bytes appended since the last run and never touches
 * the network. Official rate_limits, when Claude Code passes them, win over takt's
 * estimate and are kept in TAKT_HOME/rate-limits.json for other commands. Its parts are
 * in cli/statusline/; the build bundles all of it into dist/statusline.cjs (src/statusline.ts).
 */

const spec: CommandSpec = {
  name: 'statusline',
  usage: '[--format TEMPLATE]',
  about: `In ~/.claude/settings.json:
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
Tokens of the session and your plan's official figures:
  --format 'Code: {session_tokens} | Pro {official}'

With a takt server configured, Claude Code's rate limits are sent to it as an official
reading at most once a minute, by a separate process (never on this line's time). Whatever
happens, it prints a line and exits 0; only a command line it cannot take exits 2.`,
  shared: ['help'],
  flags: {
    format: { type: 'string', value: 'TEMPLATE', help: 'the line, with placeholders (also TAKT_STATUSLINE_FORMAT)' },
    now: { type: 'string', value: 'TIME', help: 'take this ISO 8601 time as now (for tests)' },
  },
};

/** Bundled (dist/statusline.cjs) and run without runCommand: a bad command line is handled here. */
export function run(args: string[]): Promise<number> {
  return withUsageErrors('statusline', async () => {
    const { values } = parseCommand(spec, args);
    if (values.help) {
      process.stdout.write(helpOf(spec));
      return 0;
    }
    let input: StatusInput = {};
    try {
      input = readInput();
      writeStdout(`${statusLine(input, stringFlag(values, 'format'), stringFlag(values, 'now'))}\n`);
    } catch (error) {
      // Never fail Claude Code's status line: a shorter line, exit 0.
      writeStdout(`${shortLine(input)}\n`);
      if (process.env.TAKT_DEBUG) process.stderr.write(`takt statusline: ${(error as Error).stack}\n`);
    }
    return 0;
  });
}

function statusLine(input: StatusInput, formatFlag: string | undefined, nowFlag: string | undefined): string {
  const format = formatFlag ?? process.env.TAKT_STATUSLINE_FORMAT ?? DEFAULT_FORMAT;
  const now = nowFlag !== undefined ? Date.parse(nowFlag) : Date.now();
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
    const sessionCost = input.cost?.total_cost_usd;
    const figures = windowFigures(index, loadPriceTable(home), now, {
      sessionId: values.session_cost === '' ? input.session_id : undefined,
      runningSessionId: typeof sessionCost === 'number' ? (input.session_id ?? '') : undefined,
      // A status line with rate_limits but no five_hour is a plan without one (Ultra): no estimate.
      activeBlock: values.five_hour === '' && official === undefined,
    });
    values.today_cost = usd(todayWithRunningSession(figures, sessionCost));
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

/**
 * Today's cost with the running session counted as Claude Code counts it: next to "$1.23
 * session", today is never less. A session with no rows before today (or none in the index
 * yet: its transcript not written, or where takt does not look) is wholly today's, so its
 * part of today is Claude Code's figure in place of takt's; one that began on an earlier day
 * keeps takt's rows of today (Claude Code's total would count the earlier days too).
 */
function todayWithRunningSession(figures: WindowFigures, sessionCost: number | undefined): number {
  const running = figures.runningSession;
  if (typeof sessionCost !== 'number' || running === undefined || running.earlierRows) return figures.todayCostUsd;
  return figures.todayCostUsd - running.todayCostUsd + sessionCost;
}
