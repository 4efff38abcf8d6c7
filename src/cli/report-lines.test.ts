import { describe, expect, it } from 'vitest';
import type { Report, ReportRow } from '../usage/report-types.ts';
import { reportCsv } from './report-csv.ts';
import { reportLines } from './report-lines.ts';

const counts = (n: number) => ({
  input_tokens: n,
  output_tokens: 2 * n,
  cache_read_tokens: 3 * n,
  cache_creation_tokens: 4 * n,
  cache_creation_5m_tokens: 0,
  cache_creation_1h_tokens: 0,
  total_tokens: 10 * n,
  responses: 1,
});

const row = (date: string, withBreakdown: boolean): ReportRow & Record<string, unknown> => ({
  date,
  ...counts(30),
  cost_usd: 1.25,
  list_cost_usd: 1.5,
  unpriced_models: ['claude-mystery-1'],
  models: ['claude-sonnet-4-5', 'claude-mystery-1'],
  ...(withBreakdown
    ? {
        breakdown: [
          { model: 'claude-sonnet-4-5', ...counts(10), cost_usd: 1.25, list_cost_usd: 1.5 },
          { model: 'claude-mystery-1', ...counts(20), cost_usd: null, list_cost_usd: null },
        ],
      }
    : {}),
});

const report = (withBreakdown: boolean): Report => ({
  schema: 'takt.report/2',
  report: 'daily',
  generated_at: '2026-12-01T00:00:00.000Z',
  timezone: 'UTC',
  since: null,
  until: null,
  project: null,
  price_table: { effective: '2026-11-01' },
  rows: [row('2026-11-21', withBreakdown), row('2026-11-22', withBreakdown)],
  totals: { ...counts(60), cost_usd: 2.5, list_cost_usd: 3, unpriced_models: ['claude-mystery-1'] },
  iterations: {},
});

describe('reportLines: the one walk over a report the table and the CSV print', () => {
  it('each period, then its models; an unpriced model is unknown, a period with one is the priced part', () => {
    expect(
      reportLines(report(true)).map((l) => [
        l.level,
        l.period,
        l.models.join(' '),
        l.counts.input_tokens,
        l.listCostUsd,
        l.reportedCostUsd,
      ]),
    ).toEqual([
      ['period', '2026-11-21', 'claude-sonnet-4-5 claude-mystery-1', 30, 1.5, 1.25],
      ['model', '2026-11-21', 'claude-sonnet-4-5', 10, 1.5, 1.25],
      ['model', '2026-11-21', 'claude-mystery-1', 20, null, null],
      ['period', '2026-11-22', 'claude-sonnet-4-5 claude-mystery-1', 30, 1.5, 1.25],
      ['model', '2026-11-22', 'claude-sonnet-4-5', 10, 1.5, 1.25],
      ['model', '2026-11-22', 'claude-mystery-1', 20, null, null],
    ]);
  });

  it('the CSV prints a period as its models with --breakdown, else as one row with no known cost', () => {
    expect(reportCsv(report(true)).split('\r\n').slice(1, 3)).toEqual([
      '2026-11-21,,claude-sonnet-4-5,10,20,30,40,1.25,1.5,transcript',
      '2026-11-21,,claude-mystery-1,20,40,60,80,,,transcript',
    ]);
    expect(reportCsv(report(false)).split('\r\n').slice(1, 3)).toEqual([
      '2026-11-21,,claude-sonnet-4-5 claude-mystery-1,30,60,90,120,1.25,,transcript',
      '2026-11-22,,claude-sonnet-4-5 claude-mystery-1,30,60,90,120,1.25,,transcript',
    ]);
  });
});
