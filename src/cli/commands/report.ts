import { defaultHome } from '../../config/takt-home.ts';
import { loadPriceTable } from '../../pricing/price-table.ts';
import { type LoadedTranscripts, loadTranscriptUsage } from '../../transcripts/load-transcript-usage.ts';
import { IndexReplacedError } from '../../transcripts/transcript-index.ts';
import { checkTimeZone, defaultTimeZone, localDateTime } from '../../usage/local-time.ts';
import { reportSchema1 } from '../../usage/report-schema-1.ts';
import type { Report, ReportKind } from '../../usage/report-types.ts';
import { buildReport } from '../../usage/transcript-report.ts';
import { UsageError, withUsageErrors } from '../command-errors.ts';
import { type CommandSpec, helpOf, parseCommand } from '../command-spec.ts';
import { formatCount, formatTable, formatUsd } from '../format-table.ts';
import { reportCsv } from '../report-csv.ts';
import { type ReportLine, reportLines } from '../report-lines.ts';
import { writeStdout } from '../write-stdout.ts';

const spec: CommandSpec = {
  name: 'report',
  usage: '<daily|weekly|monthly|session|blocks> [options]',
  about: `Usage and cost from this machine's Claude Code transcripts, with no server. Every
response is counted once; the list cost comes from takt's dated price table (takt pricing),
Claude Code's own cost from the transcripts where they record one (costUSD).`,
  shared: ['json', 'timezone', 'dir', 'help'],
  flags: {
    since: { type: 'string', value: 'YYYY-MM-DD', help: 'first day to include (a local date in --timezone)' },
    until: { type: 'string', value: 'YYYY-MM-DD', help: 'last day to include' },
    breakdown: { type: 'boolean', help: 'a row per model under each period' },
    project: { type: 'string', value: 'TEXT', help: 'only projects whose folder name contains TEXT' },
    'week-start': {
      type: 'string',
      value: 'DAY',
      help: 'weekly: the first day of the week (monday … sunday; default monday)',
    },
    'token-limit': {
      type: 'string',
      value: 'N|max',
      help: "blocks: a token budget per 5-hour block ('max': the largest earlier block)",
    },
    csv: {
      type: 'boolean',
      help: 'CSV (RFC 4180): time, session, model, the four token types, cost_usd, list_cost_usd, source; a row per period (per model with --breakdown)',
    },
    schema: {
      type: 'string',
      value: '1|2',
      help: "--json: the schema version (default 2); 1 keeps takt.report/1, where cost_usd is the price table's cost",
    },
    debug: {
      type: 'boolean',
      help: 'list the lines that were skipped (cut off or malformed) and why, and what the index read',
    },
    offline: { type: 'boolean', help: 'accepted for habit: reports never need a server' },
    now: { type: 'string', value: 'TIME', help: 'take this ISO 8601 time as now (for reproducible reports)' },
  },
};

const KINDS: ReportKind[] = ['daily', 'weekly', 'monthly', 'session', 'blocks'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Bundled (dist/report.cjs) and run without runCommand: a bad command line is handled here. */
export function run(args: string[]): Promise<number> {
  return withUsageErrors('report', () => runReport(args));
}

async function runReport(args: string[]): Promise<number> {
  const { values: parsed, positionals } = parseCommand(spec, args, { positionals: true });
  const values = parsed as {
    json?: boolean;
    csv?: boolean;
    since?: string;
    until?: string;
    timezone?: string;
    breakdown?: boolean;
    project?: string;
    dir?: string[];
    'week-start'?: string;
    'token-limit'?: string;
    debug?: boolean;
    now?: string;
    schema?: string;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const kind = positionals[0] as ReportKind | undefined;
  if (kind === undefined || !KINDS.includes(kind)) {
    throw new UsageError(
      kind === undefined ? `name a report: ${KINDS.join(', ')}` : `unknown report '${kind}': ${KINDS.join(', ')}`,
    );
  }
  const bad = (message: string) => {
    process.stderr.write(`takt report: ${message}\n`);
    return 2;
  };
  let since: string | undefined;
  let until: string | undefined;
  let timeZone: string;
  let now: number;
  let tokenLimit: number | 'max' | undefined;
  let weekStart = 1;
  try {
    since = values.since === undefined ? undefined : parseDay(values.since, '--since');
    until = values.until === undefined ? undefined : parseDay(values.until, '--until');
    timeZone = values.timezone === undefined ? defaultTimeZone() : checkTimeZone(values.timezone);
    now = values.now === undefined ? Date.now() : Date.parse(values.now);
    if (Number.isNaN(now)) throw new Error('--now must be an ISO 8601 time');
    if (values['token-limit'] !== undefined) {
      const v = values['token-limit'];
      tokenLimit = v === 'max' ? 'max' : Number(v);
      if (tokenLimit !== 'max' && !(Number.isInteger(tokenLimit) && tokenLimit > 0)) {
        throw new Error(`--token-limit must be a positive whole number of tokens or 'max' (got '${v}')`);
      }
    }
    if (values['week-start'] !== undefined) {
      weekStart = DAYS.indexOf(values['week-start'].toLowerCase());
      if (weekStart === -1) throw new Error(`--week-start must be one of ${DAYS.join(', ')}`);
    }
  } catch (error) {
    return bad((error as Error).message);
  }
  if (values.json && values.csv) return bad('choose one of --json and --csv');
  if (values.schema !== undefined && values.schema !== '1' && values.schema !== '2')
    return bad(`--schema must be 1 or 2 (got '${values.schema}')`);
  if (values.schema !== undefined && !values.json) return bad('--schema goes with --json');
  if (since !== undefined && until !== undefined && since > until)
    return bad(`--since ${since} is after --until ${until}`);

  const home = defaultHome();
  const prices = loadPriceTable(home);
  const load = (lazyRows: boolean) =>
    loadTranscriptUsage({ env: process.env, home, dirs: values.dir, progress: !values.json && !values.csv, lazyRows });
  const build = (loaded: LoadedTranscripts) =>
    buildReport(loaded.index.table, prices, {
      kind,
      timeZone,
      since,
      until,
      breakdown: values.breakdown === true,
      project: values.project,
      weekStart,
      now,
      tokenLimit,
    });
  // The rows are read only if the report sums them (not the quarter hours): when another run
  // replaced the index in between, it is loaded again, whole.
  let loaded = await load(true);
  let report: Report;
  try {
    report = build(loaded);
  } catch (error) {
    if (!(error instanceof IndexReplacedError)) throw error;
    loaded = await load(false);
    report = build(loaded);
  }
  const skipped = loaded.index.files.skippedLineCount();
  if (values.json) {
    const shaped = values.schema === '1' ? reportSchema1(report) : report;
    writeStdout(`${JSON.stringify({ ...shaped, skipped_lines: skipped }, null, 2)}\n`);
  } else if (values.csv) {
    writeStdout(reportCsv(report));
  } else {
    if (loaded.projectDirs.length === 0) {
      process.stderr.write(
        'takt report: no Claude Code transcripts found (looked in ~/.claude/projects, ~/.config/claude/projects and CLAUDE_CONFIG_DIR); pass --dir PATH\n',
      );
    }
    writeStdout(renderReport(report));
    if (skipped > 0 && !values.debug)
      writeStdout(`${skipped} cut-off or malformed line(s) skipped; --debug lists them\n`);
  }
  if (values.debug) {
    const { filesRead, bytesRead, filesReadByWorker } = loaded.summary;
    process.stderr.write(
      `index: ${filesRead} file(s) read (${(bytesRead / 1048576).toFixed(1)} MB), ${filesReadByWorker} by a worker thread\n`,
    );
    for (const f of loaded.index.files.summaries()) {
      for (const s of f.skipped) process.stderr.write(`skipped ${f.path} @${s.offset}: ${s.reason}\n`);
      if (f.skippedCount > f.skipped.length) {
        process.stderr.write(`skipped ${f.path}: ${f.skippedCount - f.skipped.length} more\n`);
      }
    }
  }
  return 0;
}

function parseDay(value: string, flag: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  const day = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (
    !m ||
    Number.isNaN(Date.parse(`${day}T00:00:00Z`)) ||
    new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day
  ) {
    throw new Error(`${flag} must be a date YYYY-MM-DD (got '${value}')`);
  }
  return day;
}

const FIRST_COLUMN: Record<ReportKind, string> = {
  daily: 'Date',
  weekly: 'Week of',
  monthly: 'Month',
  session: 'Session',
  blocks: 'Block start',
};

export function renderReport(report: Report): string {
  const lines = reportLines(report);
  const totals = report.totals;
  // Claude Code's own cost gets a column only when some transcript line recorded one (costUSD,
  // older Claude Code): a column of dashes would only take room.
  const reported = totals.cost_usd !== null;
  const header = [
    FIRST_COLUMN[report.report],
    'Models',
    'Input',
    'Output',
    'Cache write',
    'Cache read',
    'Total',
    'List price',
    ...(reported ? ['Claude Code'] : []),
  ];
  const cost = (usd: number | null, unpriced: string[]) =>
    usd === null ? 'unknown' : `${formatUsd(usd)}${unpriced.length > 0 ? '+?' : ''}`;
  const cells = (
    label: string,
    models: string,
    r: ReportLine['counts'],
    usd: number | null,
    unpriced: string[],
    reportedUsd: number | null,
  ) => [
    label,
    models,
    formatCount(r.input_tokens),
    formatCount(r.output_tokens),
    formatCount(r.cache_creation_tokens),
    formatCount(r.cache_read_tokens),
    formatCount(r.total_tokens),
    cost(usd, unpriced),
    ...(reported ? [reportedUsd === null ? '—' : formatUsd(reportedUsd)] : []),
  ];
  const rows = lines.map((line) =>
    line.level === 'period'
      ? cells(
          rowLabel(report.report, line, report.timezone),
          line.models.map(shortModel).join(', '),
          line.counts,
          line.listCostUsd,
          line.unpricedModels,
          line.reportedCostUsd,
        )
      : cells(
          `  └ ${shortModel(line.models.join(''))}`,
          '',
          line.counts,
          line.listCostUsd,
          line.unpricedModels,
          line.reportedCostUsd,
        ),
  );
  rows.push(cells('Total', '', totals, totals.list_cost_usd, totals.unpriced_models, totals.cost_usd));
  let out = formatTable(header, rows, { separatorBefore: new Set([rows.length - 1]) });
  if (totals.unpriced_models.length > 0) {
    out += `+? cost unknown for ${totals.unpriced_models.join(', ')}: no price in the table of ${report.price_table.effective} (takt pricing update --file F)\n`;
  }
  if (report.report === 'blocks') {
    const active = report.rows.find((r) => r.is_active === true);
    if (active) out += describeActiveBlock(active, report.timezone);
  }
  return out;
}

function rowLabel(kind: ReportKind, line: ReportLine, timeZone: string): string {
  switch (kind) {
    case 'session':
      return `${shortProject(String(line.row.project))} ${String(line.row.session_id).slice(0, 8)}`;
    case 'blocks':
      return `${localDateTime(Date.parse(line.period), timeZone)}${line.row.is_active ? ' (active)' : ''}`;
    default:
      return line.period;
  }
}

/**
 * A project folder name (the working directory with / as -) in at most `max` characters: a long
 * one keeps its end, cut where a path part begins and marked "…" — not "me-dev-code-app", which
 * read as a folder of its own.
 */
export function shortProject(project: string, max = 28): string {
  if (project.length <= max) return project;
  const tail = project.slice(-(max - 1));
  const part = tail.indexOf('-');
  return `…${part >= 0 && part < tail.length - 1 ? tail.slice(part + 1) : tail}`;
}

function describeActiveBlock(row: Record<string, unknown>, timeZone: string): string {
  const lines = [
    `Active block (estimated): ends ${localDateTime(Date.parse(String(row.end)), timeZone).slice(11)} (${timeZone})`,
  ];
  const burn = row.burn_rate as { tokens_per_minute: number; list_cost_per_hour_usd: number } | null;
  const projection = row.projection as {
    total_tokens: number;
    list_cost_usd: number;
    remaining_minutes: number;
  } | null;
  if (burn)
    lines.push(
      `  burn rate: ${formatCount(burn.tokens_per_minute)} tokens/min, ${formatUsd(burn.list_cost_per_hour_usd)}/h at list price`,
    );
  if (projection) {
    lines.push(
      `  projected by the end: ${formatCount(projection.total_tokens)} tokens, ${formatUsd(projection.list_cost_usd)} at list price (${projection.remaining_minutes} min left)`,
    );
  }
  const limit = row.token_limit as
    | { limit: number; used_percentage: number; projected_percentage: number | null }
    | undefined;
  if (limit) {
    lines.push(
      `  token limit ${formatCount(limit.limit)}: ${limit.used_percentage}% used${limit.projected_percentage === null ? '' : `, ${limit.projected_percentage}% projected`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const shortModel = (model: string) => model.replace(/^claude-/, '').replace(/-\d{8}$/, '');
