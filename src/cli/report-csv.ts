import { csvText } from '../lib/csv-text.ts';
import type { Report } from '../usage/report-types.ts';
import { reportLines } from './report-lines.ts';

/**
 * `takt report … --csv`: the export's columns that an offline report knows (docs/reports.md,
 * "CSV"). Both costs, as in the export: `cost_usd` what Claude Code reported (the lines'
 * costUSD; empty where none carried one) and `list_cost_usd` the price table's. Transcripts
 * name no account or machine, so those columns are absent; `time` is the period (a date, a
 * week's first day, a month, a session's first response, a block's start). One row per
 * period, or per period and model with --breakdown; no total row (a spreadsheet sums).
 */
export const REPORT_CSV_COLUMNS = [
  'time',
  'session',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'cost_usd',
  'list_cost_usd',
  'source',
] as const;

export function reportCsv(report: Report): string {
  const rows = reportLines(report)
    // With --breakdown a period is its models' lines; without, the period's own line.
    .filter((line) => line.level === 'model' || !line.row.breakdown?.length)
    .map((line) => ({
      time: line.period,
      session: report.report === 'session' ? String(line.row.session_id) : '',
      model: line.models.join(' '),
      input_tokens: line.counts.input_tokens,
      output_tokens: line.counts.output_tokens,
      cache_read_tokens: line.counts.cache_read_tokens,
      cache_creation_tokens: line.counts.cache_creation_tokens,
      // A period with an unpriced model has no known cost: empty, not the priced part.
      cost_usd: line.reportedCostUsd,
      list_cost_usd: line.unpricedModels.length > 0 ? null : line.listCostUsd,
      source: 'transcript',
    }));
  return csvText(rows, REPORT_CSV_COLUMNS, true);
}
