import {
  fstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, sep } from 'node:path';
import { defaultHome } from '../../config/takt-home.ts';
import { loadPriceTable } from '../../pricing/price-table.ts';
import { type TranscriptFile, transcriptProjectDirs } from '../../transcripts/find-transcripts.ts';
import { indexFileFor } from '../../transcripts/index-file-name.ts';
import { loadRecentTranscriptIndex } from '../../transcripts/load-recent-transcript-index.ts';
import { updateTranscriptIndex } from '../../transcripts/update-transcript-index.ts';
import { FLAG_DEAD } from '../../transcripts/usage-table.ts';
import { defaultTimeZone, localDateIn } from '../../usage/local-time.ts';
import { modelRates, sumRowCosts } from '../../usage/row-costs.ts';
import { sessionBlocks } from '../../usage/session-blocks.ts';

/**
 * Claude Code's statusLine command. Reads the JSON Claude Code pipes on stdin, prints
 * one line and exits 0 — whatever happens. It loads only the transcript index (no
 * server code, no zod), reads only bytes appended since the last run and never touches
 * the network. Official rate_limits, when Claude Code passes them, win over takt's
 * estimate and are kept in TAKT_HOME/rate-limits.json for other commands.
 */

const help = `takt statusline [--format TEMPLATE]

Claude Code's status line. In ~/.claude/settings.json:
  "statusLine": { "type": "command", "command": "takt statusline" }

Placeholders: {model} {session_cost} {today_cost} {five_hour} {five_hour_reset}
{seven_day} {context}. Segments separated by " | " that come out empty are dropped.
Default: ${'{model} | {session_cost} session | {today_cost} today | 5h {five_hour} {five_hour_reset} | 7d {seven_day} | ctx {context}'}
Also read from TAKT_STATUSLINE_FORMAT.
`;

const DEFAULT_FORMAT =
  '{model} | {session_cost} session | {today_cost} today | 5h {five_hour} {five_hour_reset} | 7d {seven_day} | ctx {context}';

interface Window {
  used_percentage?: number;
  resets_at?: number;
}

interface StatusInput {
  session_id?: string;
  transcript_path?: string;
  model?: { id?: string; display_name?: string };
  cost?: { total_cost_usd?: number };
  context_window?: {
    used_percentage?: number;
    context_window_size?: number;
    current_usage?: Record<string, number>;
  };
  rate_limits?: { five_hour?: Window; seven_day?: Window };
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  let input: StatusInput = {};
  try {
    input = readInput();
    print(`${statusLine(input, args)}\n`);
  } catch (error) {
    // Never fail Claude Code's status line: a shorter line, exit 0.
    print(`${shortLine(input)}\n`);
    if (process.env.TAKT_DEBUG) process.stderr.write(`takt statusline: ${(error as Error).stack}\n`);
  }
  return 0;
}

/**
 * stdin and stdout by file descriptor: touching process.stdin or process.stdout builds
 * stream objects (a pipe is a socket), ~3–5 ms of the status line's budget; so would
 * node:tty (it loads node:net). A terminal (or /dev/null) is a character device: no input.
 */
function readInput(): StatusInput {
  if (fstatSync(0).isCharacterDevice()) return {};
  const text = readFileSync(0, 'utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as StatusInput);
}

function print(text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(1, bytes, at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

function shortLine(input: StatusInput): string {
  const parts = [modelName(input)];
  const cost = input.cost?.total_cost_usd;
  if (typeof cost === 'number') parts.push(`${usd(cost)} session`);
  return parts.join(' | ');
}

const modelName = (input: StatusInput) =>
  input.model?.display_name ?? input.model?.id?.replace(/^claude-/, '').replace(/-\d{8}$/, '') ?? 'Claude';

const usd = (n: number) => `$${n.toFixed(2)}`;

function statusLine(input: StatusInput, args: string[]): string {
  const formatIndex = args.indexOf('--format');
  const format =
    (formatIndex !== -1 ? args[formatIndex + 1] : undefined) ?? process.env.TAKT_STATUSLINE_FORMAT ?? DEFAULT_FORMAT;
  const nowIndex = args.indexOf('--now');
  const now = nowIndex !== -1 ? Date.parse(args[nowIndex + 1] ?? '') : Date.now();
  const home = defaultHome();
  keepRateLimits(home, input, now);

  const projectDirs = transcriptProjectDirs(process.env);
  const indexFile = indexFileFor(home, projectDirs);
  const values: Record<string, string> = {
    model: modelName(input),
    session_cost: typeof input.cost?.total_cost_usd === 'number' ? usd(input.cost.total_cost_usd) : '',
    today_cost: '',
    five_hour: '',
    five_hour_reset: '',
    seven_day: '',
    context: contextUse(input),
  };
  const official = input.rate_limits;
  if (typeof official?.five_hour?.used_percentage === 'number') {
    values.five_hour = `${Math.round(official.five_hour.used_percentage)}%`;
    if (typeof official.five_hour.resets_at === 'number')
      values.five_hour_reset = `↺${clock(official.five_hour.resets_at * 1000)}`;
  }
  if (typeof official?.seven_day?.used_percentage === 'number') {
    values.seven_day = `${Math.round(official.seven_day.used_percentage)}%`;
  }

  // From the index, only the last two days: today began less than two days ago in any zone,
  // and blocks chain back to the last 5-hour gap, which two days of history find unless
  // someone worked two days without a break. From the transcripts, only this session's
  // files (what Claude Code is appending to now); the rest of the history is brought up to
  // date by a background run at most once a minute.
  const window = now - 2 * 86_400_000;
  // The session's own cost comes from Claude Code; when it does not send it, read it all.
  const since = typeof input.cost?.total_cost_usd === 'number' ? window : Number.NEGATIVE_INFINITY;
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
    const table = index.table;
    const rates = modelRates(table, loadPriceTable(home));
    const localDate = localDateIn(defaultTimeZone());
    const today = localDate(now);
    const c = table.columns;
    const ts = c.timestampMs;
    // The responses of the window, in time order (saved rows are; lines just appended to
    // this session come last). Lines appended that copy older responses (a resumed
    // session) carry their old times and fall outside.
    const recent: number[] = [];
    let sorted = true;
    for (let row = 0; row < table.count; row++) {
      const t = ts[row] as number;
      if (t < window || t > now || ((c.flags[row] as number) & FLAG_DEAD) !== 0) continue;
      if (recent.length > 0 && t < (ts[recent[recent.length - 1] as number] as number)) sorted = false;
      recent.push(row);
    }
    if (!sorted) recent.sort((a, b) => (ts[a] as number) - (ts[b] as number));
    // Dates only grow with time: today's responses are a tail of `recent`.
    let first = 0;
    let last = recent.length;
    while (first < last) {
      const mid = (first + last) >>> 1;
      if (localDate(ts[recent[mid] as number] as number) < today) first = mid + 1;
      else last = mid;
    }
    values.today_cost = usd(sumRowCosts(table, rates, recent, first));
    if (values.session_cost === '' && input.session_id !== undefined) {
      const sessionId = table.sessions.values.indexOf(input.session_id);
      const rows: number[] = [];
      for (let row = 0; row < table.count; row++) if (c.session[row] === sessionId) rows.push(row);
      if (sessionId !== -1) values.session_cost = usd(sumRowCosts(table, rates, rows));
    }
    if (values.five_hour === '') {
      const active = sessionBlocks(table, recent, now).find((b) => b.isActive);
      if (active) {
        values.five_hour = `~${usd(sumRowCosts(table, rates, active.rows))} (est.)`;
        values.five_hour_reset = `↺${clock(active.end)}`;
      }
    }
  }
  return render(format, values);
}

function render(format: string, values: Record<string, string>): string {
  return format
    .split(' | ')
    .map((segment) => {
      let empty = false;
      const out = segment.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const v = values[name];
        if (v === undefined || v === '') {
          if (name !== 'five_hour_reset') empty = true;
          return '';
        }
        return v;
      });
      return empty ? '' : out.replace(/\s+/g, ' ').trim();
    })
    .filter((s) => s !== '')
    .join(' | ');
}

function contextUse(input: StatusInput): string {
  const cw = input.context_window;
  if (cw === undefined) return '';
  if (typeof cw.used_percentage === 'number') return `${Math.round(cw.used_percentage)}%`;
  const u = cw.current_usage;
  if (u && typeof cw.context_window_size === 'number' && cw.context_window_size > 0) {
    const used = (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
    return `${Math.round((used / cw.context_window_size) * 100)}%`;
  }
  return '';
}

function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The latest official rate_limits, for `takt report` and the server agent. */
function keepRateLimits(home: string, input: StatusInput, now: number): void {
  const limits = input.rate_limits;
  if (limits === undefined || (limits.five_hour === undefined && limits.seven_day === undefined)) return;
  const file = join(home, 'rate-limits.json');
  const next = { five_hour: limits.five_hour ?? null, seven_day: limits.seven_day ?? null };
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as { five_hour: unknown; seven_day: unknown };
    if (JSON.stringify({ five_hour: previous.five_hour, seven_day: previous.seven_day }) === JSON.stringify(next))
      return;
  } catch {
    // none yet, or unreadable: write a fresh one
  }
  mkdirSync(home, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(
    temporary,
    `${JSON.stringify({ captured_at: new Date(now).toISOString(), session_id: input.session_id ?? null, ...next }, null, 2)}\n`,
  );
  renameSync(temporary, file);
}

/** The session's transcript and its subagents' files, if it lies under a known projects directory. */
function sessionFiles(projectDirs: string[], transcriptPath: string | undefined): TranscriptFile[] {
  if (transcriptPath === undefined) return [];
  const root = projectDirs.find((dir) => transcriptPath.startsWith(dir + sep));
  if (root === undefined) return [];
  const project = transcriptPath.slice(root.length + 1).split(sep)[0] ?? '';
  const files: TranscriptFile[] = [{ path: transcriptPath, project }];
  const subagents = join(transcriptPath.replace(/\.jsonl$/, ''), 'subagents');
  try {
    for (const name of readdirSync(subagents)) {
      if (name.endsWith('.jsonl')) files.push({ path: join(subagents, name), project });
    }
  } catch {
    // no subagents
  }
  return files;
}

const REFRESH_MS = 60_000;

/**
 * Starts a background `takt report` (which saves the index) unless the index was saved or
 * a refresh started in the last minute — also while a first build is still running.
 * `indexFile` undefined: there is no usable index, only a started refresh counts.
 */
function refreshInBackground(home: string, indexFile: string | undefined): void {
  const marker = join(home, 'index-refresh.at');
  const last = Math.max(indexFile === undefined ? 0 : mtimeOf(indexFile), mtimeOf(marker));
  if (Date.now() - last < REFRESH_MS) return;
  mkdirSync(home, { recursive: true });
  writeFileSync(marker, '');
  buildIndexInBackground();
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function buildIndexInBackground(): void {
  const main = process.argv[1];
  if (main === undefined) return;
  // Loaded only here: most runs never spawn, and every module costs start-up time.
  void import('node:child_process').then(({ spawn }) => {
    const child = spawn(process.execPath, [...process.execArgv, main, 'report', 'daily', '--json'], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  });
}
