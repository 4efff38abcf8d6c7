import type { TokenCounts } from '../lib/usage-counts.ts';
import type { Report, ReportKind, ReportRow } from '../usage/report-types.ts';

/**
 * A report's rows as the lines `takt report` prints, in its table and with --csv: each period,
 * then (with --breakdown) one line per model under it. The one place that walks a report's
 * rows and knows which field names a period.
 */
export interface ReportLine {
  /** 'period': a report row; 'model': one model under the period before it (--breakdown). */
  level: 'period' | 'model';
  /** The period's row (for a 'model' line, the row it belongs to). */
  row: ReportRow & Record<string, unknown>;
  /** The period as the JSON names it: a date, a week's first day, a month, a session's first response, a block's start. */
  period: string;
  /** The period's models, or the one model of a 'model' line. */
  models: string[];
  counts: TokenCounts & { total_tokens: number };
  /** The priced part of the list cost (see unpricedModels); null when the line's only model has no price. */
  listCostUsd: number | null;
  /** What Claude Code reported (the lines' costUSD); null when no line of it carried one. */
  reportedCostUsd: number | null;
  /** Models with no price: the true cost is higher than costUsd, or unknown. */
  unpricedModels: string[];
}

export function reportLines(report: Report): ReportLine[] {
  const lines: ReportLine[] = [];
  for (const row of report.rows) {
    const period = reportPeriod(report.report, row);
    lines.push({
      level: 'period',
      row,
      period,
      models: row.models,
      counts: row,
      listCostUsd: row.list_cost_usd,
      reportedCostUsd: row.cost_usd,
      unpricedModels: row.unpriced_models,
    });
    for (const b of row.breakdown ?? []) {
      lines.push({
        level: 'model',
        row,
        period,
        models: [b.model],
        counts: b,
        listCostUsd: b.list_cost_usd,
        reportedCostUsd: b.cost_usd,
        unpricedModels: b.list_cost_usd === null ? [b.model] : [],
      });
    }
  }
  return lines;
}

/** The field that names a row's period in each kind of report. */
export function reportPeriod(kind: ReportKind, row: Record<string, unknown>): string {
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
