import { csvText } from '../lib/csv-text.ts';
import type { Report, ReportKind, ReportRow } from '../usage/report-types.ts';

/**
 * `takt report … --csv`: the export's columns that an offline report knows (docs: README,
 * "takt report"). Transcripts carry no Claude Code cost figure, account or machine, so the
 * cost is `list_cost_usd` (the price table's) and those columns are absent; `time` is the
 * period (a date, a week's first day, a month, a session's first response, a block's start).
 * One row per period, or per period and model with --breakdown; no total row (a spreadsheet sums).
 */
export const REPORT_CSV_COLUMNS = [
  'time',
  'session',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'list_cost_usd',
  'source',
] as const;

export function reportCsv(report: Report): string {
  const rows: Record<string, unknown>[] = [];
  for (const row of report.rows) {
    const time = periodOf(report.report, row);
    const session = report.report === 'session' ? String(row.session_id) : '';
    const parts: {
      model: string;
      sums: Pick<ReportRow, 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens'>;
      usd: number | null;
    }[] =
      row.breakdown && row.breakdown.length > 0
        ? row.breakdown.map((b) => ({ model: b.model, sums: b, usd: b.cost_usd }))
        : [{ model: row.models.join(' '), sums: row, usd: row.unpriced_models.length > 0 ? null : row.cost_usd }];
    for (const p of parts) {
      rows.push({
        time,
        session,
        model: p.model,
        input_tokens: p.sums.input_tokens,
        output_tokens: p.sums.output_tokens,
        cache_read_tokens: p.sums.cache_read_tokens,
        cache_creation_tokens: p.sums.cache_creation_tokens,
        list_cost_usd: p.usd,
        source: 'transcript',
      });
    }
  }
  return csvText(rows, REPORT_CSV_COLUMNS, true);
}

function periodOf(kind: ReportKind, row: Record<string, unknown>): string {
  switch (kind) {
    case 'daily':
      return String(row.date);
    case 'weekly':
      return String(row.week);
    case 'monthly':
      return String(row.month);
    case 'session':
      return String(row.first_activity);
    case 'blocks':
      return String(row.start);
    default:
      return kind satisfies never;
  }
}
